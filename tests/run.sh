#!/usr/bin/env bash
# The test command: installs missing packages, builds (the services and the web console), starts a
# private MariaDB on a free loopback port in a temporary folder, runs every test tier through CTest,
# stops it, and exits non-zero on any failure. Integration tests start their own nats-server
# processes (tests/support); the browser tests their own stack (tests/browser/run.sh).
#   tests/run.sh                 all tiers
#   tests/run.sh -L unit         one tier (unit | integration | e2e | browser | faults); ctest arguments pass through
#                                (faults: deploy/cluster brought up in a temporary folder and nodes killed)
#   tests/run.sh --tsan          the unit and integration tiers built with ThreadSanitizer in build-tsan/
#                                (the services the tests start too); any race report fails the run
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"

TSAN=""
if [ "${1:-}" = "--tsan" ]; then TSAN=1; shift; fi

sdp_install_deps "${SDP_TEST_PACKAGES[@]}"
if [ -n "$TSAN" ]; then
  BUILD="$SDP_ROOT/build-tsan"
  [ -f "$BUILD/build.ninja" ] || cmake -S "$SDP_ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSDP_SANITIZE=thread >/dev/null
  cmake --build "$BUILD" -- -j"$(nproc)"
else
  BUILD="$SDP_ROOT/build"
  sdp_build
fi
sdp_build_web
sdp_install_s3_test_server

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

cd "$BUILD"
if [ -z "$TSAN" ]; then
  ctest --output-on-failure --timeout 300 "$@"
  exit 0
fi
# Each process, test or service, writes its reports to $TMP/tsan/report.<pid> and stops at the first.
mkdir -p "$TMP/tsan"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 log_path=$TMP/tsan/report \
suppressions=$SDP_ROOT/tests/tsan.supp"
rc=0
# Left out: FreedHeapGoesBackToTheSystem measures glibc's malloc_trim, which TSan's allocator replaces.
ctest --output-on-failure --timeout 900 -L 'unit|integration' -E 'FreedHeapGoesBackToTheSystem' "$@" || rc=$?
for report in "$TMP"/tsan/report.*; do
  [ -e "$report" ] || continue
  sdp_log "ThreadSanitizer: $report"
  cat "$report" >&2
  rc=1
done
exit "$rc"
