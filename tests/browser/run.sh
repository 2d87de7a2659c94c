#!/usr/bin/env bash
# The web console's browser tests: a private stack (the binaries and settings up.sh uses, with
# the console and development sign-in on), then web/tests/console.test.mjs (the workflows) and
# web/tests/pages.test.mjs (every route per role, desktop and phone) driving Debian's Chromium
# headless through playwright-core. Screenshots go to build/screenshots/. CTest runs this with the
# label `browser`; it also runs on its own after tests/run.sh has built everything.
set -euo pipefail
source "$(dirname "$0")/../../deploy/local/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || sdp_die "no Chromium at $CHROMIUM (tests/run.sh installs Debian's chromium)"
[ -f "$SDP_ROOT/web/dist/index.html" ] || sdp_die "the console is not built (tests/run.sh builds it)"

TMP=$(mktemp -d "${SDP_TEST_TMPDIR:-/tmp}/sdp-browser.XXXXXX")
VAR="$TMP/var"
cleanup() { sdp_stack_stop "$VAR"; rm -rf "$TMP"; }
trap cleanup EXIT

sdp_stack_start "$VAR" --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 -- \
  SDP_LOG_LEVEL=warn \
  SDP_GATEWAY_CONSOLE_DIR="$SDP_ROOT/web/dist" SDP_GATEWAY_DEV_SIGN_IN_KEY="$VAR/keys/jwt-private.pem"
sdp_log "console at $STACK_URL/ (logs in $VAR/log)"

mkdir -p "$SDP_ROOT/build/screenshots"
# Both files run whatever the first says; the run fails if either does.
status=0
for test in console pages; do
  sdp_log "web/tests/$test.test.mjs"
  BASE_URL="$STACK_URL" SCREENSHOT_DIR="$SDP_ROOT/build/screenshots" CHROMIUM="$CHROMIUM" \
    node "$SDP_ROOT/web/tests/$test.test.mjs" || { status=$?; sdp_log "web/tests/$test.test.mjs failed ($status)"; }
done
if [ $status -ne 0 ]; then
  for svc in gateway workflow scoring notify; do echo "--- $svc.log (last lines)"; tail -n 20 "$VAR/log/$svc.log"; done
fi
exit $status
