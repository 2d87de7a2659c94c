#!/usr/bin/env bash
# The fault matrix of issue 20 on the clustered shape (deploy/cluster). For each row: a steady
# load of create → submit → county approval through HAProxy (two clients, every request retried
# with its Idempotency-Key while it answers 5xx or is refused), the fault injected mid-load, held,
# then healed while the load goes on; then the checks (faults.sh, faults_check_ids): every
# declaration whose three requests got a 2xx is durable with its whole history chain, its inbox
# events are there exactly once, notify's consumer has nothing pending, the webhook receiver got
# every event at least once and the SMTP sink every e-mail, no delivery is left undelivered and
# nothing is left in the outbox. Prints one Markdown row per fault (docs/reliability.md's table).
#   tests/faults/matrix.sh [ROW ...]
# Rows:
#   gateway workflow scoring notify   kill -9 of replica 1 (workflow-1 holds the outbox relay)
#   nats galera                       kill -9 of nats-2 / galera-1 (HAProxy's writer), then its rejoin
#   nats-stop                         all three nats-servers stopped for 30 s
#   partition                         galera-1 cut off from the other two (nft on its Galera ports)
#   disk-full                         galera-3's data on a small loop-mounted file system, filled
#   webhook                           the webhook receiver answering 503 for 10 s
#   smtp                              the SMTP server down for 10 s
#   reorder                           events redelivered twice each and in reverse order
#   poison                            undecodable messages on the event stream
#   clock                             workflow-1 running 40 s ahead (libfaketime)
# With FAULTS_SHAPE=local, on the single-node shape instead (deploy/local's stack: one MariaDB,
# one nats-server, one of each service, on free ports under a temporary folder), these rows:
#   mariadbd nats-server              kill -9 of the database / of NATS, then restarted
# CTest runs it in groups (tests/CMakeLists.txt, label `faults`); with no ROW, all of the shape's.
set -euo pipefail
source "$(dirname "$0")/../../deploy/local/lib.sh"
SDP_CLUSTER_VAR=$(mktemp -d /tmp/sdp-cluster.XXXXXX)
export SDP_CLUSTER_VAR
source "$SDP_ROOT/tests/faults/faults.sh"

SHAPE=${FAULTS_SHAPE:-cluster}
ROWS=("$@")
if [ ${#ROWS[@]} -eq 0 ] && [ "$SHAPE" = local ]; then ROWS=(mariadbd nats-server); fi
[ ${#ROWS[@]} -gt 0 ] ||
  ROWS=(gateway workflow scoring notify nats galera nats-stop partition disk-full webhook smtp reorder poison clock)
LOAD_SECONDS=${FAULTS_LOAD_SECONDS:-12}  # of load per row besides the fault's own hold
CLIENTS=2
export FAULTS_RETRY_SECONDS=45  # a client's patience: longer than the longest outage (30 s)
JETSTREAM=(/usr/bin/python3 "$SDP_ROOT/tests/faults/jetstream.py")
NFT_TABLE=sdp_faults_$$
LIBFAKETIME=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1  # the thread-safe one (Debian libfaketime)

cleanup() {
  local rc=$?
  [ -f "$CLUSTER_VAR/load.stop" ] || touch "$CLUSTER_VAR/load.stop"
  faults_stop_receivers
  [ ${#clients[@]} -eq 0 ] || wait "${clients[@]}" 2>/dev/null || true  # not a bare wait: services restarted here are children too
  nft delete table inet "$NFT_TABLE" 2>/dev/null || true
  faults_stop_receivers
  if [ "$SHAPE" = local ]; then sdp_stack_stop "$CLUSTER_VAR" >/dev/null 2>&1 || true; else faults_down; fi
  if mountpoint -q "$CLUSTER_VAR/galera-3/data" 2>/dev/null; then umount -l "$CLUSTER_VAR/galera-3/data" || true; fi
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
clients=()
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

heal_up() { "$SDP_ROOT/deploy/cluster/up.sh" >"$CLUSTER_VAR/heal.out" 2>&1 || { cat "$CLUSTER_VAR/heal.out" >&2; exit 1; }; }

# ---- the rows: describe, inject, hold (seconds), heal ----
describe() {
  case $1 in
    gateway | workflow | scoring | notify) echo "kill -9 $1-1" ;;
    nats) echo "kill -9 nats-2, restarted" ;;
    galera) echo "kill -9 galera-1 (the writer), rejoined" ;;
    nats-stop) echo "all 3 nats-servers stopped 30 s" ;;
    partition) echo "galera-1 (the writer) partitioned from the others 15 s" ;;
    disk-full) echo "galera-3's disk full" ;;
    webhook) echo "webhook receiver answering 503 for 10 s" ;;
    smtp) echo "SMTP server down 10 s" ;;
    reorder) echo "one declaration's events redelivered twice each, in reverse order" ;;
    poison) echo "3 undecodable messages on the event stream" ;;
    clock) echo "workflow-1's clock 40 s ahead" ;;
    mariadbd) echo "single node: kill -9 mariadbd, restarted (crash recovery)" ;;
    nats-server) echo "single node: kill -9 nats-server, restarted" ;;
    *) sdp_die "no row $1" ;;
  esac
}

