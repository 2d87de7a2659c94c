# shellcheck shell=bash
# Shared by deploy/cluster/*.sh and tests/faults: the clustered shape of CONTRACT §10 on loopback —
# 3 nats-server nodes, 3 MariaDB Galera nodes, HAProxy, two replicas of every service. Source it
# after deploy/local/lib.sh; it defines functions and CLUSTER_* variables only.
#
# Everything lives under $SDP_CLUSTER_VAR (var/cluster): one folder per node, keys/, secrets/,
# log/, run/NAME.pid (one per process) and ports.env, the ports chosen at the first start (free
# loopback ports, so the cluster runs beside the local stack and beside a test run), kept so that a
# second up.sh, down.sh and the fault tests find the same ones.

CLUSTER_VAR="${SDP_CLUSTER_VAR:-$SDP_ROOT/var/cluster}"
CLUSTER_NODES=(1 2 3)
CLUSTER_SERVICES=(workflow scoring notify gateway)  # the order they start in
CLUSTER_REPLICAS=(1 2)
declare -gA CLUSTER_PORT=()

# The user Galera node $1 runs as. Not root: the rsync daemon a joiner starts for its state
# transfer drops root for `nobody`, who could not write a root-owned data folder. As root, each
# node has a system user of its own (created here), so that a fault test can tell one node's
# connections from another's on loopback (nft's `meta skuid`, the partition row).
cluster_galera_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  local user="sdp-galera-$1"
  id -u "$user" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" ||
    sdp_die "could not create the system user $user"
  echo "$user"
}

# Loads ports.env, or picks every port the cluster needs and writes it.
cluster_ports() {
  local file="$CLUSTER_VAR/ports.env" name i svc
  mkdir -p "$CLUSTER_VAR"
  if [ -s "$file" ]; then
    # shellcheck source=/dev/null
    source "$file"
    return 0
  fi
  local names=(front db)
  for i in "${CLUSTER_NODES[@]}"; do
    names+=("nats-$i" "nats-route-$i" "galera-$i" "galera-gcomm-$i" "galera-ist-$i" "galera-sst-$i")
  done
  for svc in "${CLUSTER_SERVICES[@]}"; do
    for i in "${CLUSTER_REPLICAS[@]}"; do names+=("$svc-$i"); done
  done
  for name in "${names[@]}"; do
    CLUSTER_PORT[$name]=$(sdp_free_port)
    SDP_TAKEN_PORTS+=" ${CLUSTER_PORT[$name]}"
  done
  # The HAProxy front may be pinned, like the local gateway's 8080.
  [ -n "${SDP_CLUSTER_GATEWAY_PORT:-}" ] && CLUSTER_PORT[front]=$SDP_CLUSTER_GATEWAY_PORT
  declare -p CLUSTER_PORT | sed 's/^declare -A/declare -gA/' >"$file"
}

cluster_nats_urls() {
  local i urls=""
  for i in "${CLUSTER_NODES[@]}"; do urls+="${urls:+,}nats://127.0.0.1:${CLUSTER_PORT[nats-$i]}"; done
  echo "$urls"
}

# ---- NATS ----
cluster_start_nats() {
  local i=$1 j routes=""
  for j in "${CLUSTER_NODES[@]}"; do
    [ "$j" = "$i" ] || routes+="${routes:+, }\"nats-route://127.0.0.1:${CLUSTER_PORT[nats-route-$j]}\""
  done
  sdp_start_nats "$CLUSTER_VAR/nats-$i" "${CLUSTER_PORT[nats-$i]}" "server_name: nats-$i
cluster {
  name: sdp
  listen: \"127.0.0.1:${CLUSTER_PORT[nats-route-$i]}\"
  routes: [$routes]
}"
  ln -sfn "../nats-$i/nats-server.pid" "$CLUSTER_VAR/run/nats-$i.pid"
}

