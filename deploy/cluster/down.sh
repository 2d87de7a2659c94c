#!/usr/bin/env bash
# Stops what deploy/cluster/up.sh started, by pid (never by name); keeps the data under var/cluster/.
set -euo pipefail
source "$(dirname "$0")/../local/lib.sh"
source "$(dirname "$0")/cluster.sh"

[ -d "$CLUSTER_VAR/run" ] || { sdp_log "nothing to stop in $CLUSTER_VAR"; exit 0; }
cluster_stop_all
sdp_log "stopped; data kept in $CLUSTER_VAR"
