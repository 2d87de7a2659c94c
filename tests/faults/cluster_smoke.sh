#!/usr/bin/env bash
# Smoke test of the clustered shape (CONTRACT §10): deploy/cluster/up.sh from nothing, one
# declaration created, submitted and decided through HAProxy and seen in notify's inbox; then
# kill -9 of a gateway and of the Galera node HAProxy writes to, the same again (it must still
# answer, and lose nothing), the killed nodes restarted by up.sh (the Galera node rejoins), a
# third round, and down.sh. Its own cluster under a temporary folder. CTest label `faults`.
set -euo pipefail
source "$(dirname "$0")/../../deploy/local/lib.sh"
SDP_CLUSTER_VAR=$(mktemp -d /tmp/sdp-cluster.XXXXXX)
export SDP_CLUSTER_VAR
source "$SDP_ROOT/tests/faults/faults.sh"

cleanup() {
  local rc=$?
  faults_down
  if [ $rc -ne 0 ]; then
    sdp_log "failed; the last requests and log lines:"
    tail -n 15 "$FAULTS_LOG" 2>/dev/null >&2 || true
    for f in "$CLUSTER_VAR"/log/*.log "$CLUSTER_VAR"/nats-*/nats-server.log "$CLUSTER_VAR"/galera-*/mariadbd.err; do
      [ -f "$f" ] || continue
      echo "--- $f" >&2
      tail -n 5 "$f" >&2 || true
    done
  fi
  rm -rf "$SDP_CLUSTER_VAR"
}
trap cleanup EXIT

start=$SECONDS
"$SDP_ROOT/deploy/cluster/up.sh" >"$CLUSTER_VAR/up.out" 2>&1 || { cat "$CLUSTER_VAR/up.out" >&2; exit 1; }
grep -q '^Gateway: http://127.0.0.1:[0-9]*$' "$CLUSTER_VAR/up.out" || sdp_die "up.sh did not print the Gateway line"
faults_init
sdp_log "cluster up in $((SECONDS - start))s: $FRONT"
for name in nats-{1,2,3} galera-{1,2,3} haproxy {gateway,workflow,scoring,notify}-{1,2}; do
  [ -s "$CLUSTER_VAR/run/$name.pid" ] || sdp_die "no pid file run/$name.pid"
done
for i in 1 2 3; do [[ $(cluster_galera_state "$i") == "4 Primary 3" ]] || sdp_die "galera-$i: $(cluster_galera_state "$i")"; done

first=$(faults_round_trip before)
faults_check "$first"
inbox=$(curl -sf -H "Authorization: Bearer $APPLICANT" "$FRONT/v1/notifications?limit=10" |
  jq -c --arg id "$first" '[.items[] | select(.declaration_id == $id) | .type] | sort')
[ "$inbox" = '["declaration.approved","declaration.submitted"]' ] || sdp_die "GET /v1/notifications shows $inbox"
sdp_log "before the faults: $first created, submitted, decided, in the inbox"

faults_kill gateway-1
faults_kill galera-1
t=$SECONDS
second=$(faults_round_trip after-kill)
sdp_log "after kill -9 of gateway-1 and galera-1: $second done in $((SECONDS - t))s"
faults_check "$second" 60
faults_check "$first"
[ "$(cluster_haproxy_status galera galera-1)" != UP ] || sdp_die "HAProxy still sends to the killed galera-1"

t=$SECONDS
"$SDP_ROOT/deploy/cluster/up.sh" >"$CLUSTER_VAR/up2.out" 2>&1 || { cat "$CLUSTER_VAR/up2.out" >&2; exit 1; }
[[ $(cluster_galera_state 1) == "4 Primary 3" ]] || sdp_die "galera-1 did not rejoin: $(cluster_galera_state 1)"
how=$(grep -o 'IST received\|SST received\|State transfer required\|Prepared IST receiver' \
  "$CLUSTER_VAR/galera-1/mariadbd.err" | tail -1 || true)
sdp_log "galera-1 and gateway-1 back in $((SECONDS - t))s (${how:-transfer not logged})"
third=$(faults_round_trip rejoined)
faults_check "$third"
# Every node has every declaration: read each node's copy directly.
for i in 1 2 3; do
  n=$(sdp_mariadb_admin "${CLUSTER_PORT[galera-$i]}" -N -B -e \
    "SELECT COUNT(*) FROM sdp_workflow.declarations WHERE id IN ('$first', '$second', '$third') AND state = 'city_review'")
  [ "$n" = 3 ] || sdp_die "galera-$i holds $n of the 3 declarations"
done
unsent=$(faults_sql "SELECT COUNT(*) FROM sdp_workflow.outbox WHERE sent_at IS NULL")
[ "$unsent" = 0 ] || sdp_die "$unsent events stuck in the outbox"
sdp_log "cluster smoke test passed in $((SECONDS - start))s"
