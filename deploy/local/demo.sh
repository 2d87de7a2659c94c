#!/usr/bin/env bash
# A walk through the platform, run against the stack up.sh started, using only the public HTTP
# API and token.sh — so it is also an example client. A Jinan manufacturer declares for 晨星工厂
# and a Jinan cluster operator for 产业大脑; county, city and province review them (one is returned
# and resubmitted); both end approved after 公示. Every step prints the state, the score, the
# history chain and what the applicant was told (inbox and signed webhook).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ports.sh"
command -v jq >/dev/null || sdp_die "jq is missing: run deploy/local/up.sh (it installs it)"

API="http://127.0.0.1:$SDP_GATEWAY_PORT"
TOKEN="$SDP_ROOT/deploy/local/token.sh"
sdp_wait_http_200 "$API/readyz" 5 || sdp_die "the platform is not up: run deploy/local/up.sh first"

MANUFACTURER=91370102MA3C00000B   # 济南某精密制造有限公司, 历下区
OPERATOR=91370000163044841F       # 济南某产业大脑运营公司, 历城区
A=$("$TOKEN" --role applicant --org "$MANUFACTURER" --sub demo-manufacturer)
O=$("$TOKEN" --role applicant --org "$OPERATOR" --sub demo-operator)
LIXIA=$("$TOKEN" --role reviewer --tier county --region 370102 --sub demo-lixia)
LICHENG=$("$TOKEN" --role reviewer --tier county --region 370112 --sub demo-licheng)
JINAN=$("$TOKEN" --role reviewer --tier city --region 370100 --sub demo-jinan)
SHANDONG=$("$TOKEN" --role reviewer --tier province --region 370000 --sub demo-province)

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
api() {  # api METHOD PATH TOKEN [BODY] [extra curl args...]
  local method=$1 path=$2 token=$3 body=${4:-}
  shift 4 2>/dev/null || shift $#
  local args=(-sS -X "$method" -H "Authorization: Bearer $token" "$API$path")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local out
  out=$(curl "${args[@]}" "$@" -w '\n%{http_code}')
  local status=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "${status:0:1}" != 2 ]; then
    echo "HTTP $status for $method $path: $out" >&2
    exit 1
  fi
  printf '%s' "$out"
}
etag() { jq -r '"\"" + (.version|tostring) + "\""'; }

# A webhook receiver for the manufacturer, so the demo can show what its systems received.
HOOK_PORT=$(sdp_free_port)
HOOK_LOG=$(mktemp /tmp/sdp-demo-hooks.XXXXXX)
/usr/bin/python3 - "$HOOK_PORT" "$HOOK_LOG" <<'PY' &
import http.server, json, sys
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(log, "a") as f:
            f.write(json.dumps({"timestamp": self.headers["X-Timestamp"], "signature": self.headers["X-Signature"],
                                "body": body.decode()}, ensure_ascii=False) + "\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
HOOK_PID=$!
trap 'kill $HOOK_PID 2>/dev/null || true; rm -f "$HOOK_LOG"' EXIT
SECRET=$(openssl rand -hex 16)
api PUT /v1/webhook "$A" "{\"url\":\"http://127.0.0.1:$HOOK_PORT/sdp\",\"secret\":\"$SECRET\"}" >/dev/null

show() {  # show ID TOKEN: state, score, history, inbox
  local id=$1 token=$2 d
  sleep 0.3
  d=$(api GET "/v1/declarations/$id" "$token")
  echo "$d" | jq -r '"  状态 state: \(.state)   编号 number: \(.number)   版本 version: \(.version)"'
  echo "$d" | jq -r 'if .score == null then "  评分 score: (pending)"
    elif .kind == "morning_star" then
      "  评分 score: 声明等级 claimed \(.score.claimed_level) · 自评 self-assessed \(.score.self_assessed_level) · 核定 verified \(.score.verified_level // "—")" +
      (if (.score.missing[(.score.claimed_level|tostring)] // []) | length > 0
       then "\n  尚缺 missing for level \(.score.claimed_level): \(.score.missing[(.score.claimed_level|tostring)] | join(", "))" else "" end)
    else "  评分 score: 总分 total \(.score.total) / 100 · 自评 self-assessed \(.score.self_assessed_total) · 核定 verified \(.score.verified_total // "—")" end'
  api GET "/v1/declarations/$id/history" "$token" |
    jq -r '"  履历 history (hash chain \(if .chain_valid then "verified ✓" else "BROKEN ✗" end)): " +
           ([.items[] | "\(.seq).\(.action)→\(.to)"] | join("  "))'
}
inbox() {  # inbox TOKEN N
  api GET "/v1/notifications?limit=$2" "$1" | jq -r '.items[] | "  通知 inbox: \(.body)"'
}
wait_score() {  # wait_score ID TOKEN VERSION: until the score of that version has come back
  for _ in $(seq 1 50); do
    [ "$(api GET "/v1/declarations/$1" "$2" | jq -r '.score != null')" = true ] && return 0
    sleep 0.2
  done
}

# ---------------------------------------------------------------- 晨星工厂
# The open round of each programme (up.sh opens one at the first start; CONTRACT §6).
ANYONE=$("$TOKEN" --role admin --sub demo-admin)
open_round() { api GET "/v1/rounds?kind=$1&state=open" "$ANYONE" | jq -r '.items[0].id // empty'; }
MSF_ROUND=$(open_round morning_star)
IBR_ROUND=$(open_round industry_brain)
[ -n "$MSF_ROUND" ] && [ -n "$IBR_ROUND" ] || sdp_die "no open round per programme: run deploy/local/up.sh (it opens them)"

bold "一、晨星工厂申报 · Morning Star Factory — 济南某精密制造有限公司（历下区）"
CATALOG=$(curl -sS "$API/v1/catalogs/morning-star")
echo "  目录 catalogue: $(echo "$CATALOG" | jq '.criteria|length') 项指标 items, 等级 levels 1–5"
# The enterprise meets every item starred for levels 1–3, except 数据管理 (DCMM) for now.
DCMM=$(echo "$CATALOG" | jq -r '.criteria[] | select(.name == "数据管理") | .id')
PAYLOAD=$(echo "$CATALOG" | jq -c --arg dcmm "$DCMM" '{claimed_level: 3, criteria: ([.criteria[] | select((.levels|length) > 0 and .levels[0] <= 3 and .id != $dcmm)
  | {key: .id, value: {met: true, evidence: "见附件：\(.name)证明材料"}}] | from_entries)}')
