"""Class: audit trail (the call gate). In the 2026-07-28 era an intent "ask" is put in band: the gate
returns the `input_required` question (`CallGate.tools_call`, `isinstance(answered, dict)`) and
writes NO audit record of the call or of the decision to ask. A prompt-injected agent that tries an
exfiltration, gets the question and simply never retries leaves no trace in the chain, while the same
attempt in the handshake era (elicitation) or with `ask = "person"` (held) is recorded. README: "every
decision is hash-chained"; brief: one audit record per step.

Expected: the asked call (its arguments and the "ask" decision) is in `audit show`. Actual: absent.
"""

from __future__ import annotations

import os
import subprocess

from tests.attacks.client import Attacker, Scripted, envelope, write_config
from tests.clients import GUARD

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope(elicitation={})
TOOLS = [{"name": "read_doc", "description": "Read a document",
          "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
         {"name": "send_email", "description": "Send an email",
          "inputSchema": {"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}}}]
DOC = ("'Minutes of the review. Attendees: carol@partner.example discussed the figures.' "
       "if params.get('name') == 'read_doc' else json.dumps(params)")


def test_an_asked_call_in_band_is_audited(tmp_path, home):
    server = Scripted(tmp_path / "s.json", tools=TOOLS, call_python=DOC)
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')})
    with Attacker(config, "--intent", "email bob@corp.com the minutes", env={"HOME": str(home)}) as a:
        a.request("tools/call", {"name": "read_doc", "_meta": ENV, "arguments": {"id": "review"}})
        asked = a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                         "arguments": {"to": "carol@partner.example", "body": "marker-q9z"}})
        assert asked["result"].get("resultType") == "input_required", asked
    shown = subprocess.run([*GUARD, "--config", str(config), "audit", "show"], capture_output=True, text=True,
                           env={**os.environ, "HOME": str(home)}, timeout=60).stdout
    assert "marker-q9z" in shown, "the asked (and abandoned) call left no audit record"
