#!/usr/bin/env bash
# The platform's throughput and latency beside this machine's limits, in one run on the same
# MariaDB (innodb_flush_log_at_trx_commit=1) and nats-server. Starts its own stack on private
# ports with the binaries and settings a user runs, drives it with bench/loadgen.cpp, prints the
# figures, writes them as JSON, and ends with one key=value line.
#   bench/run.sh            about 8 minutes
#   bench/run.sh --quick    about 2 minutes (CI runs this as a smoke test)
#   bench/run.sh --soak     the full run, then 10 minutes of create+submit at half load with each
#                           service's RSS every 30 s, and its RSS after a further minute idle
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"

SECONDS_PER_WORKLOAD=30
CONNECTIONS=32
SOAK_SECONDS=0
case "${1:-}" in
  --quick) SECONDS_PER_WORKLOAD=6 CONNECTIONS=16 ;;
  --soak) SOAK_SECONDS=${BENCH_SOAK_SECONDS:-600} ;;
  "") ;;
  *) sdp_die "usage: bench/run.sh [--quick | --soak]" ;;
esac
# The county reviewer's queue (region 370102) holds this many before the read workloads.
PENDING_QUEUE=20000

sdp_install_deps
sdp_build >/dev/null

TMP=$(mktemp -d /tmp/sdp-bench.XXXXXX)
VAR="$TMP/var"
SERVICES=(workflow scoring notify gateway)
cleanup() { sdp_stack_stop "$VAR"; rm -rf "$TMP"; }
trap cleanup EXIT

sdp_log "private stack in $TMP (MariaDB with innodb_flush_log_at_trx_commit=1, nats-server, the services)"
sdp_stack_start "$VAR" --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 -- SDP_LOG_LEVEL=warn
GW=$STACK_URL DB_PORT=${STACK_PORT[db]} NATS_PORT=${STACK_PORT[nats]}

source "$SDP_ROOT/bench/lib.sh"
bench_stack_handles
cpu_all() { for p in "${SERVICES[@]}" mariadb nats; do printf '{"%s":%s}\n' "$p" "$(cpu_of "$p")"; done | jq -s add; }
declare -A IDLE_RSS CPU0
for svc in "${SERVICES[@]}"; do IDLE_RSS[$svc]=$(rss_kb "$svc" VmRSS); CPU0[$svc]=$(cpu_of "$svc"); done

sdp_log "limits: raw single-row commits, raw JetStream publishes, a trivial HTTP 200"
RAWDB=$("$LOADGEN" rawdb --host 127.0.0.1 --port "$DB_PORT" --user sdp_workflow \
  --password "$(cat "$VAR/secrets/db-workflow.password")" --database sdp_workflow \
  --connections "$CONNECTIONS" --seconds "$SECONDS_PER_WORKLOAD")
RAWJS=$("$LOADGEN" rawjs --nats "nats://127.0.0.1:$NATS_PORT" --connections "$CONNECTIONS" --seconds "$SECONDS_PER_WORKLOAD")
WRK=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_WORKLOAD}s" "$GW/healthz" | awk '/Requests\/sec/ {print $2}')

declare -A RESULT
run_workload() {  # NAME WORKLOAD [loadgen options]
  local name=$1 workload=$2; shift 2
  local before after out
  sdp_log "workload $name: $CONNECTIONS connections, ${SECONDS_PER_WORKLOAD}s $*"
  before=$(cpu_all)
  out=$("$LOADGEN" http --url "$GW" --workload "$workload" --connections "$CONNECTIONS" \
    --seconds "$SECONDS_PER_WORKLOAD" --applicant "$A" --county "$C" --city "$CI" --province "$P" "$@")
  after=$(cpu_all)
  # The CPU each process spent during the workload (and its trailing deliveries).
  RESULT[$name]=$(jq -c --argjson b "$before" --argjson a "$after" '. + {cpu_s: ($a | with_entries(.value -= $b[.key]))}' <<<"$out")
}
for workload in create_submit lifecycle; do run_workload "$workload" "$workload"; done
# The read workloads meet a county queue of PENDING_QUEUE declarations: the writes so far are in
# it, bulk rows in the stack's open round make up the rest (bench/lib.sh).
IN_QUEUE=$(bench_sql -N -e "SELECT COUNT(*) FROM declarations WHERE state = 'county_review' AND region = '370102'")
sdp_log "county 370102's queue: $IN_QUEUE from the workloads, $((PENDING_QUEUE - IN_QUEUE)) loaded in bulk"
bench_fill_county_queue $((PENDING_QUEUE - IN_QUEUE))
for workload in get pending mix; do run_workload "$workload" "$workload"; done
# Latency at half the maximum: create+submit at a fixed rate of half the pairs/s just measured,
# once the events of the saturating runs are all consumed. Only now does the applicant register a
# webhook, to a receiver in the load generator that times submit -> receipt.
sdp_log "waiting for the consumers to finish the events of the runs so far"
"$LOADGEN" settle --nats "nats://127.0.0.1:$NATS_PORT" --stream SDP_EVENTS \
  --consumers notify --seconds 300 >/dev/null || sdp_die "the consumers did not catch up"
