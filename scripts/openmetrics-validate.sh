#!/usr/bin/env bash
# openmetrics-validate.sh: parses OpenMetrics text from stdin with the OpenMetrics parser of
# Python's prometheus_client (Debian's python3-prometheus-client, installed by
# scripts/install-deps.sh), and prints one line per sample (name, labels as JSON, value), or
# the parser's error and exit 1.
set -euo pipefail
exec /usr/bin/python3 -c '
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