BODY=$(jq -cn --argjson p "$PAYLOAD" --arg round "$MSF_ROUND" '{round:$round, org_name:"济南某精密制造有限公司", region:"370102", title:"济南某精密制造有限公司晨星工厂（三级）申报",
  contact:{name:"王经理", phone:"0531-88880000", email:"wang@example.cn"}, payload:$p}')
D=$(api POST /v1/declarations "$A" "$BODY" -H "Idempotency-Key: demo-msf-$(date +%s)")
MSF=$(echo "$D" | jq -r .id)
bold "1. 企业保存草稿 · draft saved (self-assessment shows the gap)"
wait_score "$MSF" "$A"; show "$MSF" "$A"

bold "2. 企业补齐 DCMM 并提交 · the enterprise adds DCMM evidence and submits"
D=$(api GET "/v1/declarations/$MSF" "$A")
FIXED=$(echo "$D" | jq -c --arg dcmm "$DCMM" '{title, contact, payload: (.payload | .criteria[$dcmm] = {met: true, evidence: "DCMM 二级证书"})}')
D=$(api PUT "/v1/declarations/$MSF" "$A" "$FIXED" -H "If-Match: $(echo "$D" | etag)")
D=$(api POST "/v1/declarations/$MSF/submit" "$A" "")
wait_score "$MSF" "$A"; show "$MSF" "$A"; inbox "$A" 1

bold "3. 历下区县级审核通过（核查设备数据采集属实）· county approves, verifying an item"
D=$(api POST "/v1/declarations/$MSF/decisions" "$LIXIA" '{"decision":"approve","comment":"现场核查属实","verified":{"criteria":{"MS09":true}}}' -H "If-Match: $(echo "$D" | etag)")
show "$MSF" "$A"; inbox "$A" 1

bold "4. 济南市级审核退回修改 · the city returns it for revision"
D=$(api POST "/v1/declarations/$MSF/decisions" "$JINAN" '{"decision":"return","comment":"请补充能耗管理系统运行记录"}' -H "If-Match: $(echo "$D" | etag)")
show "$MSF" "$A"; inbox "$A" 1

bold "5. 企业修改后重新提交，回到市级 · revised and resubmitted to the city that returned it"
FIXED=$(echo "$D" | jq -c '{title, contact, payload: (.payload | .criteria.MS01.evidence = "补充：能耗管理系统运行记录（2026 年 1–10 月）")}')
D=$(api PUT "/v1/declarations/$MSF" "$A" "$FIXED" -H "If-Match: $(echo "$D" | etag)")
D=$(api POST "/v1/declarations/$MSF/submit" "$A" "")
show "$MSF" "$A"; inbox "$A" 1

bold "6. 市级通过，省级核定并批准，进入公示 · city approves; the province verifies and opens 公示"
D=$(api POST "/v1/declarations/$MSF/decisions" "$JINAN" '{"decision":"approve","comment":"材料已补齐"}' -H "If-Match: $(echo "$D" | etag)")
D=$(api POST "/v1/declarations/$MSF/decisions" "$SHANDONG" "{\"decision\":\"approve\",\"comment\":\"同意认定为三级晨星工厂，予以公示\",\"verified\":{\"criteria\":{\"$DCMM\":true}}}" -H "If-Match: $(echo "$D" | etag)")
wait_score "$MSF" "$A"; show "$MSF" "$A"; inbox "$A" 1
echo "  公示截止 publicity ends at: $(echo "$D" | jq -r .publicity_ends_at)"

