#!/usr/bin/env bash
# Checks deploy/systemd (CTest: systemd_units, label unit): `systemd-analyze verify` of every
# unit and the target, which must print nothing (it only warns, exit 0, on an unknown key or a
# bad value), and ../settings_check.py: every SDP_* setting of the env examples and the units is
# one the service reads, and none it requires is missing. verify insists that ExecStart exists,
# so it reads copies whose /opt/sdp/bin/ points at stand-ins; the hardening's effect at run time
# is not checked. Exits 77 (CTest's skip) when systemd-analyze is missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze (Debian: apt-get install systemd)"; exit 77; }
T=$(mktemp -d /tmp/sdp-systemd-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/units"
for svc in gateway workflow scoring notify; do
  printf '#!/bin/sh\n' >"$T/bin/sdp-$svc"
  chmod +x "$T/bin/sdp-$svc"
done
for f in "$HERE"/*.service "$HERE"/*.target; do
  sed "s#/opt/sdp/bin/#$T/bin/#" "$f" >"$T/units/$(basename "$f")"
done
fail=0
echo "== systemd-analyze verify"
out=$(systemd-analyze verify "$T"/units/* 2>&1) || fail=1
if [ -n "$out" ] || [ $fail = 1 ]; then
  echo "FAIL:"; echo "${out//$T\/units\//deploy/systemd/}"; fail=1
else
  echo "ok: $(ls "$T/units" | tr '\n' ' ')"
fi
echo "== settings_check.py systemd"
if command -v /usr/bin/python3 >/dev/null; then
  /usr/bin/python3 "$HERE/../settings_check.py" systemd "$HERE" && echo "ok: settings" || fail=1
fi
[ $fail = 0 ] && echo "deploy/systemd: all checks passed"
exit $fail