hold_of() {
  case $1 in
    nats-stop) echo 30 ;;
    partition) echo 15 ;;
    webhook | smtp) echo 10 ;;
    *) echo $((LOAD_SECONDS * 2 / 3)) ;;
  esac
}

NOTE=""  # what the row saw, for its table line
inject() {
  case $1 in
    gateway | workflow | scoring | notify) faults_kill "$1-1" ;;
    nats) faults_kill nats-2 ;;
    galera) faults_kill galera-1 ;;
    nats-stop)
      for i in "${CLUSTER_NODES[@]}"; do sdp_stop_pid "$CLUSTER_VAR/run/nats-$i.pid" nats-server 20; done ;;
    partition) partition_galera 1 ;;
    disk-full) fill_disk 3 ;;
    webhook)
      HOOK_LINES=$(wc -l <"$CLUSTER_VAR/hook.log")
      touch "$CLUSTER_VAR/hook.fail" ;;
    smtp) sdp_stop_pid "$CLUSTER_VAR/run/smtp.pid" python3 10 ;;
    reorder) reorder_events ;;
    poison) publish_poison ;;
    mariadbd | nats-server) faults_kill "$1" ;;
    clock) restart_workflow_1 "LD_PRELOAD=$LIBFAKETIME FAKETIME=+40s" ;;
  esac
}

heal() {
  case $1 in
    partition)
      nft delete table inet "$NFT_TABLE"
      for i in "${CLUSTER_NODES[@]}"; do cluster_wait_synced "$i" 120; done
      NOTE+="; galera-1 during the partition: $(cat "$CLUSTER_VAR/partition.state")" ;;
    disk-full)
      rm -f "$CLUSTER_VAR/galera-3/data/filler" "$CLUSTER_VAR/galera-3/data/filler2"
      state=$(cluster_galera_state 3)
      NOTE+="; galera-3 when freed: ${state:-down}"
      # Its first complaint (a table line's | would split the cell).
      NOTE+=" (its log's first error: $({ grep -m1 -o '\[ERROR\].*' "$CLUSTER_VAR/galera-3/mariadbd.err" || echo none; } |
        cut -c1-160 | tr '|' '/'))"
      # A node that could not apply a write set either aborts or leaves the cluster and stays up
      # (Disconnected, in a cluster of 0): that one never rejoins by itself, so it is restarted,
      # as its operator (or a liveness probe) would, and rejoins by state transfer.
      if [[ "$state" == *" Disconnected "* ]]; then
        sdp_stop_pid "$CLUSTER_VAR/run/galera-3.pid" mariadbd 60
        NOTE+=", restarted"
      fi
      heal_up
      cluster_wait_synced 3 120 ;;
    webhook)
      rm -f "$CLUSTER_VAR/hook.fail"
      NOTE+="; the receiver answered 503 to $(tail -n +$((HOOK_LINES + 1)) "$CLUSTER_VAR/hook.log" | awk '$2 == 503' | wc -l) deliveries, retried" ;;
    smtp)
      faults_start_smtp
      NOTE+="; $(faults_sql "SELECT COUNT(*) FROM sdp_notify.deliveries WHERE channel = 'email' AND state <> 'delivered'
        AND attempts > 0") e-mails waiting to be retried" ;;
    clock)
      NOTE+="; its last log line's time: $(tail -n 1 "$CLUSTER_VAR/log/workflow-1.log" | jq -r '.ts // .time // empty' 2>/dev/null || true), read at $(date -u +%T)"
      restart_workflow_1 "" ;;
    mariadbd) sdp_start_mariadb "$CLUSTER_VAR/mariadb" "${STACK_PORT[db]}" ;;
    nats-server) sdp_start_nats "$CLUSTER_VAR/nats" "${STACK_PORT[nats]}" ;;
    *) heal_up ;;
  esac
}

