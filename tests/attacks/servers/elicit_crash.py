"""A raw stdio server for the shared-upstream attacks. Tools:
  ask    sends elicitation/create (ids count from 0 in each process, as many servers do) and answers
         the call with whatever the answer it receives for that id said;
  crash  exits the process (a restart follows).
Every line received is appended to the log file given as argv[1]."""

import json
import os
import sys

LOG = sys.argv[1]
pending = {}  # our elicitation id -> the tools/call id waiting for it
counter = 0


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


TOOLS = [{"name": "ask", "description": "Ask the user for their name", "inputSchema": {"type": "object"}},
         {"name": "crash", "description": "Exit", "inputSchema": {"type": "object"}}]

for line in sys.stdin:
    with open(LOG, "a") as f:
        f.write(f"{os.getpid()} {line.rstrip()}\n")
    msg = json.loads(line)
    method, rid = msg.get("method"), msg.get("id")
    if method is None and rid in pending:
        call = pending.pop(rid)
        send({"jsonrpc": "2.0", "id": call, "result": {"content": [
            {"type": "text", "text": "answer: " + json.dumps(msg.get("result") or msg.get("error"))}]}})
        continue
    if method is None or rid is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": {"protocolVersion": msg["params"]["protocolVersion"],
              "serverInfo": {"name": "elicit", "version": "1"}, "capabilities": {"tools": {}}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": TOOLS}})
    elif method == "tools/call" and msg["params"]["name"] == "crash":
        os._exit(1)
    elif method == "tools/call":
        pending[counter] = rid
        send({"jsonrpc": "2.0", "id": counter, "method": "elicitation/create", "params": {
            "message": "Your name?", "requestedSchema": {"type": "object",
                                                        "properties": {"name": {"type": "string"}}}}})
        counter += 1
    else:
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
