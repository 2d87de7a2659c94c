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

token() { SDP_JWT_PRIVATE_KEY="$VAR/keys/jwt-private.pem" "$SDP_ROOT/deploy/local/token.sh" "$@"; }
ADMIN=$(token --role admin)
PROVINCE=$(token --role reviewer --tier province --region 370000)
CITY=$(token --role reviewer --tier city --region 370100)
sql() { sdp_mariadb_admin "$DB_PORT" sdp_workflow "$@"; }

# Two 晨星工厂 rounds opened over the API (the bulk rows name them), and the score a complete
# declaration gets, from the scoring service: the rows carry what a real submit writes.
round() {
  local body
  body=$(jq -n --arg o "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" --arg c "$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)" \
    --arg t "$1" '{kind: "morning_star", year: 2026, title: $t, opens_at: $o, closes_at: $c,
                   review_working_days: {county: 5, city: 10, province: 15}, quotas: {}}')
  curl -sf -X POST "$GW/v1/rounds" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d "$body" | jq -r .id
}
ROUND_A=$(round "基准测试批次甲") ROUND_B=$(round "基准测试批次乙")
PAYLOAD=$(jq -c '{claimed_level: 3, criteria: ([.criteria[].id] | map({key: ., value: {met: true, evidence: "现场核查记录、设备联网清单与系统截图"}}) | from_entries)}' \
  "$SDP_ROOT/schemas/catalogs/morning_star.json")
SCORE=$(curl -sf -X POST "$GW/v1/scoring/preview" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "$(jq -nc --argjson p "$PAYLOAD" '{kind: "morning_star", payload: $p}')" | jq -c .)
COUNTIES=$(jq -r '[.cities[].counties[].code] | map("'"'"'" + . + "'"'"'") | join(",")' "$SDP_ROOT/schemas/regions/shandong.json")
JINAN=$(jq -r '[.cities[] | select(.code == "370100") | .counties[].code] | map("'"'"'" + . + "'"'"'") | join(",")' \
  "$SDP_ROOT/schemas/regions/shandong.json")
NCOUNTIES=$(jq '[.cities[].counties[]] | length' "$SDP_ROOT/schemas/regions/shandong.json")
NJINAN=$(jq '[.cities[] | select(.code == "370100") | .counties[]] | length' "$SDP_ROOT/schemas/regions/shandong.json")

# One tier's rows: $1 state, $2 the ELT list of counties, $3 its length, $4 the first number of
# the sequence (above any a real create reaches in a run), all in one statement.
load() {
  sql <<SQL
SET @payload = '$(sed "s/'/''/g" <<<"$PAYLOAD")', @score = '$(sed "s/'/''/g" <<<"$SCORE")';
INSERT INTO declarations (id, number, kind, round_id, org, org_name, region, city, title, contact, payload,
  state, version, decided, publicity_ends_at, score, score_version, level_reached, created_by, created_at,
  updated_at, submitted_version, submitted_score, submitted_score_version, arrived_at, due_at)
SELECT UUID(), CONCAT('MSF-2026-', r, '-', LPAD($4 + seq, 6, '0')), 'morning_star',
  IF(seq % 10 = 0, '$ROUND_B', '$ROUND_A'), '91370102MA3C00000B',
  CONCAT(ELT(1 + seq % 8, '明湖', '泉城', '趵突', '千佛山', '大明', '华山', '黄河', '齐鲁'), '智能装备', seq, '有限公司'), r,
  CONCAT(LEFT(r, 4), '00'), CONCAT(ELT(1 + seq % 4, '数字化车间', '智能工厂', '晨星工厂', '智能制造'), '建设项目申报（', seq, '）'),
  '{"name": "王经理", "phone": "0531-88880000", "email": "wang@example.cn"}', @payload,
  '$1', 2, 0, NULL, @score, 2, $(jq .self_assessed_level <<<"$SCORE"), 'bench-queue', t, t, 1, @score, 2, t,
  CASE WHEN seq % 20 = 7 THEN NULL WHEN seq % 10 = 3 THEN t + INTERVAL 1 DAY ELSE t + INTERVAL 20 DAY END
FROM (SELECT seq, ELT(1 + seq % $3, $2) AS r,
             UTC_TIMESTAMP(6) - INTERVAL 10 DAY + INTERVAL CAST(seq AS SIGNED) * 20 SECOND AS t
      FROM seq_1_to_$N) g;
SQL
}
sdp_log "loading $N declarations awaiting the province and $N awaiting the city of Jinan"
START=$(date +%s.%N)
load province_review "$COUNTIES" "$NCOUNTIES" 500000
load city_review "$JINAN" "$NJINAN" 600000
sql <<SQL
INSERT INTO declaration_versions (declaration_id, version, title, contact, payload, created_at)
SELECT id, 1, title, contact, payload, created_at FROM declarations WHERE created_by = 'bench-queue';
ANALYZE TABLE declarations, declaration_versions;
SQL
LOADED=$(echo "$(date +%s.%N) - $START" | bc)
COUNT=$(sql -N -e "SELECT COUNT(*) FROM declarations WHERE created_by = 'bench-queue'")
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
