#!/usr/bin/env bash
# Throughput through HAProxy on the clustered shape (deploy/cluster: 3 NATS, 3 Galera, two
# replicas of each service) with both replicas of every service, then, in the same run on the same
# cluster, with one (replica 2 of each stopped; HAProxy takes gateway-2 out): the same workloads of
# bench/loadgen.cpp, side by side. Its own cluster under a temporary folder.
#   bench/cluster.sh            30 s per workload and shape
#   bench/cluster.sh --quick    8 s
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"
SECONDS_PER_WORKLOAD=30
CONNECTIONS=32
[ "${1:-}" = "--quick" ] && SECONDS_PER_WORKLOAD=8
SDP_CLUSTER_VAR=$(mktemp -d /tmp/sdp-cluster-bench.XXXXXX)
export SDP_CLUSTER_VAR
source "$SDP_ROOT/deploy/cluster/cluster.sh"
cleanup() { "$SDP_ROOT/deploy/cluster/down.sh" >/dev/null 2>&1 || true; rm -rf "$SDP_CLUSTER_VAR"; }
trap cleanup EXIT

export SDP_CLUSTER_SERVICE_ENV="SDP_LOG_LEVEL=warn"
sdp_log "bringing the cluster up in $CLUSTER_VAR"
"$SDP_ROOT/deploy/cluster/up.sh" >"$CLUSTER_VAR/up.out" 2>&1 || { cat "$CLUSTER_VAR/up.out" >&2; exit 1; }
cluster_ports
FRONT="http://127.0.0.1:${CLUSTER_PORT[front]}"
token() { SDP_JWT_PRIVATE_KEY="$CLUSTER_VAR/keys/jwt-private.pem" "$SDP_ROOT/deploy/local/token.sh" "$@"; }
A=$(token --role applicant --org 91370102MA3C00000B)
C=$(token --role reviewer --tier county --region 370102)
CI=$(token --role reviewer --tier city --region 370100)
P=$(token --role reviewer --tier province --region 370000)
LOADGEN="$SDP_ROOT/build/bench/sdp-loadgen"

settle() {
  "$LOADGEN" settle --nats "nats://127.0.0.1:${CLUSTER_PORT[nats-1]}" --stream SDP_EVENTS --consumers notify \
    --seconds 300 >/dev/null || sdp_die "notify did not catch up"
}

declare -A RESULT
run() {  # SHAPE WORKLOAD
  sdp_log "$1: $2, $CONNECTIONS connections, ${SECONDS_PER_WORKLOAD}s through HAProxy"
  RESULT[$1/$2]=$("$LOADGEN" http --url "$FRONT" --workload "$2" --connections "$CONNECTIONS" \
    --seconds "$SECONDS_PER_WORKLOAD" --applicant "$A" --county "$C" --city "$CI" --province "$P")
  settle
}

WORKLOADS=(create_submit lifecycle get pending)
for w in "${WORKLOADS[@]}"; do run two "$w"; done
for svc in gateway notify scoring workflow; do sdp_stop_pid "$CLUSTER_VAR/run/$svc-2.pid" "sdp-$svc" 20; done
for _ in $(seq 1 50); do [[ $(cluster_haproxy_status gateway gateway-2) == DOWN* ]] && break; sleep 0.2; done
sdp_log "replica 2 of every service stopped (HAProxy: gateway-2 $(cluster_haproxy_status gateway gateway-2))"
for w in "${WORKLOADS[@]}"; do run one "$w"; done

echo
echo "Through HAProxy, $CONNECTIONS connections, ${SECONDS_PER_WORKLOAD}s per workload, $(nproc) cores:"
printf '%-14s %-12s %12s %12s %10s %10s\n' workload operation "two: per s" "one: per s" "two: p99" "one: p99"
for w in "${WORKLOADS[@]}"; do
  for op in $(jq -r '.operations | keys[]' <<<"${RESULT[two/$w]}"); do
    printf '%-14s %-12s %12s %12s %8s ms %7s ms\n' "$w" "$op" \
      "$(jq -r ".operations[\"$op\"].per_s | floor" <<<"${RESULT[two/$w]}")" \
      "$(jq -r ".operations[\"$op\"].per_s // 0 | floor" <<<"${RESULT[one/$w]}")" \
      "$(jq -r ".operations[\"$op\"].p99_ms | .*10 | floor / 10" <<<"${RESULT[two/$w]}")" \
      "$(jq -r ".operations[\"$op\"].p99_ms // 0 | .*10 | floor / 10" <<<"${RESULT[one/$w]}")"
  done
  for shape in two one; do
    errors=$(jq -c '.errors // {}' <<<"${RESULT[$shape/$w]}")
    [ "$errors" = '{}' ] || echo "  $w ($shape): not counted: $errors"
  done
done
