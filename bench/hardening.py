#!/usr/bin/env python3
"""Reruns the attacks of issue 13 against a running local stack and prints what each got.

  deploy/local/up.sh && bench/hardening.py [--gateway http://127.0.0.1:8080]

Each line: the case, the status (or what the connection did), the time it took. A case fails
(exit 1) on a 5xx, a crash (the gateway stops answering), a reply slower than 1 s, a replay to
another caller, or a service still busy on the CPU after its reply. Nothing here asserts timings of
the platform's normal work; that is bench/run.sh.
"""
import argparse
import base64
import functools
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = os.environ.get("SDP_JWT_PRIVATE_KEY", os.path.join(ROOT, "var/keys/jwt-private.pem"))
ISSUER = os.environ.get("SDP_JWT_ISSUER", "sdp-local")
AUDIENCE = os.environ.get("SDP_JWT_AUDIENCE", "sdp-gateway")
ORG, OTHER_ORG = "91370102MA3C00000B", "91350100M000100Y43"
failures = []


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@functools.lru_cache(maxsize=1)
def kid() -> str:
    der = subprocess.run(["openssl", "pkey", "-in", KEY, "-pubout", "-outform", "DER"], capture_output=True, check=True).stdout
    return hashlib.sha256(der).hexdigest()[:16]


def sign(payload_text: str) -> str:
    """A token over the payload exactly as given (so that odd types and duplicate keys survive)."""
    header = json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid()}, separators=(",", ":"))
    signing_input = b64url(header.encode()) + "." + b64url(payload_text.encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY, "-binary"], input=signing_input.encode(),
                         capture_output=True, check=True).stdout
    return signing_input + "." + b64url(sig)


def claims(**c) -> dict:
    base = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 3600}
    base.update(c)
    return base


def token(**c) -> str:
    return sign(json.dumps(claims(**c)))


def raw(host, port, data: bytes, read_timeout=5.0) -> bytes:
    """What the server answered, b"" when nothing did (refused: the service is down)."""
    try:
        s = socket.create_connection((host, port))
    except ConnectionRefusedError:
        return b""
    s.settimeout(read_timeout)
    out = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    return out


class Client:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port or 80

    def request(self, method, path, body=None, headers=None, token_=None):
        headers = dict(headers or {})
        if token_:
            headers["Authorization"] = "Bearer " + token_
        if body is not None and not isinstance(body, bytes):
            body = body.encode()
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
            headers["Content-Length"] = str(len(body))
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        t0 = time.time()
        reply = raw(self.host, self.port, head.encode() + (body or b""), read_timeout=10)
        ms = (time.time() - t0) * 1000
        status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0
        head_end = reply.find(b"\r\n\r\n")
        hdrs = {}
        for line in reply[:head_end].split(b"\r\n")[1:]:
            k, _, v = line.decode("latin-1").partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return status, hdrs, reply[head_end + 4:], ms


def check(name, status, ms, ok, extra=""):
    bad = status >= 500 or status == 0 or ms > 1000 or not ok
    print(f"{'FAIL' if bad else 'ok  '} {name:<58} {status:>3} {ms:7.1f} ms {extra}")
    if bad:
        failures.append(name)


