#!/usr/bin/env bash
# Evidence files (issue 17): the throughput of one 20 MiB upload and download through the gateway
# (curl on loopback, one at a time, several runs: MiB/s min / median / max), and the gateway's peak
# resident memory (VmHWM of /proc/PID/status, reset before via clear_refs) while 20 clients upload
# 20 MiB each at once. A benchmark, not a test: it prints figures and fails only if a request does.
#   bench/files.sh            its own private stack (as bench/run.sh starts it), 5 runs
#   bench/files.sh --quick    3 runs
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"

RUNS=5
if [ "${1:-}" = "--quick" ]; then RUNS=3; fi
CLIENTS=${FILES_CLIENTS:-20}

sdp_install_deps
sdp_build >/dev/null
TMP=$(mktemp -d /tmp/sdp-bench-files.XXXXXX)
VAR="$TMP/var"
cleanup() { sdp_stack_stop "$VAR"; [ -n "${FILES_KEEP:-}" ] || rm -rf "$TMP"; }  # FILES_KEEP=1: keep logs
trap cleanup EXIT
sdp_log "private stack in $TMP"
sdp_stack_start "$VAR" --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 -- SDP_LOG_LEVEL=warn
GW=$STACK_URL
GW_PID=$(cat "$VAR/run/gateway.pid")

token() { SDP_JWT_PRIVATE_KEY="$VAR/keys/jwt-private.pem" "$SDP_ROOT/deploy/local/token.sh" "$@"; }
APPLICANT=$(token --role applicant --org 91370102MA3C00000B)
ROUND=$(curl -sf -H "Authorization: Bearer $APPLICANT" "$GW/v1/rounds?kind=morning_star" | jq -r '.items[0].id')

# A 20 MiB PDF: a PDF header, then random bytes (nothing compresses or dedupes on the way).
FILE="$TMP/evidence.pdf"
{ printf '%%PDF-1.7\n'; head -c $((20 * 1024 * 1024 - 9)) /dev/urandom; } >"$FILE"
SIZE=$(stat -c %s "$FILE")

draft() {
  curl -sf -X POST "$GW/v1/declarations" -H "Authorization: Bearer $APPLICANT" -H 'Content-Type: application/json' \
    -d "{\"round\": \"$ROUND\", \"region\": \"370102\", \"title\": \"佐证材料基准\"}" | jq -r .id
}
# Uploads $FILE to declaration $1, item $2; prints "<status> <seconds>" and leaves the reply in $TMP/reply.$1.
upload() {
  curl -s --max-time 300 -o "$TMP/reply.$1" -w '%{http_code} %{time_total}\n' -X POST "$GW/v1/declarations/$1/files?item=$2" \
    -H "Authorization: Bearer $APPLICANT" -H 'Content-Type: application/pdf' -H 'Expect:' \
    -H "Content-Disposition: attachment; filename*=UTF-8''%E4%BD%90%E8%AF%81%E6%9D%90%E6%96%99.pdf" \
    --data-binary "@$FILE"
}
mibps() { awk -v s="$SIZE" -v t="$1" 'BEGIN { printf "%.1f", s / 1048576 / t }'; }
summary() {  # min / median / max of the MiB/s figures on stdin
  sort -n | awk '{ v[NR] = $1 } END { printf "min %.1f  median %.1f  max %.1f MiB/s (%d runs)", v[1], v[int((NR + 1) / 2)], v[NR], NR }'
}

sdp_log "one 20 MiB upload at a time, $RUNS runs"
UP=()
FILE_ID=""
for i in $(seq 1 "$RUNS"); do
  d=$(draft)
  read -r status secs < <(upload "$d" MS01)
  [ "$status" = 201 ] || sdp_die "upload answered $status: $(head -c 300 "$TMP/reply.$d")"
  UP+=("$(mibps "$secs")")
  FILE_ID=$(jq -r .id "$TMP/reply.$d")
done
sdp_log "one 20 MiB download at a time, $RUNS runs"
DOWN=()
for i in $(seq 1 "$RUNS"); do
  read -r status secs bytes < <(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' \
    -H "Authorization: Bearer $APPLICANT" "$GW/v1/files/$FILE_ID")
  [ "$status" = 200 ] && [ "$bytes" = "$SIZE" ] || sdp_die "download answered $status with $bytes bytes"
  DOWN+=("$(mibps "$secs")")
done

sdp_log "$CLIENTS clients uploading 20 MiB each at once"
DRAFTS=()
for i in $(seq 1 "$CLIENTS"); do DRAFTS+=("$(draft)"); done
grep -E '^Vm(RSS|HWM)' "/proc/$GW_PID/status" | tr -s ' ' >"$TMP/before"
echo 5 >"/proc/$GW_PID/clear_refs"  # VmHWM from here on
start=$(date +%s.%N)
PIDS=()
for d in "${DRAFTS[@]}"; do
  upload "$d" MS01 >"$TMP/status.$d" &
  PIDS+=($!)
done
wait "${PIDS[@]}"  # the clients only: the stack's services are this shell's children too
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
for d in "${DRAFTS[@]}"; do
  read -r status _ <"$TMP/status.$d"
  [ "$status" = 201 ] || sdp_die "a concurrent upload answered $status: $(head -c 300 "$TMP/reply.$d")"
done
HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$GW_PID/status")
RSS_BEFORE=$(awk '/^VmRSS/ { print $2 }' "$TMP/before")

echo
echo "upload   20 MiB: $(printf '%s\n' "${UP[@]}" | summary)"
echo "download 20 MiB: $(printf '%s\n' "${DOWN[@]}" | summary)"
echo "$CLIENTS concurrent 20 MiB uploads: all 201 in ${elapsed} s ($(awk -v n="$CLIENTS" -v t="$elapsed" 'BEGIN { printf "%.1f", n * 20 / t }') MiB/s together)"
echo "gateway RSS before: $((RSS_BEFORE / 1024)) MiB; peak (VmHWM) during them: $((HWM / 1024)) MiB"
echo "files_upload_mib_s_median=$(printf '%s\n' "${UP[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') files_download_mib_s_median=$(printf '%s\n' "${DOWN[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') gateway_peak_rss_mib=$((HWM / 1024))"
