#!/usr/bin/env bash
# Installs what is missing, builds, and runs warp on its embedded default.
# Until warpd lands (issue 6) this runs the example that writes and reads
# objects in a local bucket under ./warp-data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build //examples:local_bucket
exec bazel-bin/examples/local_bucket --bucket_dir="$(pwd)/warp-data/bucket" "$@"
