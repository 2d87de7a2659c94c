#!/usr/bin/env bash
# HAProxy's external check of one Galera node (args: proxy address, proxy port, node address, node
# port): up only while the node is Synced (wsrep_local_state 4) in the Primary component and ready.
# mysql-check would only log in, which a donor, a joiner or a node cut off from the others still
# lets you do, and a non-Primary node answers every query with "WSREP has not yet prepared node".
# The node is asked over its unix socket as the OS user that runs HAProxy: no password to keep.
set -euo pipefail
port=${4:?node port}
state=$(mariadb --no-defaults --protocol=socket --socket="/tmp/sdp-mariadb-$port.sock" -u"$(id -un)" \
  --connect-timeout=1 -N -B -e "SELECT CONCAT_WS(' ',
    (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE'),
    (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS'),
    (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_READY'))" 2>/dev/null) || exit 1
[ "$state" = "4 Primary ON" ]
