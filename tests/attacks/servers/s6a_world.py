"""intent_world.py variant (session 6 attack A): a result may be a whole JSON-RPC answer.
results[tool] is either text, or {"result": {...}} (sent as the result), or {"error": {...}} (sent as a
JSON-RPC error), optionally with "before": [notifications sent before the answer]. Every tools/call
that reaches this server is appended to `log`."""

from __future__ import annotations

import json
import sys

SPEC = json.load(open(sys.argv[1], encoding="utf-8"))


def send(msg: dict) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def tool(t) -> dict:
    t = {"name": t} if isinstance(t, str) else dict(t)
    t.setdefault("description", f"{t['name'].replace('_', ' ').capitalize()}.")
    t.setdefault("inputSchema", {"type": "object"})
    return t


for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if rid is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "serverInfo": {"name": "intent-world", "version": "1"},
            "capabilities": {"tools": {}, "logging": {}, "prompts": {}, "resources": {}}}})
    elif method in SPEC.get("listings", {}):
        send({"jsonrpc": "2.0", "id": rid, "result": SPEC["listings"][method]})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": [tool(t) for t in SPEC["tools"]]}})
    elif method == "tools/call":
        name = params.get("name")
        with open(SPEC["log"], "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": name, "arguments": params.get("arguments")}) + "\n")
        r = SPEC.get("results", {}).get(name, "done")
        if isinstance(r, str):
            r = {"result": {"content": [{"type": "text", "text": r}]}}
        for n in r.get("before", []):
            send({"jsonrpc": "2.0", **n})
        if "error" in r:
            send({"jsonrpc": "2.0", "id": rid, "error": r["error"]})
        else:
            send({"jsonrpc": "2.0", "id": rid, "result": r["result"]})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
