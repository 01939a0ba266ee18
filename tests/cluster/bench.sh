#!/usr/bin/env bash
# The cluster figures of docs/benchmarks.md ("Cluster (issue 8)"): for 1, 2
# and 3 agents started by scripts/cluster.sh (3-node etcd, local folder
# bucket), warp_bench produce and end-to-end runs through every agent, then
# (with 3 agents) the failover time after a kill -9 and the time a new agent
# takes to serve. Usage: bash tests/cluster/bench.sh [AGENTS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build //server:warpd //benchmarks:warp_bench >/dev/null
export WARP_NO_BUILD=1 WARP_KAFKA_PORT=19092 WARP_HTTP_PORT=18080 WARP_ETCD_PORT=12379
lease_ms=${LEASE_MS:-10000}

pid_on_port() { ss -ltnpH "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }

for n in "${@:-1 2 3}"; do
  dir=$(mktemp -d -t warp-bench.XXXXXX)
  WARP_AGENTS=$n WARP_CLUSTER_DIR=$dir bash scripts/cluster.sh --agent_lease_ms="$lease_ms" \
    >"$dir.out" 2>&1 &
  cluster=$!
  until grep -q "cluster up" "$dir.out"; do kill -0 $cluster || { cat "$dir.out"; exit 1; }; sleep 0.5; done
  bootstrap=$(sed -n 's/.*bootstrap servers *//p' "$dir.out")
  echo "== $n agent(s): $bootstrap"
  bazel-bin/benchmarks/warp_bench --bootstrap="$bootstrap" --topic="produce$n" \
    --metrics_url=http://127.0.0.1:18080/metrics --workload=produce --partitions=16 \
    --duration_s=10 --linger_ms=20 2>/dev/null | grep '^|'
  bazel-bin/benchmarks/warp_bench --bootstrap="$bootstrap" --topic="e2e$n" \
    --metrics_url=http://127.0.0.1:18080/metrics --workload=e2e --partitions=16 \
    --duration_s=10 --linger_ms=1 --rate=20000 2>/dev/null | grep '^|'
  if [[ $n -ge 2 ]]; then
    /usr/bin/python3 tests/cluster/failover_time.py "$bootstrap" "$(pid_on_port 19092)"
    # A new agent in its own zone: from exec to its first acknowledged produce.
    t0=$(date +%s.%N)
    "$dir/warpd" --kafka_listen=127.0.0.1:19192 --http_listen=127.0.0.1:18180 \
      --bucket="file://$dir/bucket" --metadata="etcd://127.0.0.1:12379,127.0.0.1:12479,127.0.0.1:12579/warp" \
      --cluster=local --agent_id=newcomer --zone=az9 --data_dir="$dir/newcomer" >"$dir/newcomer.log" 2>&1 &
    newcomer=$!
    until echo x | kcat -P -b 127.0.0.1:19192 -X client.id=warp_az=az9 -t newcomer -p 0 \
        -X message.timeout.ms=2000 2>/dev/null; do sleep 0.05; done
    t1=$(date +%s.%N)
    echo "new agent: first acknowledged produce $(echo "$t1 - $t0" | bc) s after exec"
    kill -TERM $newcomer; wait $newcomer || true
  fi
  kill -TERM $cluster; wait $cluster || true
  rm -rf "$dir" "$dir.out"
done
