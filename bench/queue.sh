#!/usr/bin/env bash
# The reviewer's queue at scale (issue 16: "a queue of 20,000 answers in under 20 ms"): loads
# 20,000 declarations awaiting the province (all 16 cities, two rounds) and 20,000 awaiting the
# city of Jinan (370100), in bulk by SQL but as real rows the services read (the declaration, its
# submitted content version and score, arrivals over the last ten days, due dates a tenth
# overdue and a twentieth none), then times GET /v1/reviews/pending over HTTP through the
# gateway, one request at a time on one kept-alive connection, for each shape of the query:
# p50 / p99 / max ms. A benchmark, not a test: it prints figures and fails only if a request does.
#   bench/queue.sh             its own private stack (as bench/run.sh starts it), 200 requests a shape
#   bench/queue.sh --quick     50 requests a shape
# bench/run.sh runs it on its stack after its workloads (QUEUE_STACK_VAR, QUEUE_GW, QUEUE_DB_PORT).
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"

REQUESTS=200
if [ "${1:-}" = "--quick" ]; then REQUESTS=50; fi
N=${QUEUE_N:-20000}

if [ -n "${QUEUE_STACK_VAR:-}" ]; then
  VAR=$QUEUE_STACK_VAR GW=$QUEUE_GW DB_PORT=$QUEUE_DB_PORT
else
  sdp_install_deps
  sdp_build >/dev/null
  TMP=$(mktemp -d /tmp/sdp-bench-queue.XXXXXX)
  VAR="$TMP/var"
  cleanup() { sdp_stack_stop "$VAR"; rm -rf "$TMP"; }
  trap cleanup EXIT
  sdp_log "private stack in $TMP"
  sdp_stack_start "$VAR" --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 -- SDP_LOG_LEVEL=warn
  GW=$STACK_URL DB_PORT=${STACK_PORT[db]}
fi

source "$SDP_ROOT/bench/lib.sh"
PROVINCE=$(bench_token --role reviewer --tier province --region 370000)
CITY=$(bench_token --role reviewer --tier city --region 370100)
sql() { bench_sql "$@"; }

ROUND_A=$(bench_round "基准测试批次甲") ROUND_B=$(bench_round "基准测试批次乙")
bench_payload_and_score
COUNTIES=$(jq -r '[.cities[].counties[].code] | map("'"'"'" + . + "'"'"'") | join(",")' "$SDP_ROOT/schemas/regions/shandong.json")
JINAN=$(jq -r '[.cities[] | select(.code == "370100") | .counties[].code] | map("'"'"'" + . + "'"'"'") | join(",")' \
  "$SDP_ROOT/schemas/regions/shandong.json")
NCOUNTIES=$(jq '[.cities[].counties[]] | length' "$SDP_ROOT/schemas/regions/shandong.json")
NJINAN=$(jq '[.cities[] | select(.code == "370100") | .counties[]] | length' "$SDP_ROOT/schemas/regions/shandong.json")

sdp_log "loading $N declarations awaiting the province and $N awaiting the city of Jinan"
START=$(date +%s.%N)
bench_load province_review "$COUNTIES" "$NCOUNTIES" 500000 "$N" "$ROUND_A" "$ROUND_B" bench-queue-province
bench_load city_review "$JINAN" "$NJINAN" 600000 "$N" "$ROUND_A" "$ROUND_B" bench-queue-city
LOADED=$(echo "$(date +%s.%N) - $START" | bc)
COUNT=$(sql -N -e "SELECT COUNT(*) FROM declarations WHERE created_by LIKE 'bench-queue-%'")
sdp_log "loaded $COUNT rows in ${LOADED}s"

# Times REQUESTS GETs of one URL on one connection (curl reuses it): ms per request, one a line.
times_of() {
  local url=$1 token=$2 args=()
  for _ in $(seq 1 "$REQUESTS"); do args+=(-o /dev/null "$url"); done
  curl -s --fail-with-body -H "Authorization: Bearer $token" -w '%{http_code} %{time_total}\n' "${args[@]}" |
    awk '$1 != 200 {print "HTTP " $1 > "/dev/stderr"; bad = 1} {print $2 * 1000} END {exit bad}'
}
stats() { sort -n | awk '{v[NR] = $1} END {printf "%.2f %.2f %.2f", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[NR]}'; }

declare -a ROWS
shape() {  # NAME TOKEN QUERY
  local name=$1 token=$2 query=$3 url="$GW/v1/reviews/pending?$3" total
  total=$(curl -sf -H "Authorization: Bearer $token" "$url" | jq .total)
  times_of "$url" "$token" >/dev/null  # warm-up: the same number again, not counted
  local ms
  ms=$(times_of "$url" "$token")
  read -r p50 p99 max <<<"$(stats <<<"$ms")"
  ROWS+=("$(jq -nc --arg n "$name" --arg q "$query" --argjson t "$total" --argjson a "$p50" --argjson b "$p99" \
    --argjson c "$max" '{shape: $n, query: $q, total: $t, p50_ms: $a, p99_ms: $b, max_ms: $c}')")
  printf '  %-34s total %6s   p50 %6.2f   p99 %6.2f   max %6.2f ms\n' "$name" "$total" "$p50" "$p99" "$max"
}
second_page() {  # TOKEN QUERY: the query with the cursor of its first page
  local c
  c=$(curl -sf -H "Authorization: Bearer $1" "$GW/v1/reviews/pending?$2" | jq -r .next_cursor)
  echo "$2&cursor=$c"
}
ORG_Q=$(jq -rn '"泉城" | @uri')
ABSENT_Q=$(jq -rn '"不存在的企业" | @uri')
sdp_log "GET /v1/reviews/pending, $REQUESTS requests a shape after as many to warm up (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for who in province city; do
  if [ "$who" = province ]; then tok=$PROVINCE county=370102 prefix=MSF-2026-370102-5001; else
    tok=$CITY county=370103 prefix=MSF-2026-370103-6001; fi
  echo "$who queue ($N awaiting):"
  shape "$who no filter" "$tok" "limit=20"
  shape "$who q= number prefix" "$tok" "limit=20&q=$prefix"
  shape "$who q= org_name substring" "$tok" "limit=20&q=$ORG_Q"
  shape "$who q= matching nothing" "$tok" "limit=20&q=$ABSENT_Q"
  shape "$who round=" "$tok" "limit=20&round=$ROUND_B"
  shape "$who county=" "$tok" "limit=20&county=$county"
  shape "$who overdue=true" "$tok" "limit=20&overdue=true"
  shape "$who sort=due_at" "$tok" "limit=20&sort=due_at"
  shape "$who second page by cursor" "$tok" "$(second_page "$tok" "limit=20")"
  shape "$who sort=due_at second page" "$tok" "$(second_page "$tok" "limit=20&sort=due_at")"
done

RESULTS=$(printf '%s\n' "${ROWS[@]}" | jq -s --argjson n "$N" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
  --argjson loaded "$LOADED" --argjson requests "$REQUESTS" \
  '{declarations_per_queue: $n, requests_per_shape: $requests, load_seconds: $loaded, loadavg: $load, shapes: .}')
OUT="$SDP_ROOT/build/bench-queue-$(date +%Y%m%d-%H%M%S).json"
echo "$RESULTS" >"$OUT"
echo "results: $OUT"
echo "$RESULTS" | jq -r '"queue_declarations=\(.declarations_per_queue) queue_worst_p50_ms=\([.shapes[].p50_ms] | max) queue_worst_p99_ms=\([.shapes[].p99_ms] | max) queue_max_ms=\([.shapes[].max_ms] | max)"'
