"""An honest mail + notes upstream. Notes are stored as Markdown/HTML and read back rendered to plain text
(tags and comments dropped, entities decoded, Markdown backslash escapes removed), as wikis do.
Usage: notes_markdown.py SPEC.json; spec: {"inbox": text, "log":
file}. Every tools/call is appended to `log` ({"tool", "arguments"})."""

from __future__ import annotations

import html
import json
import re
import sys

SPEC = json.load(open(sys.argv[1], encoding="utf-8"))
NOTES: dict[str, list[str]] = {}
S = {"type": "string"}
TOOLS = [
    {"name": "list_emails", "description": "List emails.", "annotations": {"readOnlyHint": True},
     "inputSchema": {"type": "object", "properties": {"folder": S}}},
    {"name": "add_to_note", "description": "Append a line (HTML) to a note.",
     "inputSchema": {"type": "object", "properties": {"title": S, "body": S}}},
    {"name": "read_note", "description": "Read a note, rendered.", "annotations": {"readOnlyHint": True},
     "inputSchema": {"type": "object", "properties": {"title": S}}},
    {"name": "send_email", "description": "Send an email.",
     "inputSchema": {"type": "object", "properties": {"to": S, "body": S}}},
]


def render(x: str) -> str:
    x = re.sub(r"<!--.*?-->", "", x)
    x = re.sub(r"<[^>]+>", "", x)
    x = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", x)
    return html.unescape(x)


def send(msg: dict) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def call(name: str, args: dict) -> str:
    with open(SPEC["log"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"tool": name, "arguments": args}) + "\n")
    if name == "list_emails":
        return SPEC["inbox"]
    if name == "add_to_note":
        NOTES.setdefault(args.get("title", ""), []).append(str(args.get("body", "")))
        return "saved"
    if name == "read_note":
        lines = [render(x) for x in NOTES.get(args.get("title", ""), [])]
        entries = dict(x.split(": ", 1) for x in lines if ": " in x)
        return json.dumps({"title": args.get("title"), **entries})
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
            "serverInfo": {"name": "notes-render", "version": "1"}, "capabilities": {"tools": {}}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": TOOLS}})
    elif method == "tools/call":
        text = call(params.get("name", ""), params.get("arguments") or {})
        send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": text}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