# ---------------------------------------------------------------- 产业大脑
bold "二、产业大脑申报 · Industry Brain — 济南某产业大脑运营公司（历城区）"
IBCAT=$(curl -sS "$API/v1/catalogs/industry-brain")
IBPAY=$(echo "$IBCAT" | jq -c '{cluster_name: "济南高端装备产业集群", indicators: ([.indicators[] | {key: .id, value:
  (if .input == "grade" then {grade: "B"} elif .id == "L5P5" then {value: 3} elif .unit == "%" then {value: 35}
   else {value: (.scoring_rule.breakpoints[2][0])} end)}] | from_entries)}')
BODY=$(jq -cn --argjson p "$IBPAY" --arg round "$IBR_ROUND" '{round:$round, org_name:"济南某产业大脑运营公司", region:"370112", title:"济南高端装备产业大脑申报",
  contact:{name:"赵主任", phone:"0531-66660000", email:"zhao@example.cn"}, payload:$p}')
I=$(api POST /v1/declarations "$O" "$BODY")
IB=$(echo "$I" | jq -r .id)
I=$(api POST "/v1/declarations/$IB/submit" "$O" "")
bold "1. 提交，自评得分 · submitted, self-assessed score"
wait_score "$IB" "$O"; show "$IB" "$O"; inbox "$O" 1
bold "2. 历城区县级审核：核减产业规模后通过 · county corrects 产业规模 and approves"
I=$(api POST "/v1/declarations/$IB/decisions" "$LICHENG" '{"decision":"approve","comment":"产业规模按统计快报核减为 150 亿元","verified":{"indicators":{"L1P1":{"value":150}}}}' -H "If-Match: $(echo "$I" | etag)")
sleep 1; show "$IB" "$O"; inbox "$O" 1
bold "3. 市级、省级通过，进入公示 · city and province approve; 公示 opens"
I=$(api POST "/v1/declarations/$IB/decisions" "$JINAN" '{"decision":"approve","comment":"同意推荐"}' -H "If-Match: $(echo "$I" | etag)")
I=$(api POST "/v1/declarations/$IB/decisions" "$SHANDONG" '{"decision":"approve","comment":"同意，予以公示"}' -H "If-Match: $(echo "$I" | etag)")
show "$IB" "$O"

# ---------------------------------------------------------------- 公示期满
bold "三、公示期满 · the public-notice periods end (5 working days: workflow's clock is moved past them)"
# 公示 lasts working days; to see it end now, workflow is restarted with its clock moved past the
# later end (SDP_CLOCK_OFFSET_SECONDS, for rehearsals only), then restarted on the real clock.
VAR="$SDP_ROOT/var"
restart_workflow() {
  sdp_stop_pid "$VAR/run/workflow.pid" sdp-workflow 30
  sdp_start_service workflow "$SDP_WORKFLOW_PORT" "$VAR" "$SDP_MARIADB_PORT" "$SDP_NATS_PORT" "$@"
  sdp_wait_http_200 "http://127.0.0.1:$SDP_WORKFLOW_PORT/readyz" 60 || sdp_die "workflow did not restart; see var/log/workflow.log"
  sdp_wait_http_200 "$API/readyz" 30 || sdp_die "the gateway is not ready again"
}
LAST_END=$( (api GET "/v1/declarations/$MSF" "$A"; echo; api GET "/v1/declarations/$IB" "$O") | jq -r .publicity_ends_at | sort | tail -1)
echo "  公示截止 publicity ends at: $LAST_END"
restart_workflow SDP_CLOCK_OFFSET_SECONDS=$(($(date -d "$LAST_END" +%s) - $(date +%s) + 60))
for id_token in "$MSF:$A" "$IB:$O"; do
  id=${id_token%%:*}; tok=${id_token#*:}
  for _ in $(seq 1 60); do
    [ "$(api GET "/v1/declarations/$id" "$tok" | jq -r .state)" = approved ] && break
    sleep 1
  done
done
restart_workflow
bold "晨星工厂 final"; show "$MSF" "$A"; inbox "$A" 1
bold "产业大脑 final"; show "$IB" "$O"; inbox "$O" 1

bold "四、企业系统收到的签名 Webhook · webhooks the manufacturer's system received (signature checked)"
sleep 1
while read -r line; do
  ts=$(echo "$line" | jq -r .timestamp); sig=$(echo "$line" | jq -r .signature); body=$(echo "$line" | jq -r .body)
  want="sha256=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)"
  ok=$([ "$want" = "$sig" ] && echo "签名有效 ✓" || echo "签名无效 ✗")
  echo "$body" | jq -r --arg ok "$ok" '"  \($ok)  \(.type)  →  \(.message)"'
done <"$HOOK_LOG"

bold "五、全省统计 · province overview"
api GET /v1/stats "$SHANDONG" | jq -c '{by_state, by_kind, morning_star_levels}'
echo
echo "演示完成 · demo complete: 晨星工厂 $(api GET "/v1/declarations/$MSF" "$A" | jq -r '.number + " " + .state'), 产业大脑 $(api GET "/v1/declarations/$IB" "$O" | jq -r '.number + " " + .state')"
