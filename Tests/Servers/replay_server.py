#!/usr/bin/env python3
"""A loopback HTTP server for the command-line tests: replays recorded replies in order.

Usage: replay_server.py SCRIPT.json LOG.jsonl
SCRIPT is a list of replies {"status": int, "headers": {..}, "body_file": path | null}; the
n-th request gets the n-th reply (the last one repeats). Every request is appended to LOG as
one JSON line {"method", "path", "headers" (lower-case names), "body"}. The chosen port is
printed on the first line of stdout. Bodies are written in small pieces with a flush each, and
the connection is closed after every reply, as a streaming server would.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

script = json.load(open(sys.argv[1]))
log_path = sys.argv[2]
lock = threading.Lock()
count = [0]


class Replay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        with lock:
            reply = script[min(count[0], len(script) - 1)]
            count[0] += 1
            with open(log_path, "a") as log:
                log.write(json.dumps({"method": self.command, "path": self.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body}) + "\n")
        payload = open(reply["body_file"], "rb").read() if reply.get("body_file") else b""
        self.send_response(reply["status"])
        for name, value in reply.get("headers", {}).items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        for start in range(0, len(payload), 7):
            self.wfile.write(payload[start:start + 7])
            self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = do_HEAD = handle_one


server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
print(server.server_address[1], flush=True)
server.serve_forever()
