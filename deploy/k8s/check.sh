#!/usr/bin/env bash
# Checks deploy/k8s without a cluster (CTest: k8s_manifests, label unit). What it checks:
#  1. `kubectl kustomize deploy/k8s` builds (every file parses, kustomization.yaml holds).
#  2. `kubectl apply --dry-run=client --validate=false` of the built stream and of each file
#     alone. Debian 12's kubectl (kubernetes-client 1.20) asks a server for its discovery even in
#     a client dry run, so it talks to api_stub.py on loopback, which knows the built-in kinds of
#     Kubernetes >= 1.25 and no object: each must map to a kind and version that exist.
#  3. schema_check.py: each object's fields and types against python3-kubernetes' API models
#     (what --validate would do with a server's OpenAPI document).
#  4. ../settings_check.py: every SDP_* setting the Deployments get is one the service reads, and
#     none it requires is missing (the sources are the list).
# What it cannot check: admission on a real cluster (Pod Security "restricted", quotas, storage
# classes), that the Secrets exist, that the images exist, and anything at run time.
# Exits 77 (CTest's skip) when kubectl or python3-kubernetes is missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
command -v kubectl >/dev/null || { echo "SKIP: no kubectl (Debian: apt-get install kubernetes-client)"; exit 77; }
/usr/bin/python3 -c 'import kubernetes, yaml' 2>/dev/null ||
  { echo "SKIP: no python3-kubernetes (apt-get install python3-kubernetes)"; exit 77; }

T=$(mktemp -d /tmp/sdp-k8s-check.XXXXXX)
STUB=""
cleanup() { [ -z "$STUB" ] || kill "$STUB" 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
# Nothing of the caller's kubeconfig: no real cluster is ever asked.
export KUBECONFIG="$T/kubeconfig"
printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$KUBECONFIG"

fail=0
echo "== kubectl kustomize deploy/k8s"
kubectl kustomize "$HERE" >"$T/built.yaml"
echo "$(grep -c '^kind:' "$T/built.yaml") objects"

/usr/bin/python3 "$HERE/api_stub.py" >"$T/port" &
STUB=$!
for _ in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { echo "api_stub.py did not start"; exit 1; }
cat >"$KUBECONFIG" <<CONF
apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: "http://127.0.0.1:$(cat "$T/port")"}}]
contexts: [{name: stub, context: {cluster: stub, namespace: sdp}}]
current-context: stub
users: [{name: stub, user: {}}]
CONF

# kubectl prints "unable to recognize" for an unknown kind but may still exit 0: any line that is
# not "… created (dry run)" is a failure.
dry_run() {
  local what=$1 file=$2 out
  out=$(kubectl apply --dry-run=client --validate=false -f "$file" 2>&1) || true
  if grep -qv ' created (dry run)$' <<<"$out"; then
    echo "FAIL: kubectl apply --dry-run=client $what:"; echo "$out"; fail=1
  else
    echo "ok: $what ($(wc -l <<<"$out") objects)"
  fi
}
echo "== kubectl apply --dry-run=client"
dry_run "the built stream" "$T/built.yaml"
for f in "$HERE"/*.yaml; do
  [ "$(basename "$f")" = kustomization.yaml ] && continue
  dry_run "$(basename "$f")" "$f"
done

echo "== schema_check.py"
/usr/bin/python3 "$HERE/schema_check.py" "$T/built.yaml" || fail=1
echo "== settings_check.py k8s"
/usr/bin/python3 "$HERE/../settings_check.py" k8s "$T/built.yaml" && echo "ok: settings" || fail=1

[ $fail = 0 ] && echo "deploy/k8s: all checks passed"
exit $fail
