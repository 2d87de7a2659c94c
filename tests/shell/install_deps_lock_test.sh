#!/usr/bin/env bash
# sdp_install_deps while another apt or dpkg holds its lock: it says so once, waits, then installs.
# A real apt-get and dpkg run against a private package root (APT_CONFIG, DPKG_ADMINDIR: lists,
# cache, dpkg database and install root in a temporary folder, one empty package in a local
# repository), so the machine's own packages are never touched. The lock is held the way apt and
# dpkg hold it (an fcntl write lock) by a helper process for a few seconds.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (apt-get install)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3 to hold a lock"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/sdp-apt-lock.XXXXXX)
HOLDER=""
cleanup() { [ -z "$HOLDER" ] || kill "$HOLDER" 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT

# The private package root and a local repository with one empty package.
mkdir -p "$T"/{lists/partial,cache/archives/partial,log,root,repo,pkg/DEBIAN,etc/apt.conf.d,etc/sources.list.d,etc/preferences.d}
cat >"$T/pkg/DEBIAN/control" <<CONTROL
Package: sdp-lock-probe
Version: 1.0
Architecture: all
Maintainer: sdp <dev@sdp.local>
Description: an empty package for the apt lock test
CONTROL
dpkg-deb --build -Zgzip "$T/pkg" "$T/repo/sdp-lock-probe_1.0_all.deb" >/dev/null
deb="$T/repo/sdp-lock-probe_1.0_all.deb"
{ cat "$T/pkg/DEBIAN/control"
  echo "Filename: ./sdp-lock-probe_1.0_all.deb"
  echo "Size: $(stat -c %s "$deb")"
  echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"; } >"$T/repo/Packages"
echo "deb [trusted=yes] file:$T/repo ./" >"$T/etc/sources.list"
cat >"$T/apt.conf" <<CONF
Dir::Etc::parts "$T/etc/apt.conf.d";
Dir::Etc::sourcelist "$T/etc/sources.list";
Dir::Etc::sourceparts "$T/etc/sources.list.d";
Dir::Etc::preferencesparts "$T/etc/preferences.d";
Dir::State "$T/state";
Dir::State::lists "$T/lists";
Dir::State::status "$T/dpkg/status";
Dir::Cache "$T/cache";
Dir::Log "$T/log";
APT::Sandbox::User "root";  // the temporary folder is not readable by _apt
DPkg::Options { "--admindir=$T/dpkg"; "--instdir=$T/root"; "--log=$T/log/dpkg.log"; };
CONF
fresh_dpkg() { rm -rf "$T/dpkg"; mkdir -p "$T/dpkg/updates" "$T/dpkg/info"; : >"$T/dpkg/status"; }
export APT_CONFIG="$T/apt.conf" DPKG_ADMINDIR="$T/dpkg"

source "$HERE/../../deploy/local/lib.sh"
SDP_PACKAGES=()  # only the probe; the project's own packages are the machine's business
if ! command -v npm >/dev/null; then mkdir -p "$T/bin"; printf '#!/bin/sh\n' >"$T/bin/npm"; chmod +x "$T/bin/npm"; PATH="$T/bin:$PATH"; fi

# Holds an fcntl write lock on $1 for $2 seconds in the background; returns once it is held.
hold_lock() {
  rm -f "$T/held"
  python3 - "$1" "$2" "$T/held" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
PY
  HOLDER=$!
  for _ in $(seq 1 100); do [ -f "$T/held" ] && return 0; sleep 0.05; done
  echo "FAIL: the helper never held $1"; exit 1
}

failures=0
# The lists lock is what a running `apt-get update` holds (and apt's DPkg::Lock::Timeout does not
# cover it); the dpkg frontend lock is what a running `apt-get install` or unattended-upgrades holds.
for lock in "$T/lists/lock" "$T/dpkg/lock-frontend"; do
  fresh_dpkg
  hold_lock "$lock" 3
  start=$SECONDS
  set +e
  out=$(sdp_install_deps sdp-lock-probe 2>&1)
  rc=$?
  set -e
  waited=$((SECONDS - start))
  wait "$HOLDER" 2>/dev/null || true
  HOLDER=""
  said=$(grep -c "waiting for another apt/dpkg to finish" <<<"$out" || true)
  installed=$(dpkg-query -W -f='${Status}' sdp-lock-probe 2>/dev/null || true)
  echo "lock ${lock#"$T"/}: exit $rc after ${waited}s, said it waits $said time(s), probe: ${installed:-not installed}"
  if [ "$rc" -ne 0 ] || [ "$said" -ne 1 ] || [ "$waited" -lt 2 ] || [ "$installed" != "install ok installed" ]; then
    echo "FAIL: expected exit 0 after waiting about 3s, one waiting message, the probe installed; output:"
    sed 's/^/  | /' <<<"$out"
    failures=$((failures + 1))
  fi
done
# Nothing held and nothing missing: no apt-get at all, and no message.
out=$(sdp_install_deps sdp-lock-probe 2>&1)
[ -z "$out" ] || { echo "FAIL: with everything installed it printed: $out"; failures=$((failures + 1)); }
[ "$failures" -eq 0 ] && echo "PASS"
exit "$failures"
