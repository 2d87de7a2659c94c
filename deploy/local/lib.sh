# Shared by deploy/local/*.sh and tests/run.sh: packages, build, MariaDB and nats-server as plain
# processes on loopback, stopped by pid. Source it; it defines functions and SDP_ROOT only.

SDP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian 12 packages the project needs to build, run and test. Kept in one place. galera-4 (with
# rsync for its state transfers) and haproxy are for the clustered shape, deploy/cluster/.
SDP_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git curl ca-certificates openssl
  libboost-dev libboost-system-dev
  libnats-dev nats-server
  libmysqlcppconn-dev mariadb-server mariadb-client
  nlohmann-json3-dev libvalijson-dev
  libssl-dev libcurl4-openssl-dev zlib1g-dev libmagic-dev
  libgtest-dev libgmock-dev
  wrk python3-aiosmtpd jq
  libcairo2-dev libpango1.0-dev fonts-noto-cjk libqrencode-dev libxlsxwriter-dev
  galera-4 rsync haproxy
)
# Only the tests need these: Debian's Chromium for the console's browser tests, a CJK font so that
# its screenshots show Chinese, clang-format for .ci/run's format check, and what reads documents
# back: poppler's pdftotext, pdffonts and pdftoppm, zbar's QR decoder, openpyxl for .xlsx; what the
# fault tests inject faults with: nft (a partition on loopback), libfaketime (a clock ahead),
# e2fsprogs (a small file system to fill); and what checks deploy/k8s and deploy/systemd without a
# cluster: the Kubernetes API's models for Python, Debian's kubectl (kubernetes-client) and
# systemd-analyze (systemd). A kubectl of another package (one that ships the same
# /usr/bin/kubectl) is used as it is, not replaced.
SDP_TEST_PACKAGES=(chromium fonts-wqy-zenhei clang-format poppler-utils zbar-tools python3-openpyxl
  nftables libfaketime e2fsprogs python3-kubernetes)
command -v kubectl >/dev/null || SDP_TEST_PACKAGES+=(kubernetes-client)
command -v systemd-analyze >/dev/null || SDP_TEST_PACKAGES+=(systemd)

