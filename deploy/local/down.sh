#!/usr/bin/env bash
# Stops what up.sh started, by pid (never by name); keeps the data under var/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ports.sh"
VAR="$SDP_ROOT/var"

sdp_stack_stop "$VAR"
sdp_log "stopped; data kept in var/"
