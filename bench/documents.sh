#!/usr/bin/env bash
# The 申报书 (issue 19): how long the gateway takes to render a full 72-item declaration with its
# files listed (each first download renders; the gateway's log says how long the document thread
# took), the PDF's size and pages; and whether rendering stalls other requests — the latency of
# GET /v1/declarations/{id} (wrk, 4 connections) alone, then while 4 clients download PDFs that
# are not cached yet. A benchmark, not a test: it prints figures and fails only if a request does.
#   bench/documents.sh            its own private stack (as bench/run.sh starts it), 60 declarations
#   bench/documents.sh --quick    24 declarations
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"

N=60
if [ "${1:-}" = "--quick" ]; then N=24; fi

sdp_install_deps
sdp_build >/dev/null
TMP=$(mktemp -d /tmp/sdp-bench-documents.XXXXXX)
VAR="$TMP/var"
cleanup() { sdp_stack_stop "$VAR"; [ -n "${DOCUMENTS_KEEP:-}" ] || rm -rf "$TMP"; }  # DOCUMENTS_KEEP=1: keep it
trap cleanup EXIT
sdp_log "private stack in $TMP"
sdp_stack_start "$VAR" --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 -- SDP_LOG_LEVEL=info
GW=$STACK_URL

token() { SDP_JWT_PRIVATE_KEY="$VAR/keys/jwt-private.pem" "$SDP_ROOT/deploy/local/token.sh" "$@"; }
APPLICANT=$(token --role applicant --org 91370102MA3C00000B)
ROUND=$(curl -sf -H "Authorization: Bearer $APPLICANT" "$GW/v1/rounds?kind=morning_star" | jq -r '.items[0].id')

# A complete declaration: every item claimed, a sentence of evidence on each and a long one on MS10.
jq -n --arg round "$ROUND" --slurpfile cat "$SDP_ROOT/schemas/catalogs/morning_star.json" '
  {round: $round, region: "370102", title: "申报书基准", org_name: "历下区某智能装备有限公司",
   contact: {name: "李工", phone: "13800000000"},
   payload: {claimed_level: 3, criteria: ($cat[0].criteria | map({key: .id, value: {met: true,
     evidence: ("已建成" + .name + "相关系统，运行记录、验收报告与现场照片见附件。" +
                (if .id == "MS10" then ([range(0; 300)] | map("生产数据实时采集，") | join("")) else "" end))}})
     | from_entries)}}' >"$TMP/declaration.json"
printf '%%PDF-1.4\n%% evidence\n%%%%EOF\n' >"$TMP/evidence.pdf"

sdp_log "creating $N declarations with 12 files each, submitted"
IDS=()
for _ in $(seq 1 "$N"); do
  id=$(curl -sf -X POST "$GW/v1/declarations" -H "Authorization: Bearer $APPLICANT" \
    -H 'Content-Type: application/json' --data-binary @"$TMP/declaration.json" | jq -r .id)
  for item in MS01 MS04 MS07 MS10 MS13 MS20 MS28 MS33 MS40 MS52 MS61 MS72; do
    curl -sf -o /dev/null -X POST "$GW/v1/declarations/$id/files?item=$item" -H "Authorization: Bearer $APPLICANT" \
      -H 'Content-Type: application/octet-stream' -H "Content-Disposition: attachment; filename=\"$item-验收报告.pdf\"" \
      --data-binary @"$TMP/evidence.pdf"
  done
  curl -sf -o /dev/null -X POST "$GW/v1/declarations/$id/submit" -H "Authorization: Bearer $APPLICANT"
  IDS+=("$id")
done

# The first half, one at a time: each renders once (then it is cached).
HALF=$((N / 2))
for id in "${IDS[@]:0:$HALF}"; do
  curl -sf -o "$TMP/doc.pdf" -H "Authorization: Bearer $APPLICANT" "$GW/v1/declarations/$id/document.pdf"
done
SIZE=$(stat -c %s "$TMP/doc.pdf")
PAGES=$(pdfinfo "$TMP/doc.pdf" | awk '/^Pages:/ {print $2}')
pdftoppm -r 100 -png -f 1 -l 1 "$TMP/doc.pdf" "$SDP_ROOT/build/document-page"
RENDER=$(grep '"申报书 rendered"' "$VAR/log/gateway.log" | jq -s '[.[].ms] | sort | {n: length, min: .[0], median: .[length / 2 | floor], max: .[-1]}')
CACHED=$( (time -p curl -sf -o /dev/null -H "Authorization: Bearer $APPLICANT" \
  "$GW/v1/declarations/${IDS[0]}/document.pdf") 2>&1 | awk '/^real/ {print $2 * 1000}')

# Other requests: alone, then beside 4 clients rendering the second half (uncached).
probe() { wrk -t1 -c4 -d"$1" --latency -H "Authorization: Bearer $APPLICANT" "$GW/v1/declarations/${IDS[0]}"; }
ALONE=$(probe 8s)
(
  for c in 0 1 2 3; do
    for ((i = HALF + c; i < N; i += 4)); do
      curl -sf -o /dev/null -H "Authorization: Bearer $APPLICANT" "$GW/v1/declarations/${IDS[$i]}/document.pdf"
    done &
  done
  wait
) &
RENDERERS=$!
sleep 0.5
BESIDE=$(probe 8s)
wait "$RENDERERS"
BUSY=$(grep -c '"申报书 rendered"' "$VAR/log/gateway.log")

latency() { awk '/Latency Distribution/ {f = 1} f && /50%|99%/ {printf "%s=%s ", $1, $2} /Requests\/sec/ {printf "req/s=%s", $2}'; }
echo "document_pages=$PAGES document_bytes=$SIZE"
echo "render_ms $(echo "$RENDER" | jq -c .)   (the document thread's time, $HALF renders one at a time)"
echo "cached_download_ms=$CACHED"
echo "get_declaration_alone:           $(echo "$ALONE" | latency)"
echo "get_declaration_beside_renders:  $(echo "$BESIDE" | latency)   ($((BUSY - HALF)) PDFs rendered meanwhile by 4 clients)"
echo "first page: build/document-page-01.png"