sdp_log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
sdp_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs whatever is missing; a no-op (no apt-get at all) when everything is there. Node.js and
# npm (for the web console's build) come from Debian only when the machine has none of its own.
sdp_install_deps() {
  local missing=() p wanted=("${SDP_PACKAGES[@]}" "$@")
  command -v npm >/dev/null || wanted+=(nodejs npm)
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    sdp_die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  fi
  sdp_log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sdp_apt_get update -qq
  sdp_apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The pid and command of a process holding one of apt's or dpkg's locks (fcntl locks, as listed in
# /proc/locks: the dpkg frontend and database locks, the package lists' and the archives'), or nothing.
sdp_apt_lock_holder() {
  local S L A f dev ino key pid
  eval "$(apt-config shell S Dir::State::status/f L Dir::State::lists/d A Dir::Cache::archives/d)"
  for f in "${S%/*}/lock-frontend" "${S%/*}/lock" "${L%/}/lock" "${A%/}/lock"; do
    read -r dev ino < <(stat -c '%d %i' "$f" 2>/dev/null) || continue
    key=$(printf '%02x:%02x:%s' $(( (dev >> 8) & 0xfff )) $(( (dev & 0xff) | ((dev >> 12) & 0xfff00) )) "$ino")
    pid=$(awk -v k="$key" '$2 != "->" && $6 == k { print $5; exit }' /proc/locks)
    [ -n "$pid" ] || continue
    echo "pid $pid $(cat "/proc/$pid/comm" 2>/dev/null) holds $f"
    return 0
  done
}

# apt-get "$@", once no other apt or dpkg holds a lock it needs, waiting for that (saying so once)
# up to $SDP_APT_LOCK_TIMEOUT seconds (600). apt's own DPkg::Lock::Timeout (passed too, for a lock
# taken between the check and the run) covers the dpkg locks but not the lists lock of `update`.
sdp_apt_get() {
  local limit=${SDP_APT_LOCK_TIMEOUT:-600} start=$SECONDS holder said="" rc
  while true; do
    holder=$(sdp_apt_lock_holder)
    if [ -z "$holder" ]; then
      rc=0
      apt-get -o DPkg::Lock::Timeout="$(( limit - (SECONDS - start) ))" "$@" || rc=$?
      [ "$rc" -ne 0 ] && holder=$(sdp_apt_lock_holder)
      [ -z "$holder" ] && return "$rc"  # done, or failed for another reason than a lock
    fi
    [ $((SECONDS - start)) -lt "$limit" ] || sdp_die "another apt/dpkg still runs after ${limit}s ($holder)"
    [ -n "$said" ] || sdp_log "waiting for another apt/dpkg to finish ($holder)"
    said=1
    sleep 1
  done
}

# Configures (once) and builds Release into build/ with Ninja, one job per core.
sdp_build() {
  local build="$SDP_ROOT/build"
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$SDP_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$build" -- -j"$(nproc)"
}

# Builds the web console into web/dist: `npm ci` from the committed lock file when node_modules is
# missing or older than it, then the Vite build when any source is newer than the last build.
sdp_build_web() {
  local web="$SDP_ROOT/web"
  if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    sdp_log "installing the web console's packages (npm ci)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  if [ ! -f "$web/dist/index.html" ] || [ -n "$(find "$web/src" "$web/public" "$web/index.html" "$web/vite.config.js" \
        "$web/package-lock.json" -newer "$web/dist/index.html" -print -quit 2>/dev/null)" ]; then
    sdp_log "building the web console (web/dist)"
    (cd "$web" && npm run --silent build >/dev/null)
  fi
}

# The test tier's S3-compatible server (tests/s3: s3rver behind a SigV4 check) from its lock file.
sdp_install_s3_test_server() {
  local dir="$SDP_ROOT/tests/s3"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    sdp_log "installing the test S3 server's packages (npm ci in tests/s3)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on now, below the kernel's ephemeral range (so no
# outgoing connection holds it either) and not in $SDP_TAKEN_PORTS (ports handed out already but
# not yet bound).
SDP_TAKEN_PORTS=""
sdp_free_port() {
  local port low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for _ in $(seq 1 200); do
    port=$(( 10000 + RANDOM % (low - 10000) ))
    case " $SDP_TAKEN_PORTS " in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  sdp_die "no free port found"
}

# True while process $1 runs; an exited process its parent has not reaped yet (a zombie) does not.
sdp_proc_running() {
  [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# True when the pid in $1 is alive and its command line contains $2.
sdp_pid_alive() {
  local pidfile=$1 expect=$2 pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] && sdp_proc_running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$expect"
}

# Stops the process of a pid file with SIGTERM (SIGKILL after $3 seconds), never by name.
sdp_stop_pid() {
  local pidfile=$1 expect=$2 wait=${3:-20} pid
  if ! sdp_pid_alive "$pidfile" "$expect"; then rm -f "$pidfile"; return 0; fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((wait * 10))); do
    sdp_proc_running "$pid" || { rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  sdp_log "$expect (pid $pid) did not stop in ${wait}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

sdp_mariadb_socket() { echo "/tmp/sdp-mariadb-$1.sock"; }

# Client as the database superuser, over the unix socket (unix_socket authentication).
sdp_mariadb_admin() {
  local port=$1; shift
  mariadb --no-defaults --protocol=socket --socket="$(sdp_mariadb_socket "$port")" -u"$(id -un)" "$@"
}

# Starts MariaDB with its data in $1 on 127.0.0.1:$2 unless it runs already. Extra mariadbd
# options may follow. Run by root, it runs as $SDP_MARIADB_USER (root).
sdp_start_mariadb() {
  local dir=$1 port=$2; shift 2
  local pidfile="$dir/mariadbd.pid" sock
  sock=$(sdp_mariadb_socket "$port")
  if sdp_pid_alive "$pidfile" mariadbd; then return 0; fi
  mkdir -p "$dir"
  local user_opt=() user=${SDP_MARIADB_USER:-root}
  if [ "$(id -u)" -eq 0 ]; then
    user_opt=(--user="$user")
    # A server of another user than root must own its folder (data, pid file, error log).
    [ "$user" = root ] || chown -R "$user:" "$dir"
  fi
  if [ ! -d "$dir/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" "${user_opt[@]}" \
      --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 \
      || { cat "$dir/install.log" >&2; sdp_die "mariadb-install-db failed"; }
  fi
  mariadbd --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$sock" --pid-file="$pidfile" --log-error="$dir/mariadbd.err" "${user_opt[@]}" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --max-connections=500 "$@" >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    if sdp_mariadb_admin "$port" -e "SELECT 1" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  tail -20 "$dir/mariadbd.err" >&2
  sdp_die "MariaDB did not start on port $port (log: $dir/mariadbd.err)"
}

# Starts nats-server with JetStream (file store in $1) on 127.0.0.1:$2 unless it runs already.
# Extra configuration lines may follow in $3 (a cluster node's server_name and cluster block).
sdp_start_nats() {
  local dir=$1 port=$2 extra=${3:-}
  local pidfile="$dir/nats-server.pid"
  if sdp_pid_alive "$pidfile" nats-server; then return 0; fi
  mkdir -p "$dir/jetstream"
  # A declaration's payload may be up to 1 MiB, and its events carry it with an envelope.
  cat >"$dir/nats-server.conf" <<CONF
listen: "127.0.0.1:$port"
max_payload: 4MB
pid_file: "$pidfile"
log_file: "$dir/nats-server.log"
jetstream { store_dir: "$dir/jetstream" }
$extra
CONF
  nats-server -c "$dir/nats-server.conf" >/dev/null 2>&1 &
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  sdp_die "nats-server did not start on port $port (log: $dir/nats-server.log)"
}

# A random password, kept in a file only the owner can read.
sdp_secret_file() {
  local file=$1
  if [ ! -s "$file" ]; then
    mkdir -p "$(dirname "$file")"
    (umask 077; openssl rand -hex 24 >"$file")
  fi
}

# Creates each service's database and a user that can reach only that database; idempotent.
# $1 port, $2 folder of password files (db-<service>.password).
sdp_provision_databases() {
  local port=$1 secrets=$2 svc pw
  for svc in gateway workflow scoring notify; do
    sdp_secret_file "$secrets/db-$svc.password"
    pw=$(cat "$secrets/db-$svc.password")
    sdp_mariadb_admin "$port" <<SQL
CREATE DATABASE IF NOT EXISTS sdp_$svc CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'sdp_$svc'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'sdp_$svc'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES
  ON sdp_$svc.* TO 'sdp_$svc'@'127.0.0.1';
SQL
  done
}

# Waits until $1 answers HTTP 200, up to $2 seconds.
sdp_wait_http_200() {
  local url=$1 timeout=${2:-60}
  for _ in $(seq 1 $((timeout * 5))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" = "200" ] && return 0
    sleep 0.2
  done
  return 1
}

# Starts one service binary in the background with the local stack's settings; its pid goes to
# $var/run/<name>.pid and its log to $var/log/<name>.log. NAME is the service, or a replica of it
# (`gateway-2` runs sdp-gateway). NATS is a port on loopback or a comma-separated list of URLs.
# Extra NAME=VALUE settings may follow.
#   sdp_start_service NAME HTTP_PORT VAR_DIR MARIADB_PORT NATS [NAME=VALUE ...]
sdp_start_service() {
  local name=$1 port=$2 var=$3 db_port=$4 nats=$5
  local svc=${name%-[0-9]*}
  shift 5
  [[ $nats =~ ^[0-9]+$ ]] && nats="nats://127.0.0.1:$nats"
  mkdir -p "$var/run" "$var/log"
  env SDP_HTTP_PORT="$port" \
      SDP_DB_PORT="$db_port" \
      SDP_DB_PASSWORD_FILE="$var/secrets/db-$svc.password" \
      SDP_NATS_URL="$nats" \
      SDP_SCHEMAS_DIR="$SDP_ROOT/schemas" \
      SDP_JWT_PUBLIC_KEYS="$var/keys/jwt-public.pem" \
      SDP_NOTIFY_SEAL_KEY_FILE="$var/secrets/notify-seal.key" \
      SDP_NOTIFY_ALLOW_PRIVATE_URLS=true \
      SDP_FILES_DIR="$var/files" \
      "$@" \
    nohup "$SDP_ROOT/build/$svc/sdp-$svc" >>"$var/log/$name.log" 2>&1 </dev/null &
  echo $! >"$var/run/$name.pid"
}

# The RS256 key pair tokens are signed with, and the key webhook secrets are sealed with.
sdp_make_keys() {
  local var=$1
  mkdir -p "$var/keys" "$var/secrets"
  if [ ! -s "$var/keys/jwt-private.pem" ]; then
    (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$var/keys/jwt-private.pem" 2>/dev/null)
    openssl pkey -in "$var/keys/jwt-private.pem" -pubout -out "$var/keys/jwt-public.pem"
  fi
  [ -s "$var/secrets/notify-seal.key" ] || (umask 077; openssl rand -hex 32 >"$var/secrets/notify-seal.key")
}

# A private stack for the benchmark and the browser tests: MariaDB, nats-server and the four
# services on free loopback ports, everything under $1. MariaDB options may follow, then `--` and
# NAME=VALUE settings for the services. Sets STACK_PORT[db|nats|gateway|workflow|scoring|notify]
# and STACK_URL (the gateway); `sdp_stack_stop DIR` stops it all.
declare -gA STACK_PORT=()
STACK_URL=""
sdp_stack_start() {
  local var=$1 svc; shift
  local db_opts=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do db_opts+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  local name
  STACK_PORT=()
  for name in db nats workflow scoring notify gateway; do
    STACK_PORT[$name]=$(sdp_free_port)
    SDP_TAKEN_PORTS+=" ${STACK_PORT[$name]}"
  done
  sdp_start_mariadb "$var/mariadb" "${STACK_PORT[db]}" "${db_opts[@]}"
  sdp_provision_databases "${STACK_PORT[db]}" "$var/secrets"
  sdp_start_nats "$var/nats" "${STACK_PORT[nats]}"
  sdp_make_keys "$var"
  for svc in workflow scoring notify gateway; do
    sdp_start_service "$svc" "${STACK_PORT[$svc]}" "$var" "${STACK_PORT[db]}" "${STACK_PORT[nats]}" "$@"
  done
  STACK_URL="http://127.0.0.1:${STACK_PORT[gateway]}"
  for svc in workflow scoring notify gateway; do
    sdp_wait_http_200 "http://127.0.0.1:${STACK_PORT[$svc]}/readyz" 90 ||
      sdp_die "$svc did not become ready: $(tail -n 3 "$var/log/$svc.log" 2>/dev/null)"
  done
  sdp_open_first_rounds "$STACK_URL" "$var/keys/jwt-private.pem"
}

# A newcomer can declare at once: at the first start (no round of a programme yet) the admin opens
# one round per programme, open now until the end of the year in China Standard Time (CONTRACT §6).
#   sdp_open_first_rounds GATEWAY_URL JWT_PRIVATE_KEY
sdp_open_first_rounds() {
  local url=$1 admin year kind have title body
  admin=$(SDP_JWT_PRIVATE_KEY=$2 "$SDP_ROOT/deploy/local/token.sh" --role admin --sub local-setup)
  year=$(TZ=Asia/Shanghai date +%Y)
  for kind in morning_star industry_brain; do
    have=$(curl -sS -H "Authorization: Bearer $admin" "$url/v1/rounds?kind=$kind" | jq '.items | length')
    [ "$have" = 0 ] || continue
    title=$([ $kind = morning_star ] && echo "${year}年度晨星工厂申报" || echo "${year}年度产业大脑申报")
    body=$(jq -cn --arg kind "$kind" --argjson year "$year" --arg title "$title" \
      --arg opens "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg closes "$((year + 1))-01-01T00:00:00+08:00" \
      '{kind:$kind, year:$year, title:$title, opens_at:$opens, closes_at:$closes}')
    curl -sSf -o /dev/null -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      --data-binary "$body" "$url/v1/rounds" || sdp_die "could not open the $kind round"
    sdp_log "opened the round \"$title\" (until $((year + 1))-01-01, China Standard Time)"
  done
}

# Stops a stack under $1 (this one, or up.sh's under var/) front to back, by pid: nothing new comes in
# while the services behind it finish.
sdp_stack_stop() {
  local var=$1 svc
  for svc in gateway notify scoring workflow; do sdp_stop_pid "$var/run/$svc.pid" "sdp-$svc" 20 || true; done
  sdp_stop_pid "$var/nats/nats-server.pid" nats-server 20 || true
  sdp_stop_pid "$var/mariadb/mariadbd.pid" mariadbd 60 || true
}