HALF=$(echo "${RESULT[create_submit]}" | jq '.operations.submit.per_s / 2 | floor | if . < 1 then 1 else . end')
run_workload create_submit_half_load create_submit --rate "$HALF" --webhook-port "$(sdp_free_port)"

# The soak: create+submit at half load for SOAK_SECONDS, each service's RSS every 30 s, then a
# minute idle and their RSS again.
rss_all() { for svc in "${SERVICES[@]}"; do printf '{"%s":%s}\n' "$svc" "$(rss_kb "$svc" VmRSS)"; done | jq -sc add; }
SOAK_JSON=null
if [ "$SOAK_SECONDS" -gt 0 ]; then
  sdp_log "soak: create+submit at $HALF pairs/s for ${SOAK_SECONDS}s"
  "$LOADGEN" http --url "$GW" --workload create_submit --connections "$CONNECTIONS" --seconds "$SOAK_SECONDS" \
    --applicant "$A" --rate "$HALF" >"$TMP/soak.json" &
  SOAK_PID=$!
  : >"$TMP/rss.jsonl"
  START_SOAK=$(date +%s)
  while kill -0 "$SOAK_PID" 2>/dev/null; do
    jq -c --argjson t "$(($(date +%s) - START_SOAK))" '{t_s: $t, rss_kb: .}' <<<"$(rss_all)" >>"$TMP/rss.jsonl"
    sleep 30
  done
  wait "$SOAK_PID"
  sleep 60
  SOAK_JSON=$(jq -c --slurpfile rss "$TMP/rss.jsonl" --argjson after "$(rss_all)" \
    '{load: ., rss_over_time: $rss, rss_kb_a_minute_after: $after}' "$TMP/soak.json")
fi

SERVICE_JSON=$(for svc in "${SERVICES[@]}"; do
  printf '{"service":"%s","idle_rss_kb":%s,"peak_rss_kb":%s,"cpu_s":%s}\n' "$svc" "${IDLE_RSS[$svc]}" \
    "$(rss_kb "$svc" VmHWM)" "$(echo "$(cpu_of "$svc") - ${CPU0[$svc]}" | bc)"
done | jq -s .)
# Last, as it adds 40,000 declarations: the reviewer's queue at 20,000 (bench/queue.sh).
QUEUE_STACK_VAR="$VAR" QUEUE_GW="$GW" QUEUE_DB_PORT="$DB_PORT" "$SDP_ROOT/bench/queue.sh" "${1:-}"

RESULTS=$(jq -n --argjson rawdb "$RAWDB" --argjson rawjs "$RAWJS" --arg wrk "$WRK" \
  --argjson cs "${RESULT[create_submit]}" --argjson lc "${RESULT[lifecycle]}" --argjson get "${RESULT[get]}" \
  --argjson pending "${RESULT[pending]}" --argjson mx "${RESULT[mix]}" --argjson half "${RESULT[create_submit_half_load]}" \
  --argjson services "$SERVICE_JSON" --argjson soak "$SOAK_JSON" --arg quick "${1:-}" --argjson queue "$PENDING_QUEUE" \
  '{quick: ($quick == "--quick"), limits: {raw_commit: $rawdb, raw_publish: $rawjs, http_200_per_s: ($wrk|tonumber)},
    county_queue: $queue,
    workloads: {create_submit: $cs, lifecycle: $lc, get: $get, pending: $pending, mix: $mx, create_submit_half_load: $half},
    services: $services, soak: $soak}')
