#!/usr/bin/env bash
# Starts a local warp cluster in one command: a 3-node etcd and 3 warpd agents
# over one bucket (a local folder), all on loopback, data in a temporary
# folder. Ctrl-C (or SIGTERM) stops everything and removes the data unless
# WARP_KEEP_DATA=1.
#
#   bash scripts/cluster.sh                 # agents on 127.0.0.1:9092,9093,9094
#   kcat -L -b 127.0.0.1:9092               # three brokers
#
# Environment (all optional):
#   WARP_AGENTS=3           number of agents (zones az1, az2, az3, az1, ...)
#   WARP_KAFKA_PORT=9092    Kafka port of agent 0; agent i listens on +i
#   WARP_HTTP_PORT=8080     HTTP (/metrics) port of agent 0; agent i on +i
#   WARP_ETCD_PORT=2379     client port of etcd node 0; node i on +100*i,
#                           peer port = client port + 1
#   WARP_CLUSTER_DIR        data folder (default: a new mktemp -d)
#   WARP_BUCKET             bucket URL (default: file://<dir>/bucket)
#   WARP_NO_BUILD=1         use bazel-bin/server/warpd as it is
#   WARP_SECURE=1           the secure variant (docs/security.md): SASL_SSL
#                           listeners with a CA and certificate made by openssl
#                           in the data folder, SCRAM and PLAIN logins, Kafka's
#                           ACLs (--authorizer=acl) with a super user "admin"
#                           whose random password is printed
# Extra arguments go to every warpd (see `warpd --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

agents=${WARP_AGENTS:-3}
kafka_port=${WARP_KAFKA_PORT:-9092}
http_port=${WARP_HTTP_PORT:-8080}
etcd_port=${WARP_ETCD_PORT:-2379}
dir=${WARP_CLUSTER_DIR:-$(mktemp -d -t warp-cluster.XXXXXX)}
mkdir -p "$dir"
bucket=${WARP_BUCKET:-file://$dir/bucket}

command -v etcd >/dev/null || { echo "cluster.sh: etcd not found (apt-get install etcd-server)" >&2; exit 1; }
[[ -n "${WARP_NO_BUILD:-}" ]] || bazel build //server:warpd
# A copy, so that rebuilding while the cluster runs does not change it.
cp bazel-bin/server/warpd "$dir/warpd"
warpd="$dir/warpd"

etcd_pids=()
agent_pids=()
stop() {
  trap - INT TERM EXIT
  echo "cluster.sh: stopping"
  # Agents first (SIGTERM: they leave the cluster through etcd and drain),
  # then etcd.
  for pid in "${agent_pids[@]}" "${etcd_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${WARP_KEEP_DATA:-0}" != 1 && -z "${WARP_CLUSTER_DIR:-}" ]]; then rm -rf "$dir"; fi
  exit 0
}
trap stop INT TERM EXIT

wait_port() {  # PORT: waits up to 60 s for 127.0.0.1:PORT to accept
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "cluster.sh: nothing listens on 127.0.0.1:$1; logs in $dir" >&2
  return 1
}

# A 3-node etcd.
initial=""
endpoints=""
for i in 0 1 2; do
  cp=$((etcd_port + 100 * i)); pp=$((cp + 1))
  initial+="${initial:+,}e$i=http://127.0.0.1:$pp"
  endpoints+="${endpoints:+,}127.0.0.1:$cp"
done
for i in 0 1 2; do
  cp=$((etcd_port + 100 * i)); pp=$((cp + 1))
  etcd --name "e$i" --data-dir "$dir/etcd$i" \
    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "$initial" --initial-cluster-state new \
    --initial-cluster-token warp-local >"$dir/etcd$i.log" 2>&1 &
  etcd_pids+=($!)
done
for i in 0 1 2; do wait_port $((etcd_port + 100 * i)); done

# The secure variant: a CA, a certificate for 127.0.0.1 and localhost, and
# the super user's password.
secure=()
if [[ "${WARP_SECURE:-0}" == 1 ]]; then
  command -v openssl >/dev/null || { echo "cluster.sh: openssl not found" >&2; exit 1; }
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=warp local CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 30 -extfile "$dir/san.ext" -out "$dir/server.pem" 2>/dev/null
  admin_password=$(openssl rand -hex 16)
  (umask 077 && printf 'admin:%s\n' "$admin_password" >"$dir/users")
  secure=(--tls_cert_file="$dir/server.pem" --tls_key_file="$dir/server.key"
          --sasl_users_file="$dir/users" --authorizer=acl --super_users=User:admin)
fi

zones=(az1 az2 az3)
bootstrap=""
for ((i = 0; i < agents; i++)); do
  kp=$((kafka_port + i)); hp=$((http_port + i))
  if [[ ${#secure[@]} -gt 0 ]]; then
    listen=(--listeners="SASL_SSL://127.0.0.1:$kp" "${secure[@]}")
  else
    listen=(--kafka_listen="127.0.0.1:$kp")
  fi
  "$warpd" "${listen[@]}" --http_listen="127.0.0.1:$hp" \
    --bucket="$bucket" --metadata="etcd://$endpoints/warp" --cluster=local \
    --agent_id="agent$i" --zone="${zones[$((i % 3))]}" --data_dir="$dir/agent$i" "$@" \
    >"$dir/agent$i.log" 2>&1 &
  agent_pids+=($!)
  wait_port "$kp"
  bootstrap+="${bootstrap:+,}127.0.0.1:$kp"
done

if [[ ${#secure[@]} -gt 0 ]]; then
  cat <<MSG
cluster.sh: secure variant: SASL_SSL, ACLs on, super user admin
  CA                 $dir/ca.pem
  admin's settings   -X security.protocol=sasl_ssl -X ssl.ca.location=$dir/ca.pem
                     -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=admin
                     -X sasl.password=$admin_password
  other users        AlterUserScramCredentials and CreateAcls as admin (docs/security.md)
MSG
fi
cat <<MSG
cluster.sh: warp cluster up: $agents agents, 3 etcd nodes, data and logs in $dir
  bootstrap servers  $bootstrap
  metrics            http://127.0.0.1:$http_port/metrics (agent i on port $http_port+i)
  etcd               $endpoints
  try                kcat -L -b $bootstrap
                     kcat -L -b 127.0.0.1:$kafka_port -X client.id=warp_az=az2   # one zone
Ctrl-C stops everything.
MSG
# Runs until Ctrl-C; a process that dies (an agent killed to try failover)
# is reported once and the others keep running.
declare -A reported=()
while true; do
  for pid in "${etcd_pids[@]}" "${agent_pids[@]}"; do
    if [[ -z "${reported[$pid]:-}" ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "cluster.sh: process $pid exited; logs in $dir" >&2
      reported[$pid]=1
    fi
  done
  sleep 1
done
