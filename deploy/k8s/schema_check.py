#!/usr/bin/python3
"""Checks every object of a manifest stream against the Kubernetes API's types, offline.

kubectl apply --dry-run=client --validate=false (check.sh) ignores a misspelt field (a
`readinesProbe` would just not be there); this walks each object through the model classes of
Debian's python3-kubernetes (generated from the API's OpenAPI schema, 1.22) and reports a field
the type does not have, a value of the wrong type, and a required field left out.
  schema_check.py BUILT.yaml
"""
import re
import sys

import kubernetes.client as k8s
import yaml
from kubernetes.client import ApiClient

PRIMITIVES = {"str": (str, int, float), "int": (int,), "bool": (bool,), "float": (int, float)}


def walk(value, type_name, where, problems):
    if type_name == "object":  # IntOrString and the like: anything
        return
    if m := re.fullmatch(r"list\[(.+)\]", type_name):
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list")
            return
        for i, item in enumerate(value):
            walk(item, m.group(1), f"{where}[{i}]", problems)
        return
    if m := re.fullmatch(r"dict\(str, (.+)\)", type_name):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a map")
            return
        for k, item in value.items():
            walk(item, m.group(1), f"{where}.{k}", problems)
        return
    if type_name in PRIMITIVES:
        # A quantity ("2", 1Gi) is a str in the models and may be a number in YAML; a bool never
        # stands for an int.
        if not isinstance(value, PRIMITIVES[type_name]) or (type_name != "bool" and isinstance(value, bool)):
            problems.append(f"{where}: expected {type_name}, got {value!r}")
        return
    cls = getattr(k8s, type_name)
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a {type_name} object")
        return
    by_json = {json: attr for attr, json in cls.attribute_map.items()}
    for key, item in value.items():
        if key not in by_json:
            problems.append(f"{where}: {type_name} has no field {key!r}")
            continue
        walk(item, cls.openapi_types[by_json[key]], f"{where}.{key}", problems)


def main():
    problems = []
    with open(sys.argv[1], encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    client = ApiClient()
    for d in docs:
        version = d.get("apiVersion", "").split("/")[-1]
        type_name = version.capitalize() + d.get("kind", "")
        where = f"{d.get('kind')} {d.get('metadata', {}).get('name')}"
        if not hasattr(k8s, type_name):
            problems.append(f"{where}: no type {type_name} in the API")
            continue
        walk(d, type_name, where, problems)
        try:  # the models' constructors refuse a required field left out
            client._ApiClient__deserialize(d, type_name)  # pylint: disable=protected-access
        except (ValueError, TypeError) as e:
            problems.append(f"{where}: {e}")
    for p in problems:
        print(p)
    print(f"schema_check: {len(docs)} objects, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