def service_cpu_seconds(name):
    pid = open(os.path.join(ROOT, "var/run", name + ".pid")).read().strip()
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_after(names, seconds=2.0):
    before = {n: service_cpu_seconds(n) for n in names}
    time.sleep(seconds)
    return {n: round(service_cpu_seconds(n) - before[n], 3) for n in names}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", default=f"http://127.0.0.1:{os.environ.get('SDP_GATEWAY_PORT', '8080')}")
    c = Client(ap.parse_args().gateway)
    applicant = token(sub="attacker-1", role="applicant", org=ORG)
    body = lambda payload: json.dumps({"kind": "morning_star", "region": "370102", "title": "t",
                                       "contact": {"name": "李", "phone": "13800000000"}, "payload": payload})

    # 1. Deep nesting inside payload.
    deep = "[" * 70000 + "]" * 70000
    s, h, b, ms = c.request("POST", "/v1/declarations", body({"criteria": {}}).replace('"criteria": {}', '"x": ' + deep), token_=applicant)
    check("1 payload nested 70,000 deep", s, ms, s == 400, b[:90].decode(errors="replace"))
    # 2. Many unknown keys, to create, preview and a 1 MiB body.
    for n, value in ((5000, {"met": True}), (71000, 0)):  # the second: 71k keys in under 1 MiB
        crit = {f"X{i}": value for i in range(n)}
        payload = {"claimed_level": 1, "criteria": crit}
        text = body(payload)
        s, h, b, ms = c.request("POST", "/v1/declarations", text, token_=applicant)
        check(f"2 create with {n} unknown criteria ({len(text) // 1024} KiB)", s, ms, s == 400)
        text = json.dumps({"kind": "morning_star", "payload": payload})
        s, h, b, ms = c.request("POST", "/v1/scoring/preview", text, token_=applicant)
        check(f"2 preview with {n} unknown criteria ({len(text) // 1024} KiB)", s, ms, s == 400)
    busy = idle_after(["gateway", "workflow", "scoring"])
    busy_ok = all(v < 0.2 for v in busy.values())
    check("2 CPU seconds used in the 2 s after those replies", 200 if busy_ok else 0, 0, busy_ok, json.dumps(busy))
    # 3. Idempotency-Key across callers with the same sub.
    key = "repro-" + str(time.time())
    mine = token(sub="same-sub", role="applicant", org=ORG)
    theirs = token(sub="same-sub", role="applicant", org=OTHER_ORG)
    good = body({"claimed_level": 1, "criteria": {}})
    s1, h1, b1, _ = c.request("POST", "/v1/declarations", good, {"Idempotency-Key": key}, token_=mine)
    s2, h2, b2, ms = c.request("POST", "/v1/declarations", good, {"Idempotency-Key": key}, token_=theirs)
    replayed = s1 == 201 and s2 == 201 and json.loads(b1)["id"] == json.loads(b2)["id"]
    check("3 same sub and key, another org", s2, ms, s2 == 201 and not replayed, "replayed!" if replayed else "")
    # 5. Metrics labels.
    c.request("X" * 4000, "/v1/declarations")
    s, h, b, ms = c.request("GET", "/metrics")
    check("5 /metrics after a 4 KB method", s, ms, b"XXXXXXXX" not in b)
    # 6. Transfer-Encoding smuggling.
    for te in ("gzip", "xchunked", "chunked, identity"):
        t0 = time.time()
        reply = raw(c.host, c.port, f"POST /v1/catalogs/regions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\n\r\n"
                    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status = int(reply.split(b" ", 2)[1]) if reply else 0
        check(f"6 Transfer-Encoding: {te}", status if status != 501 else 400, (time.time() - t0) * 1000,
              status in (400, 501) and reply.count(b"HTTP/1.1") == 1)
    # 7. Claims of the wrong type and duplicates.
    for name, text in (("role an array", json.dumps(claims(sub="u", role=["admin"]))),
                       ("sub a number", json.dumps(claims(sub=7, role="admin"))),
                       ("role duplicated", json.dumps(claims(sub="u", role="applicant", org=ORG))[:-1] + ',"role":"admin"}')):
        s, h, b, ms = c.request("GET", "/v1/declarations", token_=sign(text))
        check(f"7 token with {name}", s, ms, s == 401)
    s, h, b, ms = c.request("POST", "/v1/declarations", good[:-1] + ', "kind": "industry_brain"}', token_=applicant)
    check("7 body with a duplicated key", s, ms, s == 400)
    # 9. Headers.
    s, h, b, ms = c.request("GET", "/v1/declarations", token_=applicant)
    check("9 Cache-Control and nosniff on an API answer", s, ms,
          h.get("cache-control") == "no-store" and h.get("x-content-type-options") == "nosniff")
    # 10. 2 MiB body, sent whole before reading.
    t0 = time.time()
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    reply = raw(c.host, c.port, f"POST /v1/declarations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {applicant}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(big)}\r\n\r\n".encode() + big)
    check("10 a 2 MiB body", 413 if reply.startswith(b"HTTP/1.1 413") else 0, (time.time() - t0) * 1000,
          reply.startswith(b"HTTP/1.1 413"))
    # 11. A draft is the applicant's alone.
    draft = json.loads(b1)["id"]
    county = token(sub="county-370102", role="reviewer", tier="county", region="370102")
    s, h, b, ms = c.request("GET", "/v1/declarations/" + draft, token_=county)
    check("11 a county reviewer opens a draft", s, ms, s == 404)
    s, h, b, ms = c.request("GET", "/v1/declarations?limit=100", token_=county)
    check("11 a county reviewer's list", s, ms, s == 200 and draft not in b.decode())
    # 15. Plain Chinese.
    s, h, b, ms = c.request("PUT", "/v1/declarations/" + json.loads(b1)["id"], json.dumps({"kind": "x"}),
                            {"If-Match": '"1"', "Accept-Language": "zh-CN,zh;q=0.9"}, token_=mine)
    text = b.decode(errors="replace")
    check("15 an unknown field, in Chinese", s, ms, s == 400 and "未知字段" in text and "constraint" not in text,
          json.loads(b).get("errors", [{}])[0].get("message", ""))
    for name in ("gateway", "workflow", "scoring", "notify"):
        pid = open(os.path.join(ROOT, "var/run", name + ".pid")).read().strip()
        rss = next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS"))
        print(f"     16 {name} RSS now {int(rss) // 1024} MB")
    print(f"\n{len(failures)} of the cases failed" + (": " + ", ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
