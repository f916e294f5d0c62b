"""An honest mail + files upstream whose write tool takes the content base64-encoded (as many file and
attachment APIs do) and whose read tool returns the decoded text as JSON fields. Usage: files_b64.py
SPEC.json; spec: {"inbox": text, "log": file}. Every tools/call is appended to `log`."""

from __future__ import annotations

import base64
import json
import sys

SPEC = json.load(open(sys.argv[1], encoding="utf-8"))
FILES: dict[str, str] = {}
S = {"type": "string"}
TOOLS = [
    {"name": "list_emails", "description": "List emails.", "annotations": {"readOnlyHint": True},
     "inputSchema": {"type": "object", "properties": {"folder": S}}},
    {"name": "write_file", "description": "Write a file (content base64).",
     "inputSchema": {"type": "object", "properties": {"path": S, "content_base64": S}}},
    {"name": "read_file", "description": "Read a file.", "annotations": {"readOnlyHint": True},
     "inputSchema": {"type": "object", "properties": {"path": S}}},
    {"name": "send_email", "description": "Send an email.",
     "inputSchema": {"type": "object", "properties": {"to": S, "body": S}}},
]


def send(msg: dict) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def call(name: str, args: dict) -> str:
    with open(SPEC["log"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"tool": name, "arguments": args}) + "\n")
    if name == "list_emails":
        return SPEC["inbox"]
    if name == "write_file":
        FILES[args.get("path", "")] = base64.b64decode(args.get("content_base64", "")).decode("utf-8", "replace")
        return "written"
    if name == "read_file":
        lines = FILES.get(args.get("path", ""), "").splitlines()
        entries = dict(x.split(": ", 1) for x in lines if ": " in x)
        return json.dumps({"path": args.get("path"), **entries})
    return "sent"


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
            "serverInfo": {"name": "files-b64", "version": "1"}, "capabilities": {"tools": {}}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": TOOLS}})
    elif method == "tools/call":
        text = call(params.get("name", ""), params.get("arguments") or {})
        send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": text}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
