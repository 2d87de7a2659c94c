#!/usr/bin/env bash
# The first rows of the fault matrix (issue 20) on the clustered shape: for each kind of process —
# gateway, workflow, scoring, notify, nats-server, a Galera node — a steady load of
# create/submit/decide through HAProxy (two clients), kill -9 of one replica mid-load, the load
# kept on, then the heal (up.sh restarts it; a Galera node rejoins), then the checks: every
# declaration whose three requests got a 2xx is durable with its whole history chain, the
# applicant's inbox holds its submit and approval exactly once, and nothing is left in the outbox.
# Prints one Markdown row per fault (the table of docs/reliability.md). CTest label `faults`.
#   tests/faults/kill_matrix.sh [ROW ...]   rows: gateway workflow scoring notify nats galera (all)
set -euo pipefail
source "$(dirname "$0")/../../deploy/local/lib.sh"
SDP_CLUSTER_VAR=$(mktemp -d /tmp/sdp-cluster.XXXXXX)
export SDP_CLUSTER_VAR
source "$SDP_ROOT/tests/faults/faults.sh"

ROWS=("$@")
[ ${#ROWS[@]} -gt 0 ] || ROWS=(gateway workflow scoring notify nats galera)
LOAD_SECONDS=${FAULTS_LOAD_SECONDS:-12}  # of load in all per row; the kill comes after a third
CLIENTS=2

cleanup() {
  local rc=$?
  [ -f "$CLUSTER_VAR/load.stop" ] || touch "$CLUSTER_VAR/load.stop"
  wait 2>/dev/null || true
  faults_down
  if [ $rc -ne 0 ]; then
    tail -n 20 "$FAULTS_LOG" >&2 2>/dev/null || true
    for f in "$CLUSTER_VAR"/log/*.log "$CLUSTER_VAR"/nats-*/nats-server.log "$CLUSTER_VAR"/galera-*/mariadbd.err; do
      [ -f "$f" ] || continue
      echo "--- $f" >&2
      tail -n 5 "$f" >&2 || true
    done
  fi
  rm -rf "$SDP_CLUSTER_VAR"
}
trap cleanup EXIT

# One client: round trips one after another until told to stop; the id of each that completed
# goes to $1, a failed one (a non-2xx after its retries) to $1.failed.
load_client() {
  local out=$1 tag=$2 n=0 id
  while [ ! -f "$CLUSTER_VAR/load.stop" ]; do
    n=$((n + 1))
    if id=$(faults_round_trip "$tag-$n" 2>>"$out.failed"); then echo "$id" >>"$out"; fi
  done
}

victim_of() {
  case $1 in
    gateway | workflow | scoring | notify) echo "$1-1" ;;
    nats) echo nats-2 ;;
    galera) echo galera-1 ;;  # the node HAProxy writes to
  esac
}

# Seconds until the front answers a whole round trip again after the kill: the first completed
# id logged after it.
sdp_log "bringing the cluster up in $CLUSTER_VAR"
start=$SECONDS
"$SDP_ROOT/deploy/cluster/up.sh" >"$CLUSTER_VAR/up.out" 2>&1 || { cat "$CLUSTER_VAR/up.out" >&2; exit 1; }
faults_init
sdp_log "up in $((SECONDS - start))s"

echo "| fault | load during it | requests sent / 2xx / durable | events expected / delivered / duplicated | time to recover |"
echo "|---|---|---|---|---|"
failed_rows=0
for row in "${ROWS[@]}"; do
  victim=$(victim_of "$row")
  rm -f "$CLUSTER_VAR/load.stop" "$CLUSTER_VAR"/ids.*
  : >"$FAULTS_LOG"
  for c in $(seq 1 $CLIENTS); do load_client "$CLUSTER_VAR/ids.$c" "$row-$c-$$" & done
  sleep $((LOAD_SECONDS / 3))
  faults_kill "$victim"
  killed_at=$(date +%s.%N)
  sleep $((LOAD_SECONDS * 2 / 3))
  # Heal: up.sh starts what is missing (a Galera node rejoins) while the load goes on.
  "$SDP_ROOT/deploy/cluster/up.sh" >"$CLUSTER_VAR/heal.out" 2>&1 || { cat "$CLUSTER_VAR/heal.out" >&2; exit 1; }
  healed_at=$(date +%s.%N)
  sleep 2
  touch "$CLUSTER_VAR/load.stop"
  wait
  sent=$(wc -l <"$FAULTS_LOG")
  ok=$(awk '$4 ~ /^2/' "$FAULTS_LOG" | wc -l)
  ids=$(cat "$CLUSTER_VAR"/ids.* 2>/dev/null | sort -u)
  completed=$(grep -c . <<<"$ids" || true)
  durable=0 delivered=0 problems=""
  for id in $ids; do
    if (faults_check "$id" 60) 2>>"$CLUSTER_VAR/check.err"; then
      durable=$((durable + 3)) delivered=$((delivered + 2))
    else
      problems+=" $id"
    fi
  done
  # Inbox rows of one event for one audience beyond the first (a unique key forbids them; counted
  # all the same), and events notify processed more than once (processed_events is per event).
  dup=$(faults_sql "SELECT COUNT(*) - COUNT(DISTINCT event_id, audience) FROM sdp_notify.notifications")
  unsent=$(faults_sql "SELECT COUNT(*) FROM sdp_workflow.outbox WHERE sent_at IS NULL")
  # Recovery: from the kill to the first request answered 2xx after it, from the request log.
  recover=$(awk -v k="$(date -d "@${killed_at%.*}" +%T)" '$1 >= k && $4 ~ /^2/ {print $1; exit}' "$FAULTS_LOG")
  # Not `grep -c … | awk`: with no match grep exits 1, which pipefail makes the pipeline's status
  # and set -e turns into a silent exit (the first run's stop after its first row's checks).
  failures=$({ cat "$CLUSTER_VAR"/ids.*.failed 2>/dev/null || true; } | awk '/answered/ {n++} END {print n + 0}')
  verdict=pass
  if [ -n "$problems" ] || [ "$unsent" != 0 ]; then verdict=FAIL; failed_rows=$((failed_rows + 1)); fi
  echo "| kill -9 $victim ($verdict) | $CLIENTS clients, ${LOAD_SECONDS}s: $completed declarations completed, $failures round trips gave up | $sent / $ok / $durable | $((completed * 2)) / $delivered / $dup | first 2xx after the kill at $recover (killed $(date -d "@${killed_at%.*}" +%T)); healed by up.sh in $(echo "$healed_at - $killed_at - $LOAD_SECONDS * 2 / 3" | bc | cut -c1-4)s; outbox unsent $unsent |"
  [ -z "$problems" ] || sdp_log "$row: not durable or not delivered:$problems ($(tail -n 3 "$CLUSTER_VAR/check.err"))"
done
[ "$failed_rows" = 0 ] || sdp_die "$failed_rows rows lost something"
