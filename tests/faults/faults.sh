# shellcheck shell=bash
# Shared by the fault tests (tests/faults/*.sh): a private cluster under a temporary folder (or,
# for local_kills.sh, a private single-node stack), the declaration round trip they drive through
# its front, the webhook receiver and SMTP sink its notifications go to, and the checks after a
# heal. Source after deploy/local/lib.sh, with SDP_CLUSTER_VAR set; it sources
# deploy/cluster/cluster.sh. A single-node test sets FAULTS_FRONT, FAULTS_KEY and FAULTS_DB_PORT.

# shellcheck source=../../deploy/cluster/cluster.sh
source "$SDP_ROOT/deploy/cluster/cluster.sh"

ORG=91370102MA3C00000B
FAULTS_LOG="$CLUSTER_VAR/faults.log"  # every request and its answer, for a failure's post-mortem

faults_token() { SDP_JWT_PRIVATE_KEY="${FAULTS_KEY:-$CLUSTER_VAR/keys/jwt-private.pem}" "$SDP_ROOT/deploy/local/token.sh" "$@"; }

# After up.sh: FRONT, the tokens and the open round.
faults_init() {
  if [ -n "${FAULTS_FRONT:-}" ]; then
    FRONT=$FAULTS_FRONT
  else
    cluster_ports
    FRONT="http://127.0.0.1:${CLUSTER_PORT[front]}"
  fi
  APPLICANT=$(faults_token --role applicant --org "$ORG")
  COUNTY=$(faults_token --role reviewer --tier county --region 370102)
  ROUND=$(curl -sf -H "Authorization: Bearer $APPLICANT" "$FRONT/v1/rounds?kind=morning_star" | jq -r '.items[0].id')
  if [ -z "$ROUND" ] || [ "$ROUND" = null ]; then sdp_die "no open morning_star round at $FRONT"; fi
  PAYLOAD=$(jq -c '{claimed_level: 3, criteria: ([.criteria[].id] | map({key: ., value: {met: true}}) | from_entries)}' \
    "$SDP_ROOT/schemas/catalogs/morning_star.json")
}

# One request through HAProxy, retried with the same Idempotency-Key (so it is done at most once)
# until it answers 2xx or $FAULTS_RETRY_SECONDS (30) pass, as a careful client does:
# a 5xx or a refused connection while a node is down, and a 409 with Retry-After (the key's first
# attempt is still being processed: it may have lost its answer, not its work), are retried after
# the Retry-After the answer names (at most 2 s here) or 0.5 s. Sets STATUS and BODY (in this
# shell: no $(…)).
#   faults_send METHOD PATH TOKEN KEY [BODY] [IF_MATCH]
STATUS="" BODY=""
faults_send() {
  local method=$1 path=$2 token=$3 key=$4 body=${5:-} if_match=${6:-} out head args deadline wait
  out=$(mktemp "$CLUSTER_VAR/reply.XXXXXX")
  head=$out.head
  args=(-s -o "$out" -D "$head" -w '%{http_code}' --max-time 15 -X "$method" -H "Authorization: Bearer $token"
    -H "Idempotency-Key: $key")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  [ -n "$if_match" ] && args+=(-H "If-Match: $if_match")
  deadline=$((SECONDS + ${FAULTS_RETRY_SECONDS:-30}))
  while true; do
    : >"$head"
    STATUS=$(curl "${args[@]}" "$FRONT$path" 2>/dev/null) || STATUS=${STATUS:-000}
    echo "$(date +%T.%N | cut -c1-12) $method $path $STATUS $(head -c 200 "$out")" >>"$FAULTS_LOG"
    [[ $STATUS == 2* ]] && break
    wait=$(tr -d '\r' <"$head" | sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\)$/\1/p' | tail -1)
    [[ $STATUS == 5* || $STATUS == 000 || ($STATUS == 409 && -n $wait) ]] || break
    [ $SECONDS -lt "$deadline" ] || break
    if [ -n "$wait" ] && [ "$wait" -ge 1 ]; then sleep $((wait < 2 ? wait : 2)); else sleep 0.5; fi
  done
  BODY=$(cat "$out")
  rm -f "$out" "$head"
}