# galera-1 loses its Galera links: nothing reaches its replication port, nothing leaves it, and it
# opens nothing to the others' (its own system user, meta skuid). Its MariaDB port stays open, so
# HAProxy sees a node that answers but is no longer in the Primary component.
partition_galera() {
  local i=$1 uid others=""
  uid=$(id -u "$(cluster_galera_user "$i")")
  for j in "${CLUSTER_NODES[@]}"; do
    [ "$j" = "$i" ] || others+="${others:+, }${CLUSTER_PORT[galera-gcomm-$j]}, ${CLUSTER_PORT[galera-ist-$j]}, ${CLUSTER_PORT[galera-sst-$j]}"
  done
  nft -f - <<NFT
table inet $NFT_TABLE {
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport ${CLUSTER_PORT[galera-gcomm-$i]} drop
    tcp sport ${CLUSTER_PORT[galera-gcomm-$i]} drop
    meta skuid $uid tcp dport { $others } drop
  }
}
NFT
  # What galera-1 says of itself once the others' silence has been noticed (a few seconds).
  ( sleep 10; cluster_galera_state "$i" | sed 's/^$/no answer/' >"$CLUSTER_VAR/partition.state" ) &
}

# galera-3 moves onto a 600 MB loop-mounted ext4 (stopped cleanly, so it rejoins by IST), which
# is then filled to the last block.
fill_disk() {
  local i=$1 dir="$CLUSTER_VAR/galera-$1" user
  user=$(cluster_galera_user "$i")
  if ! mountpoint -q "$dir/data"; then
    sdp_stop_pid "$CLUSTER_VAR/run/galera-$i.pid" mariadbd 60
    truncate -s 600M "$CLUSTER_VAR/galera-$i.img"
    mkfs.ext4 -q -F "$CLUSTER_VAR/galera-$i.img"
    mv "$dir/data" "$dir/data.disk"
    mkdir "$dir/data"
    mount -o loop "$CLUSTER_VAR/galera-$i.img" "$dir/data"
    cp -a "$dir/data.disk/." "$dir/data/"
    rm -rf "$dir/data.disk" "$dir/data/lost+found"
    chown -R "$user:" "$dir/data"
    cluster_start_galera "$i"
    cluster_wait_synced "$i" 120
  fi
  fallocate -l "$(($(df --output=avail -B1 "$dir/data" | tail -1)))" "$dir/data/filler" 2>/dev/null || true
  # ext4 keeps a few blocks back: fill those too, a block at a time.
  dd if=/dev/zero of="$dir/data/filler2" bs=4k 2>/dev/null || true
  NOTE+="; $(df -h --output=avail "$dir/data" | tail -1 | tr -d ' ') left on galera-3's disk"
}

restart_workflow_1() {
  sdp_stop_pid "$CLUSTER_VAR/run/workflow-1.pid" sdp-workflow 20
  SDP_CLUSTER_ENV_workflow_1=$1 cluster_start_service workflow 1
  cluster_wait_service workflow-1 60
}

