"""Class: the call gate / audit. The answer to mcp-guard's in-band question (2026-07-28) is read by
`relay._answered`: `(answer.get("content") or {}).get("approve")`. A `content` that is not an object
(a string, a list) raises AttributeError inside `CallGate.tools_call`, after the guards judged the
retry and before anything is recorded: the agent gets "mcp-guard internal error" and the attempted
call (asked: a destination found only in a result's text) leaves no audit record. README: "no message
shape ends the relay"; each decision is recorded.

Expected: a malformed answer counts as "not approved" (a deny, recorded). Actual: internal error,
no record of the call.
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.attacks.client import Attacker, Scripted, envelope, write_config
from tests.clients import GUARD

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope(elicitation={})
TOOLS = [{"name": "read_doc", "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
         {"name": "send_email",
          "inputSchema": {"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}}}]
DOC = ("'Minutes of the review. Attendees: carol@partner.example discussed the figures.' "
       "if params.get('name') == 'read_doc' else json.dumps(params)")


def test_a_malformed_approval_answer_is_a_recorded_refusal(tmp_path, home):
    server = Scripted(tmp_path / "s.json", tools=TOOLS, call_python=DOC)
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')})
    args = {"to": "carol@partner.example", "body": "marker-r7k"}
    with Attacker(config, "--intent", "email bob@corp.com the minutes", env={"HOME": str(home)}) as a:
        a.request("tools/call", {"name": "read_doc", "_meta": ENV, "arguments": {"id": "review"}})
        asked = a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": args})
        state = asked["result"]["requestState"]
        answer = a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": args,
                                          "requestState": state, "inputResponses": {
                                              "mcp-guard-approve": {"action": "accept", "content": "yes"}}})
    assert "internal error" not in json.dumps(answer), answer
    shown = subprocess.run([*GUARD, "--config", str(config), "audit", "show"], capture_output=True, text=True,
                           env={**os.environ, "HOME": str(home)}, timeout=60).stdout
    assert "marker-r7k" in shown, "the refused call left no audit record"
