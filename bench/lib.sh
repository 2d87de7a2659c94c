# Bulk rows for the benchmarks (sourced by bench/queue.sh, bench/run.sh and bench/profile.sh after
# deploy/local/lib.sh): declarations awaiting a tier, loaded by SQL in one statement but as real rows
# the services read — the declaration, its submitted content version and score, the queues' counts,
# arrivals over the last ten days, due dates a tenth overdue and a twentieth none. Needs VAR (the
# stack's folder), GW and DB_PORT.

bench_token() { SDP_JWT_PRIVATE_KEY="$VAR/keys/jwt-private.pem" "$SDP_ROOT/deploy/local/token.sh" "$@"; }
bench_sql() { sdp_mariadb_admin "$DB_PORT" sdp_workflow "$@"; }

# A 晨星工厂 round opened over the API (the bulk rows name one): its id.
bench_round() {  # TITLE
  local body
  body=$(jq -n --arg o "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" --arg c "$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)" \
    --arg t "$1" '{kind: "morning_star", year: 2026, title: $t, opens_at: $o, closes_at: $c,
                   review_working_days: {county: 5, city: 10, province: 15}, quotas: {}}')
  curl -sf -X POST "$GW/v1/rounds" -H "Authorization: Bearer $(bench_token --role admin)" \
    -H 'Content-Type: application/json' -d "$body" | jq -r .id
}

# BENCH_PAYLOAD: a complete declaration's content; BENCH_SCORE: the score the scoring service
# gives it (the rows carry what a real submit writes).
bench_payload_and_score() {
  BENCH_PAYLOAD=$(jq -c '{claimed_level: 3, criteria: ([.criteria[].id] | map({key: ., value: {met: true, evidence: "现场核查记录、设备联网清单与系统截图"}}) | from_entries)}' \
    "$SDP_ROOT/schemas/catalogs/morning_star.json")
  BENCH_SCORE=$(curl -sf -X POST "$GW/v1/scoring/preview" -H "Authorization: Bearer $(bench_token --role admin)" \
    -H 'Content-Type: application/json' \
    -d "$(jq -nc --argjson p "$BENCH_PAYLOAD" '{kind: "morning_star", payload: $p}')" | jq -c .)
}

# N rows in STATE, their counties taken in turn from the quoted, comma-separated COUNTIES (COUNT
# of them), numbered from FIRST + 1 (above any a real create reaches in a run), a tenth in ROUND_B
# and the rest in ROUND_A, created_by TAG; with their submitted versions. Needs bench_payload_and_score.
bench_load() {  # STATE COUNTIES COUNT FIRST N ROUND_A ROUND_B TAG
  local state=$1 counties=$2 ncounties=$3 first=$4 n=$5 round_a=$6 round_b=$7 tag=$8
  [ "$n" -gt 0 ] || return 0
  bench_sql <<SQL
SET @payload = '$(sed "s/'/''/g" <<<"$BENCH_PAYLOAD")', @score = '$(sed "s/'/''/g" <<<"$BENCH_SCORE")';
INSERT INTO declarations (id, number, kind, round_id, org, org_name, region, city, title, contact, payload,
  state, version, decided, publicity_ends_at, score, score_version, level_reached, created_by, created_at,
  updated_at, submitted_version, submitted_score, submitted_score_version, arrived_at, due_at)
SELECT UUID(), CONCAT('MSF-2026-', r, '-', LPAD($first + seq, 6, '0')), 'morning_star',
  IF(seq % 10 = 0, '$round_b', '$round_a'), '91370102MA3C00000B',
  CONCAT(ELT(1 + seq % 8, '明湖', '泉城', '趵突', '千佛山', '大明', '华山', '黄河', '齐鲁'), '智能装备', seq, '有限公司'), r,
  CONCAT(LEFT(r, 4), '00'), CONCAT(ELT(1 + seq % 4, '数字化车间', '智能工厂', '晨星工厂', '智能制造'), '建设项目申报（', seq, '）'),
  '{"name": "王经理", "phone": "0531-88880000", "email": "wang@example.cn"}', @payload,
  '$state', 2, 0, NULL, @score, 2, $(jq .self_assessed_level <<<"$BENCH_SCORE"), '$tag', t, t, 1, @score, 2, t,
  CASE WHEN seq % 20 = 7 THEN NULL WHEN seq % 10 = 3 THEN t + INTERVAL 1 DAY ELSE t + INTERVAL 20 DAY END
FROM (SELECT seq, ELT(1 + seq % $ncounties, $counties) AS r,
             UTC_TIMESTAMP(6) - INTERVAL 10 DAY + INTERVAL CAST(seq AS SIGNED) * 20 SECOND AS t
      FROM seq_1_to_$n) g;
INSERT INTO declaration_versions (declaration_id, version, title, contact, payload, created_at)
SELECT id, 1, title, contact, payload, created_at FROM declarations WHERE created_by = '$tag';
ANALYZE TABLE declarations, declaration_versions;
SQL
  # The queues' counts as workflow's apply keeps them (migration 0021), where the stack has them.
  if [ "$(bench_sql -N -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'sdp_workflow' AND table_name = 'queue_counts'")" = 1 ]; then
    bench_sql -e "INSERT INTO queue_counts (state, region, slot, city, n)
      SELECT state, region, 0, city, COUNT(*) FROM declarations WHERE created_by = '$tag' GROUP BY state, region, city
      ON DUPLICATE KEY UPDATE n = n + VALUES(n)"
  fi
}

# What bench/run.sh and bench/profile.sh both need of a started stack (needs SERVICES): the load
# generator, a token per role (A applicant, C county, CI city, P province), and each process's
# pid file for cpu_of (CPU seconds) and rss_kb (a /proc/PID/status line, e.g. VmRSS, in kB).
bench_stack_handles() {
  LOADGEN="$SDP_ROOT/build/bench/sdp-loadgen"
  A=$(bench_token --role applicant --org 91370102MA3C00000B)
  C=$(bench_token --role reviewer --tier county --region 370102)
  CI=$(bench_token --role reviewer --tier city --region 370100)
  P=$(bench_token --role reviewer --tier province --region 370000)
  declare -gA PIDFILE=([mariadb]="$VAR/mariadb/mariadbd.pid" [nats]="$VAR/nats/nats-server.pid")
  local svc
  for svc in "${SERVICES[@]}"; do PIDFILE[$svc]="$VAR/run/$svc.pid"; done
}
cpu_of() { awk '{print ($14 + $15) / 100}' "/proc/$(cat "${PIDFILE[$1]}")/stat"; }
rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$(cat "${PIDFILE[$1]}")/status"; }

# N more declarations awaiting county 370102 (the county token's), in the stack's open 晨星工厂 round.
bench_fill_county_queue() {  # N
  local round
  round=$(curl -sf "$GW/v1/rounds?kind=morning_star&state=open" -H "Authorization: Bearer $A" | jq -r '.items[0].id')
  bench_payload_and_score
  bench_load county_review "'370102'" 1 700000 "$1" "$round" "$round" bench-county-queue
}
