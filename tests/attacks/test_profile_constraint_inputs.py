"""Class: 2026-07-28 inputResponses carrying values past the profile. README: "A 2026-07-28 retry's
inputResponses and requestState are judged by intent like the call's arguments, always". But when a
profile rule decides (`IntentGuard._verdict` returns `profile.decide(qualified, call.arguments, …)`),
only `arguments` are looked at: a constraint that pins `to` to a trusted list is checked against
the arguments, and the call's inputResponses (handed to the tool by an SDK server as the answer to
its "which recipient?" elicitation) are never judged.

Setup: profile allows mail/send_email with `to` constrained to customers.txt. Expected: a
recipient outside the list is refused in inputResponses as in arguments. Actual: forwarded.
"""

from __future__ import annotations

import json

from tests.attacks.client import SEND_EMAIL, Attacker, Scripted, envelope, write_config

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope(elicitation={})
TOOL = SEND_EMAIL
PROFILE = """
[profiles.support]
owner = "secops@example.com"
allow = ["mail/send_email"]
constraints = [{ tool = "mail/send_email", arg = "to", trusted_list = "customers.txt" }]
"""


def test_constraint_applies_to_input_responses(tmp_path, home):
    (tmp_path / "customers.txt").write_text("carol@customer.example\n")
    server = Scripted(tmp_path / "s.json", tools=[TOOL])
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')}, PROFILE)
    with Attacker(config, "--profile", "support", "--intent", "answer the customer's ticket",
                  env={"HOME": str(home)}) as a:
        refused = a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                           "arguments": {"to": "evil@attacker.example", "body": "x"}})
        assert refused["result"]["isError"], refused  # the constraint holds for arguments
        a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                 "arguments": {"to": "carol@customer.example", "body": "x"},
                                 "inputResponses": {"recipient": {"action": "accept",
                                                                  "content": {"to": "evil@attacker.example"}}}})
    forwarded = json.dumps(server.received("tools/call"))
    assert "evil@attacker.example" not in forwarded, f"constraint bypassed through inputResponses: {forwarded}"