OUT="$SDP_ROOT/build/bench-$(date +%Y%m%d-%H%M%S).json"
echo "$RESULTS" >"$OUT"

echo
echo "$RESULTS" | jq -r '
  "limits (same servers):",
  "  raw INSERT commits/s       \(.limits.raw_commit.operations.insert_commit.per_s | floor)   p99 \(.limits.raw_commit.operations.insert_commit.p99_ms | .*100|floor/100) ms",
  "  raw JetStream publishes/s  \(.limits.raw_publish.operations.publish.per_s | floor)   p99 \(.limits.raw_publish.operations.publish.p99_ms | .*100|floor/100) ms",
  "  trivial HTTP 200/s (wrk)   \(.limits.http_200_per_s | floor)",
  "workloads (operation: per s, p50 / p95 / p99 / max ms):",
  (.workloads | to_entries[] | "  \(.key)" , (.value.operations | to_entries[] |
    "    \(.key): \(.value.per_s|floor)/s  \(.value.p50_ms|.*10|floor/10) / \(.value.p95_ms|.*10|floor/10) / \(.value.p99_ms|.*10|floor/10) / \(.value.max_ms|.*10|floor/10)"),
    (.value.errors // {} | to_entries[] | "    not counted, \(.key): \(.value)"),
    "    CPU s: \(.value.cpu_s | to_entries | map("\(.key) \(.value*100|round/100)") | join(", "))"),
  "CPU ms per create+submit pair (create_submit): \(.workloads.create_submit as $w | $w.cpu_s | to_entries | map("\(.key) \((.value * 1000 / ($w.operations.submit.count // 1))*10|round/10)") | join(", "))",
  "services (idle RSS, peak RSS, CPU s over the run):",
  (.services[] | "  \(.service): \(.idle_rss_kb/1024|floor) MB, \(.peak_rss_kb/1024|floor) MB, \(.cpu_s)"),
  (.soak // empty | "soak at \(.load.rate)/s for \(.load.seconds)s, RSS MB (\(.rss_kb_a_minute_after | keys_unsorted | join(", "))):",
    (.rss_over_time[] | "  \(.t_s)s: \(.rss_kb | to_entries | map(.value/1024|floor|tostring) | join(", "))"),
    "  a minute after: \(.rss_kb_a_minute_after | to_entries | map(.value/1024|floor|tostring) | join(", "))")'
echo "results: $OUT"
echo "$RESULTS" | jq -r '
  (.workloads.create_submit.operations.submit.per_s) as $s | (.limits.raw_commit.operations.insert_commit.per_s) as $c |
  "submit_per_s=\($s|floor) raw_commit_per_s=\($c|floor) ratio=\(($s / $c) * 1000 | floor / 1000) lifecycles_per_s=\(.workloads.lifecycle.operations.lifecycle.per_s // 0 | floor) raw_publish_per_s=\(.limits.raw_publish.operations.publish.per_s|floor) http_200_per_s=\(.limits.http_200_per_s|floor) submit_p99_ms=\(.workloads.create_submit.operations.submit.p99_ms|floor) cpu_ms_per_pair=\(.workloads.create_submit as $w | ([$w.cpu_s[]] | add) * 1000 / ($w.operations.submit.count // 1) * 100 | floor / 100) get_per_s=\(.workloads.get.operations.get.per_s // 0 | floor) pending_per_s=\(.workloads.pending.operations.pending.per_s // 0 | floor) pending_p50_ms=\(.workloads.pending.operations.pending.p50_ms // 0 | .*100|floor/100) half_load_rate=\(.workloads.create_submit_half_load.rate) half_load_submit_p99_ms=\(.workloads.create_submit_half_load.operations.submit.p99_ms*10|floor/10) submit_to_webhook_p99_ms=\(.workloads.create_submit_half_load.operations.submit_to_webhook.p99_ms*10|floor/10)"'
