#!/usr/bin/env bash
# Captures golden request bytes from real Kafka clients into
# tests/testdata/golden/<client>/ and rewrites tests/testdata/golden/README.md.
# Run by hand (not in CI) after scripts/setup.sh, from anywhere:
#
#   bash tests/golden/capture.sh
#
# For each client it starts the recording fake broker (//tests/golden:recorder)
# on its own loopback port, produces the five golden records (keys k0..k4,
# values value-<codec>-<i>, header h1=v1 on k4 -- on all five for kcat, whose
# -H applies to a whole run -- and timestamps 1700000000000 + i where the
# client allows) to topic golden-<codec> with each codec the client can use,
# consumes them back once and checks them, then stops the recorder and keeps
# a small selection of the frames (select_frames.py).
#
# Clients: kcat (librdkafka), kafka-python, confluent-kafka (librdkafka) and
# kafkajs (tools/node_modules). kafka-python needs the python3-snappy,
# python3-lz4 and python3-zstandard Debian packages for those codecs; a codec
# whose module is missing is skipped and noted in the README. kafkajs has only
# gzip built in (snappy, lz4 and zstd need plugin packages the project does
# not install), so it is captured with none and gzip.
#
# Environment: GOLDEN_PORT_BASE (default 19092) is the first of four ports.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
DEST="$ROOT/tests/testdata/golden"
PORT_BASE="${GOLDEN_PORT_BASE:-19092}"
PYTHON=/usr/bin/python3  # Debian's, with python3-kafka and python3-confluent-kafka.
ALL_CODECS=(none gzip snappy lz4 zstd)
KAFKAJS_CODECS=(none gzip)
CLIENT_TIMEOUT=90

WORK="$(mktemp -d)"
RECORDER_PID=""
cleanup() {
  if [ -n "$RECORDER_PID" ]; then
    kill "$RECORDER_PID" 2>/dev/null || true
    wait "$RECORDER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "capture: $*" >&2; }

bazel build //tests/golden:recorder
RECORDER="$ROOT/bazel-bin/tests/golden/recorder"

# start_recorder CLIENT PORT: starts the recorder and waits until it listens.
start_recorder() {
  local client="$1" port="$2"
  "$RECORDER" --port="$port" --out_dir="$WORK/raw" --client="$client" \
    2>"$WORK/$client.log" &
  RECORDER_PID=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$WORK/$client.log" 2>/dev/null && return 0
    kill -0 "$RECORDER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$client.log" >&2
  log "recorder for $client did not start"
  exit 1
}

stop_recorder() {
  kill "$RECORDER_PID"
  wait "$RECORDER_PID" 2>/dev/null || true
  RECORDER_PID=""
}

# Notes for the README: codecs skipped and why.
NOTES=()

# ---- kcat (librdkafka) ------------------------------------------------------
capture_kcat() {
  local port="$1" bootstrap="127.0.0.1:$1" codec i
  local common=(-b "$bootstrap" -X client.id=golden-kcat)
  for codec in "${ALL_CODECS[@]}"; do
    # kcat's -H applies to every record of a run, so every record carries
    # h1=v1 (producing k4 alone would give a one-record batch, which
    # librdkafka leaves uncompressed because compressing it does not help).
    for i in 0 1 2 3 4; do echo "k$i:value-$codec-$i"; done |
      timeout "$CLIENT_TIMEOUT" kcat -P "${common[@]}" -t "golden-$codec" -K: \
        -X compression.codec="$codec" -X linger.ms=100 -X acks=all -H h1=v1
  done
  for codec in "${ALL_CODECS[@]}"; do
    local got want=""
    got="$(timeout "$CLIENT_TIMEOUT" kcat -C "${common[@]}" -t "golden-$codec" \
      -o beginning -e -q -f '%k %s %h\n')"
    for i in 0 1 2 3 4; do want+="k$i value-$codec-$i h1=v1"$'\n'; done
    if [ "$got"$'\n' != "$want" ]; then
      log "kcat consumed from golden-$codec:"$'\n'"$got"$'\n'"want:"$'\n'"$want"
      exit 1
    fi
  done
  log "kcat: consumed $((5 * ${#ALL_CODECS[@]})) records"
}

# ---- kafka-python and confluent-kafka ----------------------------------------
# python_has_codec CODEC: whether kafka-python can compress with CODEC here.
python_has_codec() {
  case "$1" in
    none | gzip) return 0 ;;
    *) "$PYTHON" -c "import kafka.codec as c, sys; sys.exit(0 if c.has_$1() else 1)" ;;
  esac
}

