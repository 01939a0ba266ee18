#!/usr/bin/env bash
# Transactional produce against idempotent produce, side by side in one run,
# each row on a fresh warpd (embedded bucket and journal, default options
# unless shown), with the load tool's commit-latency and agent histogram
# columns. Figures: docs/benchmarks.md, "Transactions (issue 16)".
#
#   bazel build -c opt //server:warpd //benchmarks:warp_bench
#   bash benchmarks/transactions_bench.sh [DURATION_S] [PRODUCERS]
# (defaults 10 s and 128 transactional producers)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
PRODUCERS=${2:-128}
WARPD=bazel-bin/server/warpd
BENCH=bazel-bin/benchmarks/warp_bench
KAFKA_PORT=39192
HTTP_PORT=39180

run_row() {  # LABEL "WARPD FLAGS" WARP_BENCH FLAGS...
  local label=$1 warpd_flags=$2
  shift 2
  local dir
  dir=$(mktemp -d)
  # shellcheck disable=SC2086
  "$WARPD" --kafka_listen=127.0.0.1:$KAFKA_PORT --http_listen=127.0.0.1:$HTTP_PORT \
    --data_dir="$dir" $warpd_flags > "$dir.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    curl -sf http://127.0.0.1:$HTTP_PORT/metrics > /dev/null && break
    sleep 0.1
  done
  echo "## $label (warpd $warpd_flags; warp_bench $*)"
  "$BENCH" --bootstrap=127.0.0.1:$KAFKA_PORT \
    --metrics_url=http://127.0.0.1:$HTTP_PORT/metrics --partitions=16 \
    --duration_s="$DURATION" "$@" | grep '^|' | tail -n +3 || true
  echo "warpd $(grep VmHWM /proc/$pid/status)"
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir" "$dir.log"
}

echo "run of $(date -u +%FT%TZ), $(nproc) cores"
dd if=/dev/zero of=/tmp/warp_dd bs=8M count=64 oflag=direct 2>&1 | tail -1; rm -f /tmp/warp_dd
# Throughput: each transaction is 1,000 records of 1 KiB over 16 partitions.
# librdkafka sends one partition per ProduceRequest and at most 5 requests in
# flight, so a transaction takes 4 rounds of flushes: concurrency (producers)
# makes the throughput.
for flush in "" "--flush_interval_ms=10"; do
  run_row "idempotent, 16 producers" "$flush" --workload=produce --producers=16 \
    --linger_ms=20 --idempotent
  run_row "transactional, 16 producers" "$flush" --workload=produce --producers=16 \
    --linger_ms=20 --transaction_records=1000
  run_row "transactional, $PRODUCERS producers" "$flush" --workload=produce \
    --producers="$PRODUCERS" --linger_ms=20 --transaction_records=1000
done
# End-to-end latency at 10 ms flushes: plain producers with read_committed
# and read_uncommitted consumers (the regression check), then transactional
# producers with a read_committed consumer.
for iso in read_committed read_uncommitted; do
  run_row "e2e, plain producer, $iso consumer" "--flush_interval_ms=10" --workload=e2e \
    --rate=50000 --linger_ms=1 --isolation_level=$iso
done
run_row "e2e, 16 transactional producers (100 records per transaction), read_committed consumer" \
  "--flush_interval_ms=10" --workload=e2e --rate=20000 --linger_ms=1 \
  --producers=16 --transaction_records=100
