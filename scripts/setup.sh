#!/usr/bin/env bash
# Installs whatever warp needs that this Debian 12 machine lacks: the build
# toolchain and libraries (apt) and the Node.js test tools (npm, into tools/).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # build
  bazel-bootstrap bazel-platforms g++ git python3
  libabsl-dev libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libzstd-dev
  zlib1g-dev liblz4-dev libsnappy-dev libgtest-dev libgmock-dev
  libbenchmark-dev libmicrohttpd-dev prometheus-cpp-dev
  # fuzzing
  clang libclang-rt-14-dev
  # test peers: Kafka clients, etcd, the S3-compatible server's runtime
  librdkafka-dev kcat python3-kafka python3-confluent-kafka
  python3-snappy python3-lz4 python3-zstandard
  etcd-server etcd-client curl
)
# Node.js and npm: Debian's packages unless a Node.js with npm is already
# installed (e.g. from NodeSource, whose nodejs bundles npm).
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js tools, pinned in tools/package.json.
if [ ! -x tools/node_modules/.bin/s3rver ] ||
  [ tools/package.json -nt tools/node_modules/.installed ]; then
  echo "setup: installing Node.js test tools into tools/node_modules"
  (cd tools && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  touch tools/node_modules/.installed
fi
