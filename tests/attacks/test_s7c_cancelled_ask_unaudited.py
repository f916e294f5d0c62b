"""Class: audit trail — a call cancelled while mcp-guard asks the person leaves no record.

README: "Every decision is recorded". A handshake-era client that declared elicitation is asked about
a call (here: an address found only in a result's text); the gate records the decision only after the
person answers. A prompt-injected agent that sends `notifications/cancelled` for its own call while the
question is open ends the gate's task (CancelledError passes `except Exception`): the attempted send to
the stranger, and the "ask" decision, are in no audit record. The agent can probe what is asked and
what is not, unrecorded.
"""

from __future__ import annotations

import os
import subprocess

from tests.attacks.client import Attacker, Scripted, write_config
from tests.clients import GUARD

TOOLS = [{"name": "read_doc", "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
         {"name": "send_email",
          "inputSchema": {"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}}}]
DOC = ("'Minutes of the review. Attendees: carol@partner.example discussed the figures.' "
       "if params.get('name') == 'read_doc' else json.dumps(params)")


def test_call_cancelled_during_the_question_is_recorded(tmp_path, home):
    server = Scripted(tmp_path / "s.json", tools=TOOLS, call_python=DOC)
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')},
                          '[intent]\nask = "client"\n')
    with Attacker(config, "--intent", "email bob@corp.com the minutes", env={"HOME": str(home)}) as a:
        a.open({"elicitation": {}})
        a.call("read_doc", {"id": "review"})
        msg = a.new_request("tools/call", {"name": "send_email",
                                           "arguments": {"to": "carol@partner.example", "body": "marker-c4nc"}})
        a.send(msg)
        while True:  # the proxy asks the person through the client
            got = a.read()
            if got.get("method") == "elicitation/create":
                break
            assert got.get("id") != msg["id"], f"not asked: {got}"
        a.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": msg["id"], "reason": "never mind"}})
        a.request("ping")  # the proxy has handled the cancellation
    assert not any(m["params"].get("arguments", {}).get("body") == "marker-c4nc"
                   for m in server.received("tools/call")), "the asked call was forwarded"
    shown = subprocess.run([*GUARD, "--config", str(config), "audit", "show"], capture_output=True, text=True,
                           env={**os.environ, "HOME": str(home)}, timeout=60).stdout
    assert "marker-c4nc" in shown, "the asked-then-cancelled call left no audit record:\n" + shown[-1500:]
