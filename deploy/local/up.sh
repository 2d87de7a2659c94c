#!/usr/bin/env bash
# Brings the local platform up: packages, Release build, the web console's build, MariaDB and
# nats-server on loopback, databases and users, the four services; waits for the gateway's /readyz.
# Run again: a no-op. The gateway serves the console at / with the development sign-in turned on.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ports.sh"

VAR="$SDP_ROOT/var"
SERVICES=(workflow scoring notify gateway)

sdp_install_deps
sdp_build
sdp_build_web

mkdir -p "$VAR"/{log,run,secrets,keys}

all_up=1
for svc in "${SERVICES[@]}"; do sdp_pid_alive "$VAR/run/$svc.pid" "sdp-$svc" || all_up=0; done
if [ $all_up = 1 ] && sdp_wait_http_200 "http://127.0.0.1:$SDP_GATEWAY_PORT/readyz" 2; then
  sdp_log "already up: http://127.0.0.1:$SDP_GATEWAY_PORT"
  exit 0
fi

sdp_log "MariaDB on 127.0.0.1:$SDP_MARIADB_PORT (data in var/mariadb)"
sdp_start_mariadb "$VAR/mariadb" "$SDP_MARIADB_PORT"
sdp_provision_databases "$SDP_MARIADB_PORT" "$VAR/secrets"

sdp_log "nats-server with JetStream on 127.0.0.1:$SDP_NATS_PORT (store in var/nats)"
sdp_start_nats "$VAR/nats" "$SDP_NATS_PORT"

sdp_make_keys "$VAR"

port_of() {
  case $1 in
    gateway) echo "$SDP_GATEWAY_PORT" ;; workflow) echo "$SDP_WORKFLOW_PORT" ;;
    scoring) echo "$SDP_SCORING_PORT" ;; notify) echo "$SDP_NOTIFY_PORT" ;;
  esac
}

for svc in "${SERVICES[@]}"; do
  sdp_pid_alive "$VAR/run/$svc.pid" "sdp-$svc" && continue
  sdp_log "starting $svc on 127.0.0.1:$(port_of "$svc") (log: var/log/$svc.log)"
  sdp_start_service "$svc" "$(port_of "$svc")" "$VAR" "$SDP_MARIADB_PORT" "$SDP_NATS_PORT" \
    SDP_GATEWAY_CONSOLE_DIR="$SDP_ROOT/web/dist" SDP_GATEWAY_DEV_SIGN_IN_KEY="$VAR/keys/jwt-private.pem"
done

if ! sdp_wait_http_200 "http://127.0.0.1:$SDP_GATEWAY_PORT/readyz" 90; then
  curl -s "http://127.0.0.1:$SDP_GATEWAY_PORT/readyz" >&2 || true
  sdp_die "the gateway did not become ready; see var/log/*.log"
fi

sdp_open_first_rounds "http://127.0.0.1:$SDP_GATEWAY_PORT" "$VAR/keys/jwt-private.pem"

cat <<MSG
The platform is up.
  Console:  http://127.0.0.1:$SDP_GATEWAY_PORT/   (development sign-in: pick a role)
  Gateway:  http://127.0.0.1:$SDP_GATEWAY_PORT/v1   (GET /readyz, /metrics)
  Logs:     var/log/{gateway,workflow,scoring,notify}.log
  A token:  TOKEN=\$(deploy/local/token.sh --role applicant --org 91370102MA3C00000B)
            curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$SDP_GATEWAY_PORT/v1/declarations
  Stop:     deploy/local/down.sh
MSG
