#!/usr/bin/env bash
# Stops what up.sh started, by pid (never by name); keeps the data under var/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ports.sh"
VAR="$SDP_ROOT/var"

# Front to back: nothing new comes in while the services behind it finish.
for svc in gateway notify scoring workflow; do
  sdp_stop_pid "$VAR/run/$svc.pid" "sdp-$svc" 20
done
sdp_stop_pid "$VAR/nats/nats-server.pid" nats-server 20
sdp_stop_pid "$VAR/mariadb/mariadbd.pid" mariadbd 60
sdp_log "stopped; data kept in var/"