# ---- Galera ----
# The mariadbd options of node $1 beyond sdp_start_mariadb's. Row-based replication and
# interleaved auto-increment locks are what Galera needs; flushing the redo log once a second
# rather than at every commit is its usual setting, since a commit is on every node's memory
# before it returns (a node lost with its last second is rebuilt from the others).
cluster_galera_options() {
  local i=$1 j gcomm=""
  for j in "${CLUSTER_NODES[@]}"; do gcomm+="${gcomm:+,}127.0.0.1:${CLUSTER_PORT[galera-gcomm-$j]}"; done
  printf '%s\n' --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
    --wsrep-cluster-name=sdp-cluster --wsrep-node-name="galera-$i" --wsrep-node-address=127.0.0.1 \
    --wsrep-cluster-address="gcomm://$gcomm" \
    --wsrep-provider-options="base_host=127.0.0.1;base_port=${CLUSTER_PORT[galera-gcomm-$i]};gmcast.listen_addr=tcp://127.0.0.1:${CLUSTER_PORT[galera-gcomm-$i]};ist.recv_addr=127.0.0.1:${CLUSTER_PORT[galera-ist-$i]};gcache.size=64M" \
    --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:${CLUSTER_PORT[galera-sst-$i]}" \
    --binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB \
    --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=128M
}

# Starts Galera node $1; `bootstrap` as $2 makes it a new cluster's first node (its data wins).
cluster_start_galera() {
  local i=$1 how=${2:-join} opts
  mapfile -t opts < <(cluster_galera_options "$i")
  [ "$how" = bootstrap ] && opts+=(--wsrep-new-cluster)
  chmod 755 "$CLUSTER_VAR"
  SDP_MARIADB_USER=$(cluster_galera_user "$i") sdp_start_mariadb "$CLUSTER_VAR/galera-$i" "${CLUSTER_PORT[galera-$i]}" "${opts[@]}"
  ln -sfn "../galera-$i/mariadbd.pid" "$CLUSTER_VAR/run/galera-$i.pid"
}

cluster_galera_running() { sdp_pid_alive "$CLUSTER_VAR/run/galera-$1.pid" mariadbd; }

