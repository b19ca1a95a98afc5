#!/usr/bin/env python3
"""`faultline serve` on loopback (label unit, well under a second of its own).

Starts `faultline serve --port 0` on a throwaway store, then: GET / is the store's
index.html; a run's files come with their content types; a directory without an index
gets an escaped listing; paths out of the store (.., %2e%2e, a symlink out) are refused
with 403/404, never served; a foreign Host header is refused; SIGTERM stops it (exit 0).
Usage: serve_test.py FAULTLINE_BINARY
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile


def request(port, path, host="127.0.0.1", method="GET"):
    """Raw HTTP/1.1 so the path goes out exactly as written (no client normalising it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    return status, headers, body


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAIL: {what}")


def main():
    binary = sys.argv[1]
    root = tempfile.mkdtemp(prefix="fl-serve-test-")
    server = None
    try:
        store = os.path.join(root, "store")
        run = os.path.join(store, "raft-register", "20261202T050822.086Z")
        os.makedirs(os.path.join(run, "n1"))
        with open(os.path.join(store, "index.html"), "w") as f:
            f.write("<!DOCTYPE html><title>faultline runs</title>")
        with open(os.path.join(run, "results.json"), "w") as f:
            json.dump({"verdict": "valid"}, f)
        with open(os.path.join(run, "history.jsonl"), "w") as f:
            f.write('{"index":0}\n')
        with open(os.path.join(run, "n1", "raft.log"), "w") as f:
            f.write("log line\n")
        with open(os.path.join(run, "n1", "<b>x.svg"), "w") as f:
            f.write("<svg xmlns='http://www.w3.org/2000/svg'/>")
        with open(os.path.join(root, "secret.txt"), "w") as f:
            f.write("secret\n")
        os.symlink(os.path.join(root, "secret.txt"), os.path.join(store, "escape.txt"))

        server = subprocess.Popen([binary, "serve", "--store", store, "--port", "0"],
                                  stdout=subprocess.PIPE, text=True)
        line = server.stdout.readline()
        check(line.startswith("serving ") and "http://127.0.0.1:" in line, f"startup line: {line!r}")
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])

        status, headers, body = request(port, "/")
        check(status == 200 and b"faultline runs" in body, f"GET / -> {status}")
        check(headers["content-type"].startswith("text/html"), "index content type")

        base = "/raft-register/20261202T050822.086Z/"
        for path, ctype in [("results.json", "application/json"),
                            ("history.jsonl", "application/x-ndjson"),
                            ("n1/raft.log", "text/plain"),
                            ("n1/%3Cb%3Ex.svg", "image/svg+xml")]:
            status, headers, body = request(port, base + path)
            check(status == 200, f"GET {path} -> {status}")
            check(headers["content-type"].startswith(ctype), f"{path}: {headers['content-type']}")
            check(headers.get("x-content-type-options") == "nosniff", f"{path}: nosniff")
        status, headers, body = request(port, base + "results.json", method="HEAD")
        check(status == 200 and body == b"" and headers["content-length"] == str(len('{"verdict": "valid"}')),
              f"HEAD -> {status} {headers}")

        status, headers, body = request(port, base + "n1/")
        check(status == 200 and b"raft.log" in body, f"listing -> {status}")
        check(b"<b>" not in body and b"&lt;b&gt;x.svg" in body, "listing escapes names")
        status, headers, _ = request(port, base + "n1")
        check(status == 301 and headers["location"].endswith("/n1/"), f"directory without slash -> {status}")

        for path in ["/../etc/passwd", "/%2e%2e/etc/passwd", "/raft-register/../../secret.txt",
                     "/..%2f..%2fsecret.txt", "/escape.txt", "/nothing-here"]:
            status, _, body = request(port, path)
            check(status in (403, 404), f"GET {path} -> {status}")
            check(b"secret" not in body and b"root:" not in body, f"GET {path} leaked a file")
        status, _, _ = request(port, "/", host="evil.example:8080")
        check(status == 403, f"foreign Host -> {status}")
        status, _, _ = request(port, "/", host=f"localhost:{port}")
        check(status == 200, f"Host localhost -> {status}")

        server.send_signal(signal.SIGTERM)
        check(server.wait(timeout=5) == 0, "SIGTERM stops it with exit 0")
        print("ok")
    finally:
        if server and server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
