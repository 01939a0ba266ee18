#!/usr/bin/env bash
# Installs what is missing, builds warpd and runs it on its embedded default:
# Kafka on 127.0.0.1:9092, HTTP on 127.0.0.1:8080, bucket and journal in
# ./warp-data. Extra arguments go to warpd (see `warpd --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build //server:warpd
exec bazel-bin/server/warpd "$@"