# "STATE STATUS SIZE" of node $1 (4 Primary 3 when all is well), or nothing when it does not answer.
cluster_galera_state() {
  sdp_mariadb_admin "${CLUSTER_PORT[galera-$1]}" --connect-timeout=2 -N -B -e "SELECT CONCAT_WS(' ',
    (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE'),
    (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS'),
    (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'))" \
    2>/dev/null || true
}

# Waits up to $2 seconds until node $1 is Synced in the Primary component.
cluster_wait_synced() {
  local i=$1 timeout=${2:-120} state
  for _ in $(seq 1 $((timeout * 5))); do
    state=$(cluster_galera_state "$i")
    [[ $state == "4 Primary "* ]] && return 0
    sleep 0.2
  done
  tail -20 "$CLUSTER_VAR/galera-$i/mariadbd.err" >&2
  sdp_die "galera-$i is not synced after ${timeout}s (state: ${state:-no answer})"
}

# The node a stopped cluster restarts from: the one Galera marked safe to bootstrap (the last to
# stop cleanly), else, after a crash of all, the one whose recovered position is furthest.
cluster_bootstrap_node() {
  local i best="" best_seqno=-2 seqno grastate
  for i in "${CLUSTER_NODES[@]}"; do
    grastate="$CLUSTER_VAR/galera-$i/data/grastate.dat"
    [ -f "$grastate" ] || continue
    if grep -q '^safe_to_bootstrap: 1' "$grastate"; then echo "$i"; return 0; fi
  done
  for i in "${CLUSTER_NODES[@]}"; do
    grastate="$CLUSTER_VAR/galera-$i/data/grastate.dat"
    [ -f "$grastate" ] || continue
    seqno=$(awk '/^seqno:/ {print $2}' "$grastate")
    if [ "${seqno:--1}" = -1 ]; then
      local opts
      mapfile -t opts < <(cluster_galera_options "$i")
      [ "$(id -u)" -eq 0 ] && opts+=(--user="$(cluster_galera_user "$i")")
      mariadbd --no-defaults --datadir="$CLUSTER_VAR/galera-$i/data" "${opts[@]}" --wsrep-recover \
        --log-error="$CLUSTER_VAR/galera-$i/recover.err" >/dev/null 2>&1 || true
      seqno=$(sed -n 's/.*Recovered position: [^:]*:\(-\{0,1\}[0-9]*\).*/\1/p' "$CLUSTER_VAR/galera-$i/recover.err" | tail -1)
    fi
    if [ "${seqno:--1}" -gt "$best_seqno" ]; then best=$i; best_seqno=${seqno:--1}; fi
  done
  [ -n "$best" ] || return 1
  sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$CLUSTER_VAR/galera-$best/data/grastate.dat"
  echo "$best"
}

# Brings all three nodes up: joins the running ones, or bootstraps a new (or stopped) cluster.
# Sets CLUSTER_FIRST to a node that was synced first.
CLUSTER_FIRST=""
cluster_start_galera_all() {
  local i first=""
  for i in "${CLUSTER_NODES[@]}"; do
    if cluster_galera_running "$i" && [[ $(cluster_galera_state "$i") == "4 Primary "* ]]; then first=$i; break; fi
  done
  if [ -z "$first" ]; then
    if [ -d "$CLUSTER_VAR/galera-1/data/mysql" ]; then
      first=$(cluster_bootstrap_node) || first=1
    else
      first=1
    fi
    sdp_log "bootstrapping Galera from galera-$first on 127.0.0.1:${CLUSTER_PORT[galera-$first]}"
    cluster_start_galera "$first" bootstrap
    cluster_wait_synced "$first" 60
  fi
  # Joiners one at a time: each takes a state transfer from a donor, which is then busy.
  for i in "${CLUSTER_NODES[@]}"; do
    cluster_galera_running "$i" && continue
    sdp_log "galera-$i joins on 127.0.0.1:${CLUSTER_PORT[galera-$i]}"
    cluster_start_galera "$i"
    cluster_wait_synced "$i" 120
  done
  # shellcheck disable=SC2034  # read by up.sh
  CLUSTER_FIRST=$first
}

# ---- HAProxy ----
cluster_haproxy_config() {
  local i
  cat <<CONF
# Written by deploy/cluster/up.sh.
global
  maxconn 8192
  # The Galera check is an external program (deploy/cluster/galera-check.sh).
  external-check
  insecure-fork-wanted
  stats socket $CLUSTER_VAR/run/haproxy.sock mode 600 level admin

defaults
  timeout connect 2s
  timeout check 2s
  retries 2
  option redispatch

# MariaDB: one writer at a time (the first synced node; the others are backups), which keeps
# certification conflicts rare; the services stay correct with several, as after a fail-over.
# A node marked down has its sessions cut, so that pools reconnect to the next one at once.
listen galera
  bind 127.0.0.1:${CLUSTER_PORT[db]}
  mode tcp
  option tcpka
  timeout client 1h
  timeout server 1h
  option external-check
  external-check path "/usr/bin:/bin:/usr/sbin:/sbin"
  external-check command $SDP_ROOT/deploy/cluster/galera-check.sh
  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
CONF
  for i in "${CLUSTER_NODES[@]}"; do
    echo "  server galera-$i 127.0.0.1:${CLUSTER_PORT[galera-$i]} check$([ "$i" = 1 ] || echo ' backup')"
  done
  cat <<CONF

# The gateways, round robin, each while its /readyz answers 200. A request whose connection
# failed is sent to the other (retries, redispatch); one already sent is never repeated.
listen gateway
  bind 127.0.0.1:${CLUSTER_PORT[front]}
  mode http
  option httplog
  timeout client 60s
  timeout server 60s
  timeout http-request 15s
  option httpchk GET /readyz
  http-check expect status 200
  balance roundrobin
  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
CONF
  for i in "${CLUSTER_REPLICAS[@]}"; do
    echo "  server gateway-$i 127.0.0.1:${CLUSTER_PORT[gateway-$i]} check"
  done
}

cluster_start_haproxy() {
  local pidfile="$CLUSTER_VAR/run/haproxy.pid"
  sdp_pid_alive "$pidfile" haproxy && return 0
  cluster_haproxy_config >"$CLUSTER_VAR/haproxy.cfg"
  haproxy -c -q -f "$CLUSTER_VAR/haproxy.cfg" || sdp_die "haproxy refused $CLUSTER_VAR/haproxy.cfg"
  haproxy -D -f "$CLUSTER_VAR/haproxy.cfg" -p "$pidfile" >>"$CLUSTER_VAR/log/haproxy.log" 2>&1 </dev/null
}

# "UP"/"DOWN"/… of server $2 in HAProxy's proxy $1, from the stats socket.
cluster_haproxy_status() {
  echo "show stat" | socat - "UNIX-CONNECT:$CLUSTER_VAR/run/haproxy.sock" 2>/dev/null |
    awk -F, -v px="$1" -v sv="$2" '$1 == px && $2 == sv {print $18}'
}

# ---- services ----
# Starts replica $2 of service $1 with the local stack's settings, the HAProxy front of Galera as
# its database and all three NATS servers. NAME=VALUE settings may be added for every service in
# $SDP_CLUSTER_SERVICE_ENV and for one replica in $SDP_CLUSTER_ENV_<service>_<n> (space-separated;
# the fault tests' settings, such as a fast notify retry or a clock ahead).
cluster_start_service() {
  local svc=$1 i=$2 name="$1-$2" per="SDP_CLUSTER_ENV_$1_$2" extra
  sdp_pid_alive "$CLUSTER_VAR/run/$name.pid" "sdp-$svc" && return 0
  read -r -a extra <<<"${SDP_CLUSTER_SERVICE_ENV:-} ${!per:-}"
  sdp_start_service "$name" "${CLUSTER_PORT[$name]}" "$CLUSTER_VAR" "${CLUSTER_PORT[db]}" "$(cluster_nats_urls)" \
    SDP_NATS_REPLICAS=3 SDP_GATEWAY_CONSOLE_DIR="$SDP_ROOT/web/dist" \
    SDP_GATEWAY_DEV_SIGN_IN_KEY="$CLUSTER_VAR/keys/jwt-private.pem" "${extra[@]}"
}

cluster_wait_service() {
  local name=$1 timeout=${2:-90}
  sdp_wait_http_200 "http://127.0.0.1:${CLUSTER_PORT[$name]}/readyz" "$timeout" ||
    sdp_die "$name did not become ready: $(tail -n 3 "$CLUSTER_VAR/log/$name.log" 2>/dev/null)"
}

# Stops everything, front to back, by pid: the services, HAProxy (the services' way to the
# database), NATS, and Galera last to first, so that galera-1, stopped last, is the node the
# next start bootstraps from.
cluster_stop_all() {
  local svc i
  for svc in gateway notify scoring workflow; do
    for i in "${CLUSTER_REPLICAS[@]}"; do sdp_stop_pid "$CLUSTER_VAR/run/$svc-$i.pid" "sdp-$svc" 20 || true; done
  done
  sdp_stop_pid "$CLUSTER_VAR/run/haproxy.pid" haproxy 10 || true
  for i in 3 2 1; do sdp_stop_pid "$CLUSTER_VAR/run/nats-$i.pid" nats-server 20 || true; done
  for i in 3 2 1; do sdp_stop_pid "$CLUSTER_VAR/run/galera-$i.pid" mariadbd 60 || true; done
}
