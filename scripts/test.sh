#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: unit tests,
# conformance suites (including S3 against a real s3rver the tests start on
# loopback), and the fuzz corpora. Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

TOOLS_DIR="$(pwd)/tools"
status=0
bazel test //... \
  --test_env=WARP_S3RVER="$TOOLS_DIR/node_modules/.bin/s3rver" \
  --test_env=PATH="/usr/local/bin:/usr/bin:/bin" \
  "$@" || status=$?

python3 scripts/count_tests.py bazel-testlogs
count_status=$?
if [ $status -ne 0 ] || [ $count_status -ne 0 ]; then exit 1; fi
