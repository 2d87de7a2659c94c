#!/usr/bin/env bash
# Brings the local platform up: packages, Release build, MariaDB and nats-server on loopback,
# databases and users, the four services; waits for the gateway's /readyz. Run again: a no-op.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ports.sh"

VAR="$SDP_ROOT/var"
SERVICES=(workflow scoring notify gateway)

sdp_install_deps
sdp_build

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

# The RS256 key pair the local gateway trusts and token.sh signs with.
if [ ! -s "$VAR/keys/jwt-private.pem" ]; then
  (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$VAR/keys/jwt-private.pem" 2>/dev/null)
  openssl pkey -in "$VAR/keys/jwt-private.pem" -pubout -out "$VAR/keys/jwt-public.pem"
fi

# The key webhook secrets are sealed with at rest.
[ -s "$VAR/secrets/notify-seal.key" ] || (umask 077; openssl rand -hex 32 >"$VAR/secrets/notify-seal.key")

port_of() {
  case $1 in
    gateway) echo "$SDP_GATEWAY_PORT" ;; workflow) echo "$SDP_WORKFLOW_PORT" ;;
    scoring) echo "$SDP_SCORING_PORT" ;; notify) echo "$SDP_NOTIFY_PORT" ;;
  esac
}

for svc in "${SERVICES[@]}"; do
  sdp_pid_alive "$VAR/run/$svc.pid" "sdp-$svc" && continue
  sdp_log "starting $svc on 127.0.0.1:$(port_of "$svc") (log: var/log/$svc.log)"
  env SDP_HTTP_PORT="$(port_of "$svc")" \
      SDP_DB_PORT="$SDP_MARIADB_PORT" \
      SDP_DB_PASSWORD_FILE="$VAR/secrets/db-$svc.password" \
      SDP_NATS_URL="nats://127.0.0.1:$SDP_NATS_PORT" \
      SDP_SCHEMAS_DIR="$SDP_ROOT/schemas" \
      SDP_JWT_PUBLIC_KEYS="$VAR/keys/jwt-public.pem" \
      SDP_NOTIFY_SEAL_KEY_FILE="$VAR/secrets/notify-seal.key" \
      SDP_NOTIFY_ALLOW_PRIVATE_URLS=true \
      SDP_PUBLICITY_SECONDS="${SDP_LOCAL_PUBLICITY_SECONDS:-30}" \
    nohup "$SDP_ROOT/build/$svc/sdp-$svc" >>"$VAR/log/$svc.log" 2>&1 </dev/null &
  echo $! >"$VAR/run/$svc.pid"
done

if ! sdp_wait_http_200 "http://127.0.0.1:$SDP_GATEWAY_PORT/readyz" 90; then
  curl -s "http://127.0.0.1:$SDP_GATEWAY_PORT/readyz" >&2 || true
  sdp_die "the gateway did not become ready; see var/log/*.log"
fi

cat <<MSG
The platform is up.
  Gateway:  http://127.0.0.1:$SDP_GATEWAY_PORT   (GET /readyz, /metrics)
  Logs:     var/log/{gateway,workflow,scoring,notify}.log
  A token:  TOKEN=\$(deploy/local/token.sh --role applicant --org 91370102MA3C00000B)
            curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$SDP_GATEWAY_PORT/v1/declarations
  Stop:     deploy/local/down.sh
MSG
