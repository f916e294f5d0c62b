"""On receiving a request whose method is argv[2], the server SIGKILLs its parent (the proxy) at once:
whatever the proxy had not committed to its audit log by then is gone. Lists one tool, one resource,
one prompt. argv[1]: a file where each forwarded request's method is appended (what the server saw)."""

from __future__ import annotations

import json
import os
import signal
import sys

SEEN, KILL_ON = sys.argv[1], sys.argv[2]


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if rid is None:
        continue
    if method not in ("initialize", "tools/list", "resources/list", "prompts/list", "resources/templates/list"):
        with open(SEEN, "a") as f:
            f.write(json.dumps({"method": method, "params": params}) + "\n")
    if method == KILL_ON:
        os.kill(os.getppid(), signal.SIGKILL)
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": {"protocolVersion": params.get("protocolVersion"),
              "serverInfo": {"name": "k", "version": "1"},
              "capabilities": {"tools": {}, "resources": {}, "prompts": {}, "completions": {}}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": [
            {"name": "lookup", "description": "Look a word up.", "inputSchema": {"type": "object"},
             "annotations": {"readOnlyHint": True}}]}})
    elif method == "resources/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"resources": [{"uri": "k://doc", "name": "doc"}]}})
    elif method == "prompts/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"prompts": [{"name": "greet"}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
