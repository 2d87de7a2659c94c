# shellcheck shell=bash
# Shared by the fault tests (tests/faults/*.sh): a private cluster under a temporary folder, and
# the declaration round trip they drive through HAProxy. Source after deploy/local/lib.sh, with
# SDP_CLUSTER_VAR set; it sources deploy/cluster/cluster.sh.

# shellcheck source=../../deploy/cluster/cluster.sh
source "$SDP_ROOT/deploy/cluster/cluster.sh"

ORG=91370102MA3C00000B
FAULTS_LOG="$CLUSTER_VAR/faults.log"  # every request and its answer, for a failure's post-mortem

faults_token() { SDP_JWT_PRIVATE_KEY="$CLUSTER_VAR/keys/jwt-private.pem" "$SDP_ROOT/deploy/local/token.sh" "$@"; }

# After up.sh: FRONT, the tokens and the open round.
faults_init() {
  cluster_ports
  FRONT="http://127.0.0.1:${CLUSTER_PORT[front]}"
  APPLICANT=$(faults_token --role applicant --org "$ORG")
  COUNTY=$(faults_token --role reviewer --tier county --region 370102)
  ROUND=$(curl -sf -H "Authorization: Bearer $APPLICANT" "$FRONT/v1/rounds?kind=morning_star" | jq -r '.items[0].id')
  if [ -z "$ROUND" ] || [ "$ROUND" = null ]; then sdp_die "no open morning_star round at $FRONT"; fi
  PAYLOAD=$(jq -c '{claimed_level: 3, criteria: ([.criteria[].id] | map({key: ., value: {met: true}}) | from_entries)}' \
    "$SDP_ROOT/schemas/catalogs/morning_star.json")
}

# One request through HAProxy, retried with the same Idempotency-Key (so it is done at most once)
# until it answers 2xx or $FAULTS_RETRY_SECONDS (30) pass: a 5xx or a refused connection while a
# node is down is what a client sees and retries. Sets STATUS and BODY (in this shell: no $(…)).
#   faults_send METHOD PATH TOKEN KEY [BODY] [IF_MATCH]
STATUS="" BODY=""
faults_send() {
  local method=$1 path=$2 token=$3 key=$4 body=${5:-} if_match=${6:-} out args deadline
  out=$(mktemp "$CLUSTER_VAR/reply.XXXXXX")
  args=(-s -o "$out" -w '%{http_code}' --max-time 15 -X "$method" -H "Authorization: Bearer $token"
    -H "Idempotency-Key: $key")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  [ -n "$if_match" ] && args+=(-H "If-Match: $if_match")
  deadline=$((SECONDS + ${FAULTS_RETRY_SECONDS:-30}))
  while true; do
    STATUS=$(curl "${args[@]}" "$FRONT$path" 2>/dev/null) || STATUS=${STATUS:-000}
    echo "$(date +%T.%N | cut -c1-12) $method $path $STATUS $(head -c 200 "$out")" >>"$FAULTS_LOG"
    [[ $STATUS == 2* ]] && break
    [[ $STATUS == 5* || $STATUS == 000 ]] || break
    [ $SECONDS -lt "$deadline" ] || break
    sleep 0.5
  done
  BODY=$(cat "$out")
  rm -f "$out"
}

# Creates, submits and has the county approve one declaration; prints its id. Fails the test on
# anything but 2xx. $1 names it (the Idempotency-Keys).
faults_round_trip() {
  local tag=$1 body id etag
  body=$(jq -nc --arg round "$ROUND" --arg title "集群故障测试申报 $tag" --argjson payload "$PAYLOAD" \
    '{kind: "morning_star", round: $round, org_name: "历下区某智能装备有限公司", region: "370102", title: $title,
      contact: {name: "李工", phone: "13800000000"}, payload: $payload}')
  faults_send POST /v1/declarations "$APPLICANT" "create-$tag" "$body"
  [ "$STATUS" = 201 ] || sdp_die "create $tag answered $STATUS: $BODY"
  id=$(jq -r .id <<<"$BODY")
  faults_send POST "/v1/declarations/$id/submit" "$APPLICANT" "submit-$tag"
  [ "$STATUS" = 200 ] || sdp_die "submit $tag answered $STATUS: $BODY"
  etag=$(jq -r .version <<<"$BODY")
  faults_send POST "/v1/declarations/$id/decisions" "$COUNTY" "decide-$tag" \
    '{"decision": "approve", "comment": "材料齐全，同意推荐至市级。"}' "\"$etag\""
  [ "$STATUS" = 200 ] || sdp_die "decision on $tag answered $STATUS: $BODY"
  echo "$id"
}

# SQL on a Galera node that is synced (they all hold the same rows), as the superuser.
faults_sql() {
  local i
  for i in "${CLUSTER_NODES[@]}"; do
    if [[ $(cluster_galera_state "$i") == "4 Primary "* ]]; then
      sdp_mariadb_admin "${CLUSTER_PORT[galera-$i]}" -N -B -e "$1"
      return
    fi
  done
  sdp_die "no synced Galera node to read from"
}

# Checks that declaration $1 is durable with its whole history (create, submit, approve; the
# chain valid), read through HAProxy, and that notify's inbox holds its submit and approval for
# the applicant exactly once, waiting up to $2 seconds (30) for the events to arrive.
faults_check() {
  local id=$1 timeout=${2:-30} history entries deadline inbox
  history=$(curl -sf -H "Authorization: Bearer $APPLICANT" "$FRONT/v1/declarations/$id/history") ||
    sdp_die "history of $id is not readable"
  entries=$(jq -c '[.items[].action]' <<<"$history")
  [ "$(jq -r .chain_valid <<<"$history")" = true ] || sdp_die "history chain of $id is broken: $history"
  [ "$entries" = '["create","submit","approve"]' ] || sdp_die "history of $id is $entries"
  deadline=$((SECONDS + timeout))
  while true; do
    inbox=$(faults_sql "SELECT GROUP_CONCAT(event_type ORDER BY event_type) FROM sdp_notify.notifications
      WHERE declaration_id = '$id' AND audience = 'org:$ORG'")
    [ "$inbox" = 'declaration.approved,declaration.submitted' ] && return 0
    [ $SECONDS -lt $deadline ] || sdp_die "inbox of $id holds '$inbox' after ${timeout}s"
    sleep 0.5
  done
}

# kill -9 of the process of run/$1.pid.
faults_kill() {
  local pid
  pid=$(cat "$CLUSTER_VAR/run/$1.pid")
  kill -KILL "$pid"
  while sdp_proc_running "$pid"; do sleep 0.1; done
  sdp_log "killed $1 (pid $pid) with SIGKILL"
}

faults_down() {
  "$SDP_ROOT/deploy/cluster/down.sh" >/dev/null 2>&1 || true
}
