#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, only those missing),
# starts the private test mail stack, builds, and runs every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
# Stop the stack at the end only if this run started it (a developer's running stack stays).
if ./scripts/mailstack.sh status >/dev/null 2>&1; then
    ./scripts/mailstack.sh start
else
    ./scripts/mailstack.sh start
    trap './scripts/mailstack.sh stop >/dev/null 2>&1 || true' EXIT
fi

swift build --build-tests
# The shipped form: static release binary, size budget, symlinks and man pages install.
./scripts/check-release.sh
# The Debian package from that release build, for DebianPackageTests (scripts/deb-check.sh).
rm -rf .build/deb && ./scripts/build-deb.sh .build/deb >/dev/null
swift test --skip-build
