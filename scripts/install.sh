#!/usr/bin/env bash
# Builds the warp library and installs it for programs that do not use
# Bazel:
#   PREFIX/include/warp/*.h        the public headers ("warp/warp.h")
#   PREFIX/lib/libwarp.a           all of warp's own code, one archive
#   PREFIX/lib/pkgconfig/warp.pc   with the Debian libraries it needs in Libs
# so that   g++ -std=c++20 app.cc $(pkg-config --cflags --libs warp)
# links an application (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a prefix
# pkg-config does not search).
#
#   bash scripts/install.sh PREFIX
#
# WARP_BAZEL_FLAGS (default "-c opt") are passed to `bazel build`; the test
# run uses its own flags to reuse what it built. Bazel 4.2.3 has no static
# library rule, so the archives of //:warp's libraries are merged here.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: bash scripts/install.sh PREFIX" >&2
  exit 2
fi
PREFIX=$1
cd "$(dirname "$0")/.."
read -r -a FLAGS <<< "${WARP_BAZEL_FLAGS--c opt}"
# warp's own libraries (those under //lib) and the system libraries of
# third_party that they link. Each is built by name: a library's archive is
# made only when it is asked for, not when something depends on it.
mapfile -t LIBS < <(bazel query 'kind("cc_library", deps(//:warp)) except //third_party:*' \
  --output=label 2>/dev/null | grep '^//lib/')
bazel build "${FLAGS[@]}" //:warp "${LIBS[@]}"
BIN=$(bazel info "${FLAGS[@]}" bazel-bin 2>/dev/null)
LINKOPTS=$(bazel query 'kind("cc_library", deps(//:warp)) intersect //third_party:*' \
  --output=build 2>/dev/null | grep -o '"-l[^"]*"' | tr -d '"' | awk '!seen[$0]++' | tr '\n' ' ')

mkdir -p "$PREFIX/include/warp" "$PREFIX/lib/pkgconfig"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
{
  echo "CREATE $WORK/libwarp.a"
  for label in "${LIBS[@]}"; do
    pkg=${label#//}; pkg=${pkg%%:*}; name=${label##*:}
    archive=""
    for candidate in "$BIN/$pkg/lib$name.a" "$BIN/$pkg/lib$name.pic.a"; do
      if [ -f "$candidate" ]; then archive=$candidate; break; fi
    done
    # Header-only libraries have no archive.
    if [ -n "$archive" ]; then echo "ADDLIB $archive"; fi
  done
  echo "SAVE"
  echo "END"
} > "$WORK/merge.mri"
ar -M < "$WORK/merge.mri"
ranlib "$WORK/libwarp.a"
install -m 0644 "$WORK/libwarp.a" "$PREFIX/lib/libwarp.a"
install -m 0644 include/warp/*.h "$PREFIX/include/warp/"
PREFIX_ABS=$(cd "$PREFIX" && pwd)
cat > "$PREFIX/lib/pkgconfig/warp.pc" <<PC
prefix=$PREFIX_ABS
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: warp
Description: Kafka-compatible streaming on object storage, embeddable (warp::Stream)
Version: 0.1.0
Cflags: -I\${includedir}
Libs: -L\${libdir} -lwarp $LINKOPTS
PC
echo "installed warp in $PREFIX_ABS ($(du -h "$PREFIX/lib/libwarp.a" | cut -f1) libwarp.a)"
