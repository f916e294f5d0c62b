"""A stdio server fixed at the version installed when it started: it reads its spec once, at start-up
(a later edit is an update that only new processes run), and logs each tools/call with that version.

Usage: s12_versioned.py SPEC.json LOG. Spec: {"version": "...", "tools": [...]}.
"""

from __future__ import annotations

import json
import sys

SPEC = json.loads(open(sys.argv[1], encoding="utf-8").read())
LOG = sys.argv[2]


def send(msg: dict) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    method, rid = msg.get("method"), msg.get("id")
    if method is None or rid is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": {
            "protocolVersion": msg["params"].get("protocolVersion", "2025-06-18"),
            "serverInfo": {"name": "versioned", "version": "1"}, "capabilities": {"tools": {}}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": SPEC["tools"]}})
    elif method == "tools/call":
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({"version": SPEC["version"], "params": msg.get("params")}) + "\n")
        send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": "done"}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
