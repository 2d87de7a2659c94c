#!/usr/bin/env bash
# The test command: installs missing packages, builds (the services and the web console), starts a
# private MariaDB on a free loopback port in a temporary folder, runs every test tier through CTest,
# stops it, and exits non-zero on any failure. Integration tests start their own nats-server
# processes (tests/support); the browser tests their own stack (tests/browser/run.sh).
#   tests/run.sh                 all tiers
#   tests/run.sh -L unit         one tier (unit | integration | e2e | browser); ctest arguments pass through
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"

sdp_install_deps "${SDP_TEST_PACKAGES[@]}"
sdp_build
sdp_build_web

TMP=$(mktemp -d /tmp/sdp-test.XXXXXX)
DB_PORT=$(sdp_free_port)
cleanup() {
  sdp_stop_pid "$TMP/mariadb/mariadbd.pid" mariadbd 30 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

sdp_log "private MariaDB on 127.0.0.1:$DB_PORT in $TMP"
# Tests need no durability across a crash of the test machine: trade it for speed.
sdp_start_mariadb "$TMP/mariadb" "$DB_PORT" --innodb-flush-log-at-trx-commit=2 --sync-binlog=0
ADMIN_PW=$(openssl rand -hex 16)
sdp_mariadb_admin "$DB_PORT" <<SQL
CREATE USER 'sdp_test'@'127.0.0.1' IDENTIFIED BY '$ADMIN_PW';
GRANT ALL PRIVILEGES ON *.* TO 'sdp_test'@'127.0.0.1' WITH GRANT OPTION;
SQL

export SDP_TEST_DB_HOST=127.0.0.1 SDP_TEST_DB_PORT="$DB_PORT"
export SDP_TEST_DB_ADMIN_USER=sdp_test SDP_TEST_DB_ADMIN_PASSWORD="$ADMIN_PW"
export SDP_TEST_TMPDIR="$TMP"

cd "$SDP_ROOT/build"
ctest --output-on-failure --timeout 300 "$@"
