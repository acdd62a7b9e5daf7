#!/usr/bin/env bash
# openmetrics-validate.sh: parses OpenMetrics text from stdin with the OpenMetrics parser of
# Python's prometheus_client (PyPI package prometheus-client), and prints one line per sample
# (name, labels as JSON, value), or the parser's error and exit 1.
# The package lives in a private virtual environment under .build/ (made on first use), so
# nothing is installed into the system's Python.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
venv=$ROOT/.build/openmetrics-venv
if ! "$venv/bin/python" -c 'import prometheus_client' 2>/dev/null; then
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check prometheus-client >&2
fi
exec "$venv/bin/python" -c '
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        for s in family.samples:
            print(s.name, family.type, family.unit or "-", json.dumps(s.labels, sort_keys=True), repr(s.value))
except Exception as e:
    print("invalid OpenMetrics:", e)
    sys.exit(1)
'
