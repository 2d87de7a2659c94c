#!/usr/bin/python3
"""The fault tests' hands on JetStream, over the NATS text protocol (the standard library only:
Debian's python3 has no NATS client). What the platform's services never do, a fault test does:

  jetstream.py URL find STREAM TEXT        seq and Nats-Msg-Id of every message whose data holds TEXT
  jetstream.py URL get STREAM SEQ FILE     the data of message SEQ into FILE (its headers on stdout)
  jetstream.py URL delete STREAM SEQ       removes message SEQ from the stream
  jetstream.py URL publish SUBJECT MSGID FILE   publishes FILE's bytes with that Nats-Msg-Id; prints the ack
  jetstream.py URL consumer STREAM NAME    the consumer's info (num_pending, num_ack_pending, …) as JSON
  jetstream.py URL stream STREAM           the stream's info as JSON

URL is nats://host:port. A JetStream error answer exits 1 with it on stderr.
"""
import base64
import json
import socket
import sys
import uuid


class Nats:
    def __init__(self, url):
        host, port = url.removeprefix("nats://").split(",")[0].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.buf = b""
        self._line()  # INFO
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,'
                          b'"protocol":1}\r\nPING\r\n')
        while self._line() != b"PONG":
            pass
        self.inbox = "_INBOX." + uuid.uuid4().hex
        self.sock.sendall(f"SUB {self.inbox} 1\r\n".encode())

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("nats-server closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        if line.startswith(b"-ERR"):
            raise ConnectionError(line.decode())
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def request(self, subject, payload=b"", headers=None):
        """Sends and waits for the one reply: (headers dict, data bytes)."""
        if headers:
            head = ("NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
            self.sock.sendall(f"HPUB {subject} {self.inbox} {len(head)} {len(head) + len(payload)}\r\n".encode()
                              + head + payload + b"\r\n")
        else:
            self.sock.sendall(f"PUB {subject} {self.inbox} {len(payload)}\r\n".encode() + payload + b"\r\n")
        while True:
            line = self._line()
            if line == b"PING":
                self.sock.sendall(b"PONG\r\n")
                continue
            parts = line.split()
            if parts[0] == b"MSG":
                return {}, self._bytes(int(parts[-1]))
            if parts[0] == b"HMSG":
                raw = self._bytes(int(parts[-1]))
                hlen = int(parts[-2])
                status = raw[:hlen].split(b"\r\n", 1)[0].decode()
                if "503" in status:
                    raise ConnectionError(f"no responders for {subject}")
                return {"status": status}, raw[hlen:]

    def api(self, subject, body=None):
        _, data = self.request(subject, json.dumps(body).encode() if body is not None else b"")
        answer = json.loads(data)
        if "error" in answer:
            sys.exit(f"{subject}: {answer['error']}")
        return answer


def main(argv):
    nats, verb, args = Nats(argv[1]), argv[2], argv[3:]
    if verb == "stream":
        print(json.dumps(nats.api(f"$JS.API.STREAM.INFO.{args[0]}")))
    elif verb == "consumer":
        print(json.dumps(nats.api(f"$JS.API.CONSUMER.INFO.{args[0]}.{args[1]}")))
    elif verb == "find":
        stream, text = args[0], args[1].encode()
        state = nats.api(f"$JS.API.STREAM.INFO.{stream}")["state"]
        for seq in range(state["first_seq"], state["last_seq"] + 1):
            _, data = nats.request(f"$JS.API.STREAM.MSG.GET.{stream}", json.dumps({"seq": seq}).encode())
            msg = json.loads(data).get("message")
            if not msg:
                continue  # deleted
            body = base64.b64decode(msg.get("data", ""))
            if text in body:
                head = base64.b64decode(msg.get("hdrs", "")).decode()
                msg_id = next((h.split(":", 1)[1].strip() for h in head.split("\r\n") if h.lower().startswith("nats-msg-id:")), "")
                print(seq, msg_id, msg["subject"])
    elif verb == "get":
        msg = nats.api(f"$JS.API.STREAM.MSG.GET.{args[0]}", {"seq": int(args[1])})["message"]
        with open(args[2], "wb") as f:
            f.write(base64.b64decode(msg.get("data", "")))
        print(base64.b64decode(msg.get("hdrs", "")).decode(), end="")
    elif verb == "delete":
        print(json.dumps(nats.api(f"$JS.API.STREAM.MSG.DELETE.{args[0]}", {"seq": int(args[1]), "no_erase": True})))
    elif verb == "publish":
        with open(args[2], "rb") as f:
            payload = f.read()
        _, ack = nats.request(args[0], payload, {"Nats-Msg-Id": args[1]})
        answer = json.loads(ack)
        if "error" in answer:
            sys.exit(f"publish {args[0]}: {answer['error']}")
        print(json.dumps(answer))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
