#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: unit tests,
# conformance suites (S3 against a real s3rver, the metadata store against a
# real etcd, both started by the tests on loopback), crash tests and the fuzz
# corpora. Ends with one line "N passed, N failed" counted from this run's
# results. Extra arguments go to `bazel test`.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! bash scripts/setup.sh; then
  echo "setup failed"
  echo "0 passed, 1 failed"
  exit 1
fi

TOOLS_DIR="$(pwd)/tools"
RUN_DIR="$(mktemp -d)"
trap 'rm -rf "$RUN_DIR"' EXIT
# Tests find node, etcd and openssl on this PATH.
TEST_PATH="$(dirname "$(command -v node)"):/usr/local/bin:/usr/bin:/bin"

if ! bazel query 'tests(//...)' >"$RUN_DIR/targets" 2>"$RUN_DIR/query.err"; then
  cat "$RUN_DIR/query.err"
  echo "0 passed, 1 failed"
  exit 1
fi
bazel test //... --keep_going \
  --build_event_json_file="$RUN_DIR/bep.json" \
  --test_env=WARP_S3RVER="$TOOLS_DIR/node_modules/.bin/s3rver" \
  --test_env=PATH="$TEST_PATH" \
  "$@"
# Checks outside Bazel: the library installed and linked with pkg-config.
bash scripts/install_test.sh > "$RUN_DIR/extra" 2>&1 || echo "FAILED install_test.sh" >> "$RUN_DIR/extra"
python3 scripts/count_tests.py "$RUN_DIR/bep.json" "$RUN_DIR/targets" "$RUN_DIR/extra"
