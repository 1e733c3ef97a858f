#!/usr/bin/env python3
"""A loopback stand-in for the Hugging Face Hub, for the command-line tests of `clicky models`.

Usage: hub_server.py ROOT LOG.jsonl [--gated org/name] [--cut-first N] [--corrupt] [--delay S]
ROOT holds repositories as folders: ROOT/org/name/<files>. It answers the way the Hub does
(shared/docs/protocols.md §4, the hf-*.http fixtures):
  HEAD/GET /{org}/{name}/resolve/{revision}/{path}
      -> 302 to http://{host}/cdn/{sha256} with X-Repo-Commit, X-Linked-Etag (the sha256), X-Linked-Size
      -> 404 X-Error-Code: EntryNotFound (with X-Repo-Commit) for a missing file
      -> 401 X-Error-Code: RepoNotFound for a missing repository
      -> 401 / 403 X-Error-Code: GatedRepo for --gated without / with an Authorization header
  GET /cdn/{sha256} with optional Range: bytes=N- -> 200 or 206 + Content-Range
--cut-first N closes the first CDN transfer after N bytes; --corrupt serves flipped bytes;
--delay S sleeps S seconds after each 64 KiB piece (a slow network).
Every request is logged as a JSON line {"method","path","headers"}. The port is printed first.
"""
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

root, log_path = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
gated = args[args.index("--gated") + 1] if "--gated" in args else None
cut_first = int(args[args.index("--cut-first") + 1]) if "--cut-first" in args else None
corrupt = "--corrupt" in args
delay = float(args[args.index("--delay") + 1]) if "--delay" in args else 0.0
COMMIT = "0cb88a4f764b7a12671c53f0838cd831a0843b95"
lock = threading.Lock()
state = {"cdn_gets": 0}
by_sha = {}
for folder, _, names in os.walk(root):
    for name in names:
        full = os.path.join(folder, name)
        by_sha[hashlib.sha256(open(full, "rb").read()).hexdigest()] = full


class Hub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body=b""):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def handle_one(self):
        with lock, open(log_path, "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
        parts = self.path.split("?")[0].split("/")
        if len(parts) >= 3 and parts[1] == "cdn":
            return self.cdn(parts[2])
        if len(parts) < 6 or parts[3] != "resolve":
            return self.reply(404, {"X-Error-Code": "RepoNotFound"})
        repo, path = parts[1] + "/" + parts[2], "/".join(parts[5:])
        if gated == repo:
            has_token = "authorization" in {k.lower() for k in self.headers.keys()}
            message = "Access to model %s is restricted" % repo
            return self.reply(403 if has_token else 401, {"X-Error-Code": "GatedRepo", "X-Error-Message": message})
        folder = os.path.join(root, repo)
        if not os.path.isdir(folder):
            return self.reply(401, {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})
        full = os.path.join(folder, path)
        if not os.path.isfile(full):
            return self.reply(404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT,
                                    "X-Error-Message": "Entry not found"})
        data = open(full, "rb").read()
        sha = hashlib.sha256(data).hexdigest()
        # The LFS answer: an absolute address on the "CDN" (here the same server), as the Hub gives.
        cdn = "http://%s/cdn/%s" % (self.headers.get("Host"), sha)
        return self.reply(302, {"Location": cdn, "X-Repo-Commit": COMMIT, "ETag": '"%s"' % sha[:40],
                                "X-Linked-Etag": '"%s"' % sha, "X-Linked-Size": str(len(data)),
                                "Accept-Ranges": "bytes"}, b"Found")

    def cdn(self, sha):
        if sha not in by_sha:
            return self.reply(404, {})
        data = open(by_sha[sha], "rb").read()
        if corrupt:
            data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]
        start = 0
        header = self.headers.get("Range")
        if header and header.startswith("bytes=") and header.endswith("-"):
            start = int(header[6:-1])
        body = data[start:]
        with lock:
            state["cdn_gets"] += 1
            first = state["cdn_gets"] == 1
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(body)), "Connection": "close"}
        status = 200
        if start:
            status = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        limit = cut_first if (first and cut_first is not None) else len(body)
        for offset in range(0, min(limit, len(body)), 1 << 16):
            self.wfile.write(body[offset:min(offset + (1 << 16), limit)])
            self.wfile.flush()
            if delay:
                time.sleep(delay)
        self.close_connection = True

    do_GET = do_HEAD = handle_one


server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
print(server.server_address[1], flush=True)
server.serve_forever()
