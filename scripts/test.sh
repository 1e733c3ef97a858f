#!/usr/bin/env bash
# Runs every test: set-up (idempotent), one release build of the package and its tests, then
# the tests. Release, because the engine tests decode real models through the built binary;
# -enable-testing, because unit tests reach internal API with @testable.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
swift build -c release --build-tests -Xswiftc -enable-testing
CLICKY_BIN="$(swift build -c release -Xswiftc -enable-testing --show-bin-path)/clicky" \
    swift test -c release -Xswiftc -enable-testing --skip-build "$@"
