#!/usr/bin/env bash
# Where the CPU goes in one workload: starts the stack bench/run.sh starts, drives WORKLOAD with
# sdp-loadgen for SECONDS after a warm-up, samples every process of the stack with `perf record`
# (cpu-clock, 999 Hz) meanwhile, and prints each process's CPU ms per operation and its hottest
# symbols (self time). The reports stay in build/profile-WORKLOAD/ (perf report -i … to explore).
#   bench/profile.sh create_submit|lifecycle|get|pending [SECONDS=20] [TOP=25]
# For get and pending the county queue is first loaded to 20,000 (bench/lib.sh), as in bench/run.sh.
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib.sh"

WORKLOAD=${1:?usage: bench/profile.sh WORKLOAD [SECONDS] [TOP]}
SECONDS_OF_LOAD=${2:-20}
TOP=${3:-25}
CONNECTIONS=32
sdp_install_deps linux-perf
sdp_build >/dev/null

TMP=$(mktemp -d /tmp/sdp-profile.XXXXXX)
VAR="$TMP/var"
OUT="$SDP_ROOT/build/profile-$WORKLOAD"
rm -rf "$OUT" && mkdir -p "$OUT"
SERVICES=(workflow scoring notify gateway)
cleanup() { sdp_stack_stop "$VAR"; rm -rf "$TMP"; }
trap cleanup EXIT
sdp_stack_start "$VAR" --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 -- SDP_LOG_LEVEL=warn
GW=$STACK_URL DB_PORT=${STACK_PORT[db]}
source "$SDP_ROOT/bench/lib.sh"
bench_stack_handles
PROCS=("${SERVICES[@]}" mariadb nats)

if [ "$WORKLOAD" = get ] || [ "$WORKLOAD" = pending ]; then bench_fill_county_queue 20000; fi
load() {  # SECONDS
  "$LOADGEN" http --url "$GW" --workload "$WORKLOAD" --connections "$CONNECTIONS" --seconds "$1" \
    --applicant "$A" --county "$C" --city "$CI" --province "$P"
}
sdp_log "warm-up: $WORKLOAD for 5 s"
load 5 >/dev/null
declare -A CPU0
for p in "${PROCS[@]}"; do CPU0[$p]=$(cpu_of "$p"); done
PERFS=()
for p in "${PROCS[@]}"; do
  perf record -e cpu-clock -F 999 -o "$OUT/$p.data" -p "$(cat "${PIDFILE[$p]}")" 2>/dev/null &
  PERFS+=($!)
done
sdp_log "profiling: $WORKLOAD, $CONNECTIONS connections, ${SECONDS_OF_LOAD}s"
RESULT=$(load "$SECONDS_OF_LOAD")
for pid in "${PERFS[@]}"; do kill -INT "$pid"; done
wait "${PERFS[@]}" 2>/dev/null || true
echo "$RESULT" >"$OUT/load.json"
OPS=$(jq -r '.operations | to_entries | map("\(.key) \(.value.per_s | floor)/s p50 \(.value.p50_ms*10|floor/10) ms") | join(", ")' <<<"$RESULT")
# The workload's unit: a create+submit pair, a lifecycle, one GET.
UNIT=$(jq -r --arg w "$WORKLOAD" '.operations[if $w == "create_submit" then "submit" elif $w == "lifecycle" then "lifecycle" elif $w == "get" then "get" else "pending" end].count' <<<"$RESULT")
echo "$WORKLOAD: $OPS"
TOTAL=0
for p in "${PROCS[@]}"; do
  ms=$(echo "scale=3; ($(cpu_of "$p") - ${CPU0[$p]}) * 1000 / $UNIT" | bc)
  TOTAL=$(echo "$TOTAL + $ms" | bc)
  printf '  %-9s %6.3f ms CPU per %s\n' "$p" "$ms" "$WORKLOAD"
done
printf '  %-9s %6.3f ms CPU per %s\n' all "$TOTAL" "$WORKLOAD"
for p in "${PROCS[@]}"; do
  # nlohmann's and libstdc++'s template names shortened, so that a line is readable.
  perf report -i "$OUT/$p.data" --stdio --no-children --sort dso,symbol 2>/dev/null | grep -v '^#' | grep -v '^$' |
    sed -e 's/nlohmann::json_abi_v3_11_2::/nlohmann::/g' -e 's/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/g' \
      -e 's/nlohmann::basic_json<std::map, std::vector, std::string, bool, long, unsigned long, double, std::allocator, nlohmann::adl_serializer, std::vector<unsigned char, std::allocator<unsigned char> > >/json/g' \
      -e 's/std::_Rb_tree<std::string, std::pair<std::string const, json>.*/std::map<std::string, json> (a tree operation)/' -e 's/  */ /g' | cut -c1-180 >"$OUT/$p.txt" || true
  echo "== $p: hottest symbols (self) =="
  head -n "$TOP" "$OUT/$p.txt"
done