# With both notify replicas stopped, one declaration's round trip; its three events are taken out
# of the stream and published again in reverse order, each twice under new message ids (so that
# JetStream's own de-duplication does not hide them); then notify comes back to all of it.
reorder_events() {
  local nats id seq found=() i
  nats=nats://127.0.0.1:${CLUSTER_PORT[nats-1]}
  sdp_stop_pid "$CLUSTER_VAR/run/notify-1.pid" sdp-notify 20
  sdp_stop_pid "$CLUSTER_VAR/run/notify-2.pid" sdp-notify 20
  id=$(faults_round_trip "reorder-$$")
  echo "$id" >>"$CLUSTER_VAR/ids.0"
  for _ in $(seq 1 100); do
    mapfile -t found < <("${JETSTREAM[@]}" "$nats" find SDP_EVENTS "$id")
    [ ${#found[@]} -ge 3 ] && break
    sleep 0.2
  done
  [ ${#found[@]} -eq 3 ] || sdp_die "the stream holds ${#found[@]} events of $id, not 3: ${found[*]}"
  for line in "${found[@]}"; do
    seq=${line%% *}
    "${JETSTREAM[@]}" "$nats" get SDP_EVENTS "$seq" "$CLUSTER_VAR/event.$seq" >/dev/null
    "${JETSTREAM[@]}" "$nats" delete SDP_EVENTS "$seq" >/dev/null
  done
  for ((i = ${#found[@]} - 1; i >= 0; i--)); do
    read -r seq _ subject <<<"${found[$i]}"
    "${JETSTREAM[@]}" "$nats" publish "$subject" "again-1-$seq-$$" "$CLUSTER_VAR/event.$seq" >/dev/null
    "${JETSTREAM[@]}" "$nats" publish "$subject" "again-2-$seq-$$" "$CLUSTER_VAR/event.$seq" >/dev/null
  done
  NOTE+="; $id's events (stream seq $(printf '%s ' "${found[@]%% *}")) replaced by 6 copies, newest first"
  cluster_start_service notify 1
  cluster_start_service notify 2
}

# Three messages notify cannot read on its subjects: not JSON, JSON that is no event, and an event
# of a declaration that does not exist with a type notify does not know. Each must be parked on
# the dead-letter stream while everything after it is still delivered.
publish_poison() {
  local nats=nats://127.0.0.1:${CLUSTER_PORT[nats-1]} tag=poison-$$
  printf '{"this is": not json %s' "$tag" >"$CLUSTER_VAR/poison.1"
  printf '{"hello": "%s"}' "$tag" >"$CLUSTER_VAR/poison.2"
  printf '{"id": "%s", "type": "declaration.exploded", "subject": "00000000-0000-0000-0000-000000000000", "data": 7}' \
    "$tag" >"$CLUSTER_VAR/poison.3"
  "${JETSTREAM[@]}" "$nats" publish sdp.events.declaration.submitted "$tag-1" "$CLUSTER_VAR/poison.1" >/dev/null
  "${JETSTREAM[@]}" "$nats" publish sdp.events.declaration.approved "$tag-2" "$CLUSTER_VAR/poison.2" >/dev/null
  "${JETSTREAM[@]}" "$nats" publish sdp.events.declaration.exploded "$tag-3" "$CLUSTER_VAR/poison.3" >/dev/null
  POISON_TAG=$tag
}

# After the poison row: all three on the dead-letter stream.
poison_parked() {
  local nats=nats://127.0.0.1:${CLUSTER_PORT[nats-1]} n=0
  for _ in $(seq 1 60); do
    n=$("${JETSTREAM[@]}" "$nats" find SDP_DEAD_LETTERS "$POISON_TAG" | wc -l)
    [ "$n" -ge 3 ] && break
    sleep 1
  done
  echo "$n"
}

start=$SECONDS
faults_prepare_receivers
if [ "$SHAPE" = local ]; then
  sdp_log "bringing a single-node stack up in $CLUSTER_VAR"
  sdp_install_deps
  sdp_build
  read -r -a settings <<<"$SDP_CLUSTER_SERVICE_ENV"
  sdp_stack_start "$CLUSTER_VAR" -- "${settings[@]}" >"$CLUSTER_VAR/up.out" 2>&1 || { cat "$CLUSTER_VAR/up.out" >&2; exit 1; }
  ln -sfn ../mariadb/mariadbd.pid "$CLUSTER_VAR/run/mariadbd.pid"
  ln -sfn ../nats/nats-server.pid "$CLUSTER_VAR/run/nats-server.pid"
  export FAULTS_FRONT=$STACK_URL FAULTS_KEY=$CLUSTER_VAR/keys/jwt-private.pem FAULTS_DB_PORT=${STACK_PORT[db]}
  export FAULTS_NATS_URLS=nats://127.0.0.1:${STACK_PORT[nats]}
else
  sdp_log "bringing the cluster up in $CLUSTER_VAR"
  "$SDP_ROOT/deploy/cluster/up.sh" >"$CLUSTER_VAR/up.out" 2>&1 || { cat "$CLUSTER_VAR/up.out" >&2; exit 1; }
fi
faults_init
faults_start_receivers
sdp_log "up in $((SECONDS - start))s"

# The rows go to stdout and to build/reliability/<rows>.md, for docs/reliability.md.
TABLE="$SDP_ROOT/build/reliability/${SHAPE}-$(IFS=-; echo "${ROWS[*]}").md"
mkdir -p "$(dirname "$TABLE")"
{
  echo "<!-- tests/faults/matrix.sh ${ROWS[*]} (FAULTS_SHAPE=$SHAPE) at $(git -C "$SDP_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%F %T') UTC -->"
  echo "| fault | load during it | requests sent / 2xx / durable | events expected / delivered / duplicated | recovery |"
  echo "|---|---|---|---|---|"
} | tee "$TABLE"
failed_rows=0
for row in "${ROWS[@]}"; do
  what=$(describe "$row")
  hold=$(hold_of "$row")
  rm -f "$CLUSTER_VAR/load.stop" "$CLUSTER_VAR"/ids.*
  : >"$FAULTS_LOG"
  NOTE=""
  row_start=$SECONDS
  clients=()
  for c in $(seq 1 $CLIENTS); do
    load_client "$CLUSTER_VAR/ids.$c" "$row-$c-$$" &
    clients+=($!)
  done
  sleep $((LOAD_SECONDS / 3))
  injected=$SECONDS
  inject "$row"
  sleep "$hold"
  heal_start=$SECONDS
  heal "$row"
  healed=$((SECONDS - heal_start))
  sleep $((LOAD_SECONDS - LOAD_SECONDS / 3 - LOAD_SECONDS * 2 / 3 + 2))
  touch "$CLUSTER_VAR/load.stop"
  wait "${clients[@]}"  # not a bare wait: the receivers run in the background too
  sent=$(wc -l <"$FAULTS_LOG")
  ok=$(awk '$4 ~ /^2/' "$FAULTS_LOG" | wc -l)
  cat "$CLUSTER_VAR"/ids.[0-9] 2>/dev/null | sort -u >"$CLUSTER_VAR/ids.row" || true  # not ids.*: ids.N.failed
  completed=$(grep -c . "$CLUSTER_VAR/ids.row" || true)
  faults_check_ids "$CLUSTER_VAR/ids.row" 90
  problems=$CHECK_PROBLEMS
  if [ "$row" = poison ]; then
    parked=$(poison_parked)
    NOTE+="; $parked of 3 poison messages on the dead-letter stream"
    [ "$parked" = 3 ] || problems+=" (only $parked of 3 poison messages dead-lettered)"
  fi
  # Not `grep -c … | awk`: with no match grep exits 1, which pipefail and set -e turn into a
  # silent exit of the whole script.
  failures=$({ cat "$CLUSTER_VAR"/ids.*.failed 2>/dev/null || true; } | awk '/answered/ {n++} END {print n + 0}')
  # Why they gave up: "submit answered 409 (title)", counted.
  if [ "$failures" != 0 ]; then
    NOTE+="; gave up: $(cat "$CLUSTER_VAR"/ids.*.failed | sed -n 's/^error: \([a-z]*\) .* answered \([0-9]*\): \(.*\)/\1 \2 \3/p' |
      while read -r verb code json; do echo "$verb answered $code ($(jq -r .title <<<"$json" 2>/dev/null || true))"; done |
      sort | uniq -c | sed 's/^ *//' | paste -sd, | tr '|' '/')"
  fi
  durable=$(( (completed - $(wc -w <<<"${problems//(*)/}")) * 3 ))
  verdict=pass
  if [ -n "$problems" ]; then verdict=FAIL; failed_rows=$((failed_rows + 1)); fi
  echo "| $what ($verdict) | $CLIENTS clients, $((SECONDS - row_start))s: $completed declarations completed, $failures round trips gave up | $sent / $ok / $durable | inbox $CHECK_EVENTS / $CHECK_INBOX / $CHECK_INBOX_DUP; webhooks $CHECK_INBOX / $CHECK_HOOKS / $CHECK_HOOK_DUP; e-mails $CHECK_INBOX / $CHECK_MAILS / $CHECK_MAIL_DUP | longest pause between 2xx answers $(faults_longest_gap)s; healed in ${healed}s; outbox unsent $CHECK_UNSENT$NOTE |" | tee -a "$TABLE"
  [ -z "$problems" ] || sdp_log "$row: lost or incomplete:$problems ($(tail -n 3 "$CLUSTER_VAR/check.err" 2>/dev/null))"
  : "$injected"
done
[ "$failed_rows" = 0 ] || sdp_die "$failed_rows rows lost something"
