#!/usr/bin/env bash
# The test run's checks of warp as a library used from outside (issue 17):
# scripts/install.sh installs warp into a
# temporary prefix, builds examples/pkgconfig/app.cc with g++ and nothing but
# `pkg-config --cflags --libs warp`, and runs it; examples/external, a Bazel
# workspace of its own, builds and tests against @warp. Prints one line per check,
# "PASSED name" or "FAILED name: why", for scripts/count_tests.py.
set -uo pipefail
cd "$(dirname "$0")/.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() {  # NAME COMMAND...
  local name=$1
  shift
  if "$@" > "$T/out" 2>&1; then
    echo "PASSED $name"
  else
    echo "FAILED $name: $(tail -5 "$T/out" | tr '\n' ' ')"
    return 1
  fi
}
# Reuses the test run's build (its flags), not a separate -c opt one.
check "install.sh installs headers, libwarp.a and warp.pc" \
  env WARP_BAZEL_FLAGS="" bash scripts/install.sh "$T/prefix" || exit 0
export PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig"
check "only public headers are installed" \
  sh -c "! grep -l '#include \"\\(lib\\|server\\)/' $T/prefix/include/warp/*.h" || true
check "g++ links an app with pkg-config alone" \
  sh -c "g++ -std=c++20 examples/pkgconfig/app.cc \$(pkg-config --cflags --libs warp) -o $T/app" ||
  exit 0
check "the app produces and fetches on file://, local:// and mem://" \
  sh -c "$T/app $T/data | grep -c '=' | grep -qx 4"
# A Bazel workspace of its own that depends on warp through local_repository.
check "examples/external builds against @warp//:warp and its test passes" \
  sh -c "cd examples/external && bazel test //:app_test && bazel shutdown"
exit 0  # failures are the FAILED lines
