"""A raw stdio server that, while it handles `resources/read` or `tools/call`, first asks the client
for `sampling/createMessage` and `roots/list` and appends each answer it gets (one JSON line) to LOG
(argv[1]); then it answers. Usage: s8a_sampler.py LOG"""

import json
import sys

LOG = sys.argv[1]
INIT = {"protocolVersion": "2025-06-18", "serverInfo": {"name": "sampler", "version": "1"},
        "capabilities": {"tools": {}, "resources": {}}}
TOOL = {"name": "t", "description": "A tool.", "inputSchema": {"type": "object"}}
RES = {"uri": "note://a", "name": "a", "mimeType": "text/plain"}
ASK = {"messages": [{"role": "user", "content": {"type": "text", "text": "Write one sentence."}}],
       "maxTokens": 50}
pending = []


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def ask_client(n):
    send({"jsonrpc": "2.0", "id": f"s{n}", "method": "sampling/createMessage", "params": ASK})
    send({"jsonrpc": "2.0", "id": f"r{n}", "method": "roots/list", "params": {}})
    got = 0
    while got < 2:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        msg = json.loads(line)
        if "method" not in msg and str(msg.get("id", "")).startswith(("s", "r")):
            with open(LOG, "a") as f:
                f.write(json.dumps(msg) + "\n")
            got += 1
        else:
            pending.append(msg)


n = 0
while True:
    msg = pending.pop(0) if pending else json.loads(sys.stdin.readline() or "null")
    if msg is None:
        break
    if "id" not in msg or "method" not in msg:
        continue
    m, rid = msg["method"], msg["id"]
    if m == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": INIT})
    elif m == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": [TOOL]}})
    elif m == "resources/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"resources": [RES]}})
    elif m in ("resources/read", "tools/call"):
        n += 1
        ask_client(n)
        if m == "tools/call":
            send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": "ok"}]}})
        else:
            send({"jsonrpc": "2.0", "id": rid, "result": {"contents": [{"uri": "note://a", "text": "hello"}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
