#!/usr/bin/python3
"""A webhook receiver for the fault tests: logs every POST's X-Event-Id and the status it answered
(one line each, appended to LOG), answering 503 while the file FAIL exists and 204 otherwise, so
that a test can make the receiver fail and recover without restarting it.

  hook_receiver.py PORT LOG FAIL
"""
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG, FAIL = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = 503 if os.path.exists(FAIL) else 204
        with lock, open(LOG, "a") as log:
            log.write(f"{self.headers.get('X-Event-Id', '-')} {status}\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Hook).serve_forever()
