"""Logs every tools/call's arguments to argv[1] (what the server saw) and SIGKILLs its parent (the proxy)
when the argv[2]-th call arrives. Lists one read-only tool."""

from __future__ import annotations

import json
import os
import signal
import sys

SEEN, NTH = sys.argv[1], int(sys.argv[2])
n = 0


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if rid is None:
        continue
    if method == "tools/call":
        n += 1
        with open(SEEN, "a") as f:
            f.write(json.dumps(params.get("arguments")) + "\n")
            f.flush()
        if n == NTH:
            os.kill(os.getppid(), signal.SIGKILL)
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": {"protocolVersion": params.get("protocolVersion"),
              "serverInfo": {"name": "k", "version": "1"}, "capabilities": {"tools": {}}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": [
            {"name": "lookup", "description": "Look a word up.", "inputSchema": {"type": "object"},
             "annotations": {"readOnlyHint": True}}]}})
    elif method == "tools/call":
        send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": "ok"}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