capture_python() {
  local client="$1" port="$2" codec codecs=()
  for codec in "${ALL_CODECS[@]}"; do
    if [ "$client" = kafka-python ] && ! python_has_codec "$codec"; then
      NOTES+=("kafka-python: no $codec (its Python module is not installed)")
      continue
    fi
    timeout "$CLIENT_TIMEOUT" "$PYTHON" "$ROOT/tests/golden/python_clients.py" \
      --client="$client" --bootstrap="127.0.0.1:$port" produce --codec="$codec"
    codecs+=("$codec")
  done
  timeout "$CLIENT_TIMEOUT" "$PYTHON" "$ROOT/tests/golden/python_clients.py" \
    --client="$client" --bootstrap="127.0.0.1:$port" \
    consume --codecs="$(IFS=,; echo "${codecs[*]}")"
}

# ---- kafkajs ------------------------------------------------------------------
capture_kafkajs() {
  local port="$1" codec
  for codec in "${KAFKAJS_CODECS[@]}"; do
    NODE_PATH="$ROOT/tools/node_modules" KAFKAJS_NO_PARTITIONER_WARNING=1 timeout "$CLIENT_TIMEOUT" \
      node "$ROOT/tests/golden/kafkajs_client.js" "127.0.0.1:$port" produce "$codec"
  done
  NODE_PATH="$ROOT/tools/node_modules" KAFKAJS_NO_PARTITIONER_WARNING=1 timeout "$CLIENT_TIMEOUT" \
    node "$ROOT/tests/golden/kafkajs_client.js" "127.0.0.1:$port" consume \
    "$(IFS=,; echo "${KAFKAJS_CODECS[*]}")"
}
NOTES+=("kafkajs: no snappy, lz4 or zstd (kafkajs has only gzip built in; the others need codec plugin packages that the project does not install)")
NOTES+=("kcat: record timestamps are the producer's clock (kcat cannot set them), and every record carries h1=v1 (kcat's -H applies to a whole run)")

CLIENTS=(kcat kafka-python confluent-kafka kafkajs)
port="$PORT_BASE"
for client in "${CLIENTS[@]}"; do
  log "capturing $client on 127.0.0.1:$port"
  start_recorder "$client" "$port"
  case "$client" in
    kcat) capture_kcat "$port" ;;
    kafka-python | confluent-kafka) capture_python "$client" "$port" ;;
    kafkajs) capture_kafkajs "$port" ;;
  esac
  stop_recorder
  if grep -q "closing connection\|bad frame\|trailing bytes" "$WORK/$client.log"; then
    grep "closing connection\|bad frame\|trailing bytes" "$WORK/$client.log" >&2
    log "$client: the recorder could not serve every request (see above)"
    exit 1
  fi
  port=$((port + 1))
done

rm -rf "$DEST"
mkdir -p "$DEST"
for client in "${CLIENTS[@]}"; do
  "$PYTHON" "$ROOT/tests/golden/select_frames.py" "$WORK/raw/$client" "$DEST/$client"
done

