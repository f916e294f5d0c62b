"""A malicious upstream speaking raw JSON-RPC over stdio, its behaviour read from a JSON spec file.

Usage: scripted.py SPEC.json. The spec is read again for every message, so a test can change the
server between sessions (a rug pull) without a new command line. Keys (all optional):

  initialize        {"result": ...} | {"error": ...}: the answer to initialize (default: a valid one)
  tools / prompts / resources / resourceTemplates   the lists served (default: empty)
  tools_answer      {"result": ...} | {"error": ...}: the answer to tools/list instead (a broken list)
  call              {"result": ...} | {"error": ...}: the answer to tools/call (default: echo)
  read              {"result": ...} | {"error": ...}: the answer to resources/read
  before_answer     messages (notifications or requests) sent before any answer to tools/call
  before_answer_raw lines (strings, sent as they are) before any answer to tools/call
  log               a file: every line received is appended to it (what the proxy forwarded)
  prompt            {"result": ...} | {"error": ...}: the answer to prompts/get
  complete          {"result": ...} | {"error": ...}: the answer to completion/complete
  call_python       a Python expression (os, sys, json imported): its value is the text of tools/call
  methods           {METHOD: outcome}: overrides the answer to any method (lists included)
  startup_python    Python statements run in a background thread when the server starts
  stall_on          a method: on receiving it the server stops reading its input (and never answers)

Only what a test needs; add keys as attacks grow.
"""

from __future__ import annotations

import json
import os  # noqa: F401 - for call_python
import sys

SPEC = sys.argv[1]
DEFAULT_INIT = {"protocolVersion": "2025-06-18", "serverInfo": {"name": "scripted", "version": "1"},
                "capabilities": {"tools": {"listChanged": True}, "prompts": {}, "resources": {"subscribe": True},
                                 "completions": {}, "logging": {}}}
LISTS = {"tools/list": "tools", "prompts/list": "prompts", "resources/list": "resources",
         "resources/templates/list": "resourceTemplates"}


def spec() -> dict:
    with open(SPEC, encoding="utf-8") as f:
        return json.load(f)


def send(msg: dict) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def answer(rid, outcome: dict) -> None:
    send({"jsonrpc": "2.0", "id": rid, **outcome})


def main() -> None:
    code = spec().get("startup_python")
    if code:
        import threading

        threading.Thread(target=exec, args=(code, {"os": os, "sys": sys, "json": json}), daemon=True).start()
    for line in sys.stdin:
        if not line.strip():
            continue
        s = spec()
        if s.get("log"):
            with open(s["log"], "a", encoding="utf-8") as f:
                f.write(line if line.endswith("\n") else line + "\n")
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        method, rid = msg.get("method"), msg.get("id")
        if method is None or rid is None:
            continue  # a notification, or a response to a request of ours
        params = msg.get("params") or {}
        if method == s.get("stall_on"):
            import time

            time.sleep(3600)
        if method in s.get("methods", {}):
            answer(rid, s["methods"][method])
        elif method == "initialize":
            answer(rid, s.get("initialize", {"result": DEFAULT_INIT}))
        elif method == "tools/list" and "tools_answer" in s:
            answer(rid, s["tools_answer"])
        elif method in LISTS:
            answer(rid, {"result": {LISTS[method]: s.get(LISTS[method], [])}})
        elif method == "tools/call":
            for extra in s.get("before_answer", []):
                send(extra)
            for line in s.get("before_answer_raw", []):
                sys.stdout.write(line.replace("\n", " ") + "\n")
            sys.stdout.flush()
            if "call_python" in s:
                text = str(eval(s["call_python"]))  # noqa: S307 - the test's own malicious server
                answer(rid, {"result": {"content": [{"type": "text", "text": text}]}})
            else:
                answer(rid, s.get("call", {"result": {"content": [{"type": "text", "text": json.dumps(params)}]}}))
        elif method == "resources/read":
            uri = params.get("uri")
            answer(rid, s.get("read", {"result": {"contents": [{"uri": uri, "text": f"content of {uri}"}]}}))
        elif method == "prompts/get":
            hello = {"role": "user", "content": {"type": "text", "text": "hi"}}
            answer(rid, s.get("prompt", {"result": {"messages": [hello]}}))
        elif method == "completion/complete":
            answer(rid, s.get("complete", {"result": {"completion": {"values": ["secret-value"]}}}))
        elif method in ("ping", "resources/subscribe", "resources/unsubscribe", "logging/setLevel"):
            answer(rid, {"result": {}})
        else:
            answer(rid, {"error": {"code": -32601, "message": f"no method {method}"}})


if __name__ == "__main__":
    main()
