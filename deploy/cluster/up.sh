#!/usr/bin/env bash
# Brings the clustered shape of CONTRACT §10 up on loopback: packages, Release build, the web
# console's build, a 3-node NATS cluster (JetStream, streams and consumers with 3 replicas), a
# 3-node MariaDB Galera cluster, HAProxy in front of the Galera nodes and of the two gateways,
# and two replicas of workflow, scoring, notify and gateway; waits for HAProxy's front to answer
# /readyz. Data under var/cluster/ (or $SDP_CLUSTER_VAR), one pid file per process in run/.
# Run again: starts only what is missing (a killed node rejoins).
set -euo pipefail
source "$(dirname "$0")/../local/lib.sh"
source "$(dirname "$0")/cluster.sh"

sdp_install_deps
sdp_build
sdp_build_web

mkdir -p "$CLUSTER_VAR"/{log,run,secrets,keys}
cluster_ports
FRONT="http://127.0.0.1:${CLUSTER_PORT[front]}"

all_up=1
for svc in "${CLUSTER_SERVICES[@]}"; do
  for i in "${CLUSTER_REPLICAS[@]}"; do sdp_pid_alive "$CLUSTER_VAR/run/$svc-$i.pid" "sdp-$svc" || all_up=0; done
done
for i in "${CLUSTER_NODES[@]}"; do
  sdp_pid_alive "$CLUSTER_VAR/run/nats-$i.pid" nats-server || all_up=0
  cluster_galera_running "$i" || all_up=0
done
sdp_pid_alive "$CLUSTER_VAR/run/haproxy.pid" haproxy || all_up=0
if [ $all_up = 1 ] && sdp_wait_http_200 "$FRONT/readyz" 2; then
  sdp_log "already up: $FRONT"
  echo "Gateway: $FRONT"
  exit 0
fi

cluster_start_galera_all
sdp_provision_databases "${CLUSTER_PORT[galera-$CLUSTER_FIRST]}" "$CLUSTER_VAR/secrets"
sdp_log "Galera: $(for i in "${CLUSTER_NODES[@]}"; do printf 'galera-%s 127.0.0.1:%s  ' "$i" "${CLUSTER_PORT[galera-$i]}"; done)"

for i in "${CLUSTER_NODES[@]}"; do cluster_start_nats "$i"; done
sdp_log "NATS: $(cluster_nats_urls)"

cluster_start_haproxy
sdp_log "HAProxy: MariaDB on 127.0.0.1:${CLUSTER_PORT[db]}, gateways on $FRONT"

sdp_make_keys "$CLUSTER_VAR"
for svc in "${CLUSTER_SERVICES[@]}"; do
  for i in "${CLUSTER_REPLICAS[@]}"; do cluster_start_service "$svc" "$i"; done
done
for svc in "${CLUSTER_SERVICES[@]}"; do
  for i in "${CLUSTER_REPLICAS[@]}"; do
    cluster_wait_service "$svc-$i" 120
    sdp_log "$svc-$i ready on 127.0.0.1:${CLUSTER_PORT[$svc-$i]} (log: ${CLUSTER_VAR#"$SDP_ROOT"/}/log/$svc-$i.log)"
  done
done

sdp_wait_http_200 "$FRONT/readyz" 30 || sdp_die "HAProxy's front $FRONT does not answer /readyz"
sdp_open_first_rounds "$FRONT" "$CLUSTER_VAR/keys/jwt-private.pem"

cat <<MSG
The cluster is up.
Gateway: $FRONT
  A token:  TOKEN=\$(SDP_JWT_PRIVATE_KEY=${CLUSTER_VAR}/keys/jwt-private.pem deploy/local/token.sh --role applicant --org 91370102MA3C00000B)
  MariaDB:  127.0.0.1:${CLUSTER_PORT[db]} (HAProxy; nodes $(for i in "${CLUSTER_NODES[@]}"; do printf '%s ' "${CLUSTER_PORT[galera-$i]}"; done| sed 's/ $//'))
  NATS:     $(cluster_nats_urls)
  Pids:     ${CLUSTER_VAR}/run/*.pid   Logs: ${CLUSTER_VAR}/log/
  Stop:     deploy/cluster/down.sh
MSG
