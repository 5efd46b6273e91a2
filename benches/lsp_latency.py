#!/usr/bin/env python3
"""Latency of `aether lsp` diagnostics after a change, end to end over stdio.

Builds a 5,000-line file from the `corpus/valid` files (joined in sorted order, repeated),
opens it in the release binary's language server, then sends ROUNDS full-text `didChange`
notifications (each appends a comment line, so every one is a new text) and times each
from writing the change to reading its `publishDiagnostics`. Prints min/median/p90/max.
Then a burst: BURST changes written without waiting (as fast typing sends them), timed from
the first write to the diagnostics of the last version, and how many versions were checked
(the server checks only the latest text of a burst that is already queued).

    cargo build --release && python3 benches/lsp_latency.py [ROUNDS]
"""
import json, os, pathlib, statistics, subprocess, sys, threading, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "aether"
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
LINES = 5000

files = sorted((ROOT / "corpus" / "valid").rglob("*.aether"))
pool = "".join(f.read_text() for f in files).splitlines(keepends=True)
text = "".join((pool * (LINES // len(pool) + 1))[:LINES])

proc = subprocess.Popen([str(BIN), "lsp", "--isolated"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, cwd=ROOT)

def send(msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()

def recv():
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            sys.exit("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        key, _, value = line.decode().partition(":")
        if key.lower() == "content-length":
            length = int(value)
    return json.loads(proc.stdout.read(length))

def wait_for(pred):
    while True:
        msg = recv()
        if pred(msg):
            return msg

uri = "file:///tmp/aether-lsp-latency/big.aether"
send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
      "params": {"processId": None, "rootUri": None, "capabilities": {}}})
wait_for(lambda m: m.get("id") == 1)
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
    "uri": uri, "languageId": "aether", "version": 1, "text": text}}})
first = wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
count = len(first["params"]["diagnostics"])

times = []
for i in range(ROUNDS):
    changed = text + "# edit %d\n" % i
    start = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": i + 2},
        "contentChanges": [{"text": changed}]}})
    wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
             and m["params"].get("version") == i + 2)
    times.append((time.perf_counter() - start) * 1000)

BURST = 20
version = ROUNDS + 2
burst = []
for i in range(BURST):
    version += 1
    burst.append({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"text": text + "# burst %d\n" % i}]}})
# Written from another thread while this one reads, as an editor does: a client that stops
# reading while it writes 2.7 MB would block the server's output, and so the server.
writer = threading.Thread(target=lambda: [send(m) for m in burst])
start = time.perf_counter()
writer.start()
checked = 0
while True:
    m = wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    checked += 1
    if m["params"].get("version") == version:
        break
burst_ms = (time.perf_counter() - start) * 1000
writer.join()

send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
wait_for(lambda m: m.get("id") == 2)
send({"jsonrpc": "2.0", "method": "exit", "params": None})
proc.wait(timeout=10)

times.sort()
print("%d lines, %d bytes, %d diagnostics; %d changes" % (LINES, len(text.encode()), count, ROUNDS))
print("diagnostics after a change: min %.1f ms, median %.1f ms, p90 %.1f ms, max %.1f ms" % (
    times[0], statistics.median(times), times[int(len(times) * 0.9) - 1], times[-1]))
print("a burst of %d changes: diagnostics of the last after %.1f ms, %d of %d versions checked" % (
    BURST, burst_ms, checked, BURST))
