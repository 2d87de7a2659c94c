#!/usr/bin/python3
"""Checks that deploy/k8s and deploy/systemd set only SDP_* settings the services read, and every
one they require, so that the manifests cannot drift from the code silently.

What a service reads is taken from the sources: the Setting rows of common/src/service.cpp
(every service) and of <service>/src/<service>_service.cpp, each `{"SDP_NAME", …}`; a row marked
secret (its last field `true`) may also be given as SDP_NAME_FILE; SDP_CONFIG_FILE is read by
common/src/config.cpp. A row whose default is std::nullopt is required.

  settings_check.py k8s BUILT.yaml     (kubectl kustomize deploy/k8s's output)
  settings_check.py systemd DIR        (DIR/<service>.env.example and DIR/sdp-<service>.service)
Prints one line per problem and exits 1 when there is any.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVICES = ("gateway", "workflow", "scoring", "notify")
# Beyond what a service declares, what a deployment must set: listening beyond loopback, and the
# three-node cluster of CONTRACT §10.
K8S_REQUIRED = {"SDP_HTTP_ADDRESS", "SDP_NATS_URL", "SDP_NATS_REPLICAS", "SDP_DB_HOST"}


def declared(path):
    """{name: (secret, required)} of the Setting rows in one source file."""
    text = path.read_text(encoding="utf-8")
    starts = [m for m in re.finditer(r'\{"(SDP_[A-Z0-9_]+)",', text)]
    out = {}
    for i, m in enumerate(starts):
        row = text[m.start():starts[i + 1].start() if i + 1 < len(starts) else len(text)]
        # The row's fields: name, description (one or more string literals), default, check, [secret].
        required = re.match(r'\{"\w+",\s*(?:"(?:[^"\\]|\\.)*"\s*)+,\s*std::nullopt', row) is not None
        out[m.group(1)] = (re.search(r",\s*true\}", row) is not None, required)
    return out


def readable():
    """{service: {name: (secret, required)}}, with NAME_FILE for the secret ones."""
    common = declared(ROOT / "common/src/service.cpp")
    if "SDP_CONFIG_FILE" in (ROOT / "common/src/config.cpp").read_text(encoding="utf-8"):
        common["SDP_CONFIG_FILE"] = (False, False)
    result = {}
    for svc in SERVICES:
        names = dict(common)
        names.update(declared(ROOT / svc / "src" / f"{svc}_service.cpp"))
        for name, (secret, _) in list(names.items()):
            if secret:
                names[name + "_FILE"] = (False, False)
        result[svc] = names
    return result


def check(where, svc, settings, problems, extra_required=()):
    known = readable()[svc]
    for name in sorted(settings):
        if name.startswith("SDP_") and name not in known:
            problems.append(f"{where}: {name} is read by no setting of {svc}")
    for name, (_, required) in sorted(known.items()):
        if (required or name in extra_required) and name not in settings and name + "_FILE" not in settings:
            problems.append(f"{where}: {svc} needs {name} (or {name}_FILE), which is not set")


def check_k8s(built, problems):
    import yaml  # python3-yaml, a dependency of python3-kubernetes
    docs = [d for d in yaml.safe_load_all(pathlib.Path(built).read_text(encoding="utf-8")) if d]
    config_maps = {d["metadata"]["name"]: d.get("data") or {} for d in docs if d["kind"] == "ConfigMap"}
    seen = set()
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        for c in d["spec"]["template"]["spec"]["containers"]:
            svc = c["name"]
            if svc not in SERVICES:
                problems.append(f"Deployment {d['metadata']['name']}: container {svc} is no service")
                continue
            seen.add(svc)
            settings = {e["name"]: e.get("value") for e in c.get("env", [])}
            for ref in c.get("envFrom", []):
                name = ref.get("configMapRef", {}).get("name")
                if name not in config_maps:
                    problems.append(f"Deployment {svc}: envFrom names ConfigMap {name}, which is not in the manifests")
                    continue
                for key, value in config_maps[name].items():
                    settings.setdefault(key, value)
            where = f"Deployment {svc}"
            check(where, svc, settings, problems, K8S_REQUIRED)
            urls = (settings.get("SDP_NATS_URL") or "").split(",")
            if len(urls) != 3:
                problems.append(f"{where}: SDP_NATS_URL lists {len(urls)} NATS servers, not the 3 pods")
            if settings.get("SDP_NATS_REPLICAS") != "3":
                problems.append(f"{where}: SDP_NATS_REPLICAS is not 3")
    for svc in set(SERVICES) - seen:
        problems.append(f"no Deployment runs {svc}")
    # Every ConfigMap key that looks like a setting must be read by some service.
    anyone = set().union(*readable().values())
    for name, data in config_maps.items():
        for key in data:
            if key.startswith("SDP_") and key not in anyone:
                problems.append(f"ConfigMap {name}: {key} is read by no service")


def env_file(path):
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def check_systemd(folder, problems):
    folder = pathlib.Path(folder).resolve()
    for svc in SERVICES:
        env = folder / f"{svc}.env.example"
        unit = folder / f"sdp-{svc}.service"
        if not env.is_file() or not unit.is_file():
            problems.append(f"{folder}: {env.name} or {unit.name} is missing")
            continue
        settings = env_file(env)
        # The unit's own Environment= lines (the credentials' paths).
        for m in re.finditer(r"^Environment=(SDP_[A-Z0-9_]+)=", unit.read_text(encoding="utf-8"), re.M):
            settings[m.group(1)] = ""
        check(str(env.relative_to(ROOT)) + " and " + unit.name, svc, settings, problems,
              {"SDP_NATS_URL", "SDP_DB_HOST", "SDP_SCHEMAS_DIR"})


def main():
    problems = []
    if len(sys.argv) != 3 or sys.argv[1] not in ("k8s", "systemd"):
        sys.exit(__doc__)
    (check_k8s if sys.argv[1] == "k8s" else check_systemd)(sys.argv[2], problems)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
