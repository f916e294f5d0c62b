"""intent_world.py whose results may be several text blocks (a list in `results`).
A plausible upstream (mail, web, files, calendar, tickets) whose READ tools return documents an
attacker wrote (injections), and whose side-effect tools only record what reached them.

Usage: intent_world.py SPEC.json. Spec: {"tools": [names or tool dicts], "results": {tool: text},
"log": file}. Every tools/call that reaches this server is appended to `log` as one JSON line
({"tool": …, "arguments": …}): whatever is in the log went past the proxy."""

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
            "serverInfo": {"name": "intent-world", "version": "1"}, "capabilities": {"tools": {}}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": [tool(t) for t in SPEC["tools"]]}})
    elif method == "tools/call":
        name = params.get("name")
        with open(SPEC["log"], "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": name, "arguments": params.get("arguments")}) + "\n")
        text = SPEC.get("results", {}).get(name, "done")
        blocks = text if isinstance(text, list) else [text]
        content = [t if isinstance(t, dict) else {"type": "text", "text": t} for t in blocks]
        send({"jsonrpc": "2.0", "id": rid, "result": {"content": content}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