# ---- README -------------------------------------------------------------------
pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
KAFKAJS_VERSION="$(node -p "require('$ROOT/tools/node_modules/kafkajs/package.json').version")"
{
  cat <<EOF
# Golden request frames from real Kafka clients

Each \`<client>/<seq>-<ApiName>-v<version>.bin\` is one request frame exactly as
the client sent it, without the 4-byte size prefix (request header + body).
\`//tests/golden:golden_test\` decodes every frame, re-encodes it and compares
the bytes, checks fields per client, and decodes every record batch of every
Produce frame.

Do not edit these files; regenerate them all with

    bash tests/golden/capture.sh

which rewrites this README too.

## How they were captured

- Date: $(date -u +%Y-%m-%d) (UTC), on Debian $(cat /etc/debian_version), loopback only.
- The recording fake broker \`//tests/golden:recorder\` (tests/golden/recorder.cc,
  fake_broker.cc) answered each client on its own port: ApiVersions, Metadata
  (one broker, every topic exists with one partition), Produce,
  InitProducerId, FindCoordinator, Fetch, ListOffsets, and a one-member
  consumer group (JoinGroup, SyncGroup, Heartbeat, OffsetFetch, OffsetCommit,
  LeaveGroup).
- Its ApiVersions answer lists every version the codec serves, except that
  Produce and Fetch are advertised from v0: librdkafka 2.0.2 sends gzip,
  snappy and lz4 batches uncompressed to a broker whose Produce starts at v3
  or Fetch at v4, as Kafka 4.0's and warp's do (confluentinc/librdkafka#4956,
  fixed in later librdkafka). Clients use the highest common version, so no
  request below the served ranges arrived.
- Each client produced five records to topic \`golden-<codec>\` per codec:
  keys \`k0\`..\`k4\`, values \`value-<codec>-<i>\`, header \`h1=v1\` on \`k4\` only
  (on all five for kcat), timestamps 1700000000000 + i where the client can
  set them; then consumed them all back once and checked them
  (tests/golden/python_clients.py, kafkajs_client.js, and kcat commands in
  capture.sh).
- Selection (tests/golden/select_frames.py): every Produce frame is kept; other
  frames identical to an earlier one but for the correlation id are dropped,
  and at most 3 of each API and version are kept. Sequence numbers are the
  recorder's, so gaps show dropped frames.
- kafka-python's snappy, lz4 and zstd need the Debian packages python3-snappy,
  python3-lz4 and python3-zstandard (installed by hand for the capture; a
  codec whose module is missing is skipped and listed below).

| client | version | client.id | settings | codecs |
|---|---|---|---|---|
| kcat | kcat $(pkg_version kcat), librdkafka $(pkg_version librdkafka1) | golden-kcat | acks=all, linger.ms=100, header h1=v1 on every record (-H is per run); simple consumer (-C -o beginning -e) | ${ALL_CODECS[*]} |
| kafka-python | python3-kafka $(pkg_version python3-kafka) (python-snappy $(pkg_version python3-snappy), lz4 $(pkg_version python3-lz4), zstandard $(pkg_version python3-zstandard)) | golden-kafka-python | acks=1, linger_ms=100, broker version auto-detected; group consumer | $(for c in "${ALL_CODECS[@]}"; do python_has_codec "$c" && echo "$c"; done | xargs) |
| confluent-kafka | python3-confluent-kafka $(pkg_version python3-confluent-kafka), librdkafka $(pkg_version librdkafka1) | golden-confluent-kafka | enable.idempotence=true (acks=all), linger.ms=100; group consumer | ${ALL_CODECS[*]} |
| kafkajs | kafkajs $KAFKAJS_VERSION on Node.js $(node --version) | golden-kafkajs | acks=-1; group consumer committing each record | ${KAFKAJS_CODECS[*]} |

## Gaps and deviations

EOF
  for note in "${NOTES[@]}"; do echo "- $note"; done
  echo
  echo "## Files"
  echo
  for client in "${CLIENTS[@]}"; do
    echo "- $client: $(find "$DEST/$client" -name '*.bin' | wc -l) frames," \
      "$(du -sb "$DEST/$client" | cut -f1) bytes"
  done
} >"$DEST/README.md"
log "wrote $DEST ($(du -sh "$DEST" | cut -f1))"