# Creates, submits and has the county approve one declaration; prints its id. Fails the test on
# anything but 2xx. $1 names it (the Idempotency-Keys).
faults_round_trip() {
  local tag=$1 body id etag
  body=$(jq -nc --arg round "$ROUND" --arg title "集群故障测试申报 $tag" --argjson payload "$PAYLOAD" \
    '{kind: "morning_star", round: $round, org_name: "历下区某智能装备有限公司", region: "370102", title: $title,
      contact: {name: "李工", phone: "13800000000", email: "li.gong@example.com"}, payload: $payload}')
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
  if [ -n "${FAULTS_DB_PORT:-}" ]; then
    sdp_mariadb_admin "$FAULTS_DB_PORT" -N -B -e "$1"
    return
  fi
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

# ---- where notifications go ----
# Before up.sh: ports for the webhook receiver and the SMTP sink, and the services' settings that
# point notify at them with retries fast enough for a test (0.5 s doubling to 4 s).
faults_prepare_receivers() {
  HOOK_PORT=$(sdp_free_port)
  SMTP_PORT=$(sdp_free_port)
  export SDP_CLUSTER_SERVICE_ENV="SDP_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT SDP_NOTIFY_BACKOFF_BASE_MS=500 SDP_NOTIFY_BACKOFF_MAX_MS=4000"
}

faults_start_hook() {
  mkdir -p "$CLUSTER_VAR/run"
  sdp_pid_alive "$CLUSTER_VAR/run/hook.pid" python3 && return 0
  /usr/bin/python3 "$SDP_ROOT/tests/faults/hook_receiver.py" "$HOOK_PORT" "$CLUSTER_VAR/hook.log" "$CLUSTER_VAR/hook.fail" \
    >>"$CLUSTER_VAR/hook.out" 2>&1 &
  echo $! >"$CLUSTER_VAR/run/hook.pid"
}

faults_start_smtp() {
  mkdir -p "$CLUSTER_VAR/run" "$CLUSTER_VAR"/mail/{cur,new,tmp}  # a Maildir
  sdp_pid_alive "$CLUSTER_VAR/run/smtp.pid" python3 && return 0
  /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$CLUSTER_VAR/mail" \
    >>"$CLUSTER_VAR/smtp.out" 2>&1 &
  echo $! >"$CLUSTER_VAR/run/smtp.pid"
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  sdp_die "the SMTP sink did not start on port $SMTP_PORT"
}

# After faults_init: both receivers up and the applicant's webhook registered.
faults_start_receivers() {
  faults_start_hook
  faults_start_smtp
  local status
  status=$(curl -s -o "$CLUSTER_VAR/webhook.out" -w '%{http_code}' -X PUT -H "Authorization: Bearer $APPLICANT" \
    -H 'Content-Type: application/json' --data-binary \
    "{\"url\": \"http://127.0.0.1:$HOOK_PORT/hook\", \"secret\": \"fault-matrix-webhook-secret\"}" "$FRONT/v1/webhook")
  [[ $status == 2* ]] || sdp_die "PUT /v1/webhook answered $status: $(cat "$CLUSTER_VAR/webhook.out")"
}

faults_stop_receivers() {
  local f
  for f in hook smtp; do
    [ -s "$CLUSTER_VAR/run/$f.pid" ] && kill "$(cat "$CLUSTER_VAR/run/$f.pid")" 2>/dev/null || true
  done
}

# ---- the checks after a heal ----
# JSON of notify's durable consumer (num_pending, num_ack_pending, …), from any NATS node that answers.
faults_consumer() {
  local url
  for url in ${FAULTS_NATS_URLS:-$(cluster_nats_urls | tr , ' ')}; do
    /usr/bin/python3 "$SDP_ROOT/tests/faults/jetstream.py" "$url" consumer SDP_EVENTS notify 2>/dev/null && return 0
  done
  return 1
}

# For the declarations whose ids are in file $1 (one per line), waits up to $2 seconds (90) until
# every one is durable with its whole history, notify's consumer has nothing pending, and every
# inbox event of theirs reached the webhook receiver and the SMTP sink (unless FAULTS_NO_RECEIVERS);
# then sets CHECK_* for the row's table line: PROBLEMS (ids lost or incomplete), EVENTS (inbox
# events expected), INBOX / INBOX_DUP, HOOKS / HOOK_DUP, MAILS / MAIL_DUP (found / beyond one
# each), UNSENT (outbox rows never published), PENDING (deliveries not delivered).
faults_check_ids() {
  local ids_file=$1 timeout=${2:-90} id ids list deadline consumer events
  CHECK_PROBLEMS="" CHECK_EVENTS=0 CHECK_INBOX=0 CHECK_INBOX_DUP=0 CHECK_HOOKS=0 CHECK_HOOK_DUP=0 CHECK_MAILS=0
  CHECK_MAIL_DUP=0 CHECK_UNSENT=0 CHECK_PENDING=0
  ids=$(sort -u "$ids_file" 2>/dev/null | grep . || true)
  [ -n "$ids" ] || return 0
  for id in $ids; do
    (faults_check "$id" "$timeout") 2>>"$CLUSTER_VAR/check.err" || CHECK_PROBLEMS+=" $id"
  done
  list=$(sed "s/.*/'&'/" <<<"$ids" | paste -sd,)
  CHECK_EVENTS=$(($(grep -c . <<<"$ids") * 2))
  deadline=$((SECONDS + timeout))
  while true; do
    faults_sql "SELECT event_id FROM sdp_notify.notifications WHERE audience = 'org:$ORG' AND declaration_id IN ($list)" \
      | sort -u >"$CLUSTER_VAR/events.expected"
    events=$(wc -l <"$CLUSTER_VAR/events.expected")
    CHECK_INBOX=$events
    CHECK_INBOX_DUP=$(faults_sql "SELECT COUNT(*) - COUNT(DISTINCT event_id, audience) FROM sdp_notify.notifications
      WHERE declaration_id IN ($list)")
    CHECK_UNSENT=$(faults_sql "SELECT COUNT(*) FROM sdp_workflow.outbox WHERE sent_at IS NULL")
    CHECK_PENDING=$(faults_sql "SELECT COUNT(*) FROM sdp_notify.deliveries WHERE state <> 'delivered'")
    consumer=$(faults_consumer || echo '{}')
    if [ -z "${FAULTS_NO_RECEIVERS:-}" ]; then
      awk '$2 ~ /^2/ {print $1}' "$CLUSTER_VAR/hook.log" 2>/dev/null | sort >"$CLUSTER_VAR/hooks.got" || true
      CHECK_HOOKS=$(sort -u "$CLUSTER_VAR/hooks.got" | comm -12 - "$CLUSTER_VAR/events.expected" | wc -l)
      CHECK_HOOK_DUP=$(($(grep -cxFf "$CLUSTER_VAR/events.expected" "$CLUSTER_VAR/hooks.got" || true) - CHECK_HOOKS))
      { grep -rhoa 'Message-ID: <[^@>]*' "$CLUSTER_VAR/mail" 2>/dev/null || true; } | sed 's/.*<//' | sort >"$CLUSTER_VAR/mails.got"
      CHECK_MAILS=$(sort -u "$CLUSTER_VAR/mails.got" | comm -12 - "$CLUSTER_VAR/events.expected" | wc -l)
      CHECK_MAIL_DUP=$(($(grep -cxFf "$CLUSTER_VAR/events.expected" "$CLUSTER_VAR/mails.got" || true) - CHECK_MAILS))
    else
      CHECK_HOOKS=$events CHECK_MAILS=$events
    fi
    if [ "$events" = "$CHECK_EVENTS" ] && [ "$CHECK_HOOKS" = "$events" ] && [ "$CHECK_MAILS" = "$events" ] &&
      [ "$CHECK_UNSENT" = 0 ] && [ "$CHECK_PENDING" = 0 ] &&
      [ "$(jq -r '(.num_pending // -1) + (.num_ack_pending // -1)' <<<"$consumer")" = 0 ]; then
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      CHECK_PROBLEMS+=" (after ${timeout}s: inbox $events/$CHECK_EVENTS, webhooks $CHECK_HOOKS, e-mails $CHECK_MAILS,"
      CHECK_PROBLEMS+=" outbox unsent $CHECK_UNSENT, deliveries pending $CHECK_PENDING, consumer $(jq -c '{num_pending, num_ack_pending, num_redelivered}' <<<"$consumer" 2>/dev/null))"
      return 0
    fi
    sleep 1
  done
}

# The longest pause, in seconds, between two successive 2xx answers in $FAULTS_LOG: how long
# clients saw no progress at all.
faults_longest_gap() {
  awk '$4 ~ /^2/ {split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3];
         if (prev != "" && s - prev > gap) gap = s - prev; prev = s}
       END {printf "%.1f", gap + 0}' "$FAULTS_LOG"
}
