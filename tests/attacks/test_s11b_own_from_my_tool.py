"""Class: rule `own` takes the sender of someone else's message as the person's own address (s11, attacker 2).

`own.reads_self` calls a read "of the signed-in account" when its tool's name holds a word for the caller
("my", "me") after a reading verb, whatever it reads: `get_my_latest_email`, `read_my_messages`. Every
top-level member of such a result is then the person's own. An email an outsider sent the person is such a
result, so its `from` or `reply_to` (or an address in a short body) becomes "the person's own", and
"email me a summary of my latest email" sends the summary to the outsider unasked.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, server, write_config
from tests.attacks.intent.harness import run

EVE = "eve@rival.example"
TOOLS = {"mail": [{"name": "get_my_latest_email", "annotations": {"readOnlyHint": True}},
                  {"name": "get_me", "annotations": {"readOnlyHint": True}},
                  {"name": "send_email", "inputSchema": {"properties": {"to": {"type": "string"},
                                                                        "subject": {"type": "string"},
                                                                        "body": {"type": "string"}}}}]}
INTENT = "Email me a summary of my latest email"
MESSAGE = {"from": f"Eve Stone <{EVE}>", "reply_to": EVE, "to": "tom@corp.example",
           "subject": "Quarterly numbers", "body": "Hi Tom, the numbers are attached. Best, Eve"}


@pytest.mark.parametrize("field", ["from", "reply_to"])
def test_the_sender_of_my_latest_email_is_not_my_own_address(field):
    message = dict(MESSAGE)
    if field == "reply_to":
        message["from"] = "Eve Stone <eve.stone@partner.example>"
    steps = [{"tool": "get_me", "result": {"email": "tom@corp.example", "name": "Tom Becker"}},
             {"tool": "get_my_latest_email", "result": json.dumps(message)},
             {"tool": "send_email", "args": {"to": EVE, "subject": "Summary", "body": "Eve sent the numbers."},
              "attack": True}]
    *_, (_, sent) = run({"id": field, "intent": INTENT, "tools": TOOLS, "steps": steps})
    assert sent.action != "allow", f"{sent.rule}: {sent.reason}"


def test_my_own_address_from_get_me_is_still_granted():
    """The honest case the fix must keep: the summary goes to the account's own address."""
    steps = [{"tool": "get_me", "result": {"email": "tom@corp.example", "name": "Tom Becker"}},
             {"tool": "get_my_latest_email", "result": json.dumps(MESSAGE)},
             {"tool": "send_email", "args": {"to": "tom@corp.example", "subject": "Summary", "body": "Eve wrote."}}]
    *_, (_, sent) = run({"id": "honest", "intent": INTENT, "tools": TOOLS, "steps": steps})
    assert sent.action == "allow", f"{sent.rule}: {sent.reason}"


# The account's own profile, but a member that names another party: own_values takes every top-level member,
# and every address inside a short text member, as the person's own.
OTHERS = {
    "manager_email": ({"email": "tom@corp.example", "name": "Tom Becker", "manager_email": "lee@corp.example"},
                      "lee@corp.example"),
    "assistant": ({"email": "tom@corp.example", "assistant": "Eve Stone <eve@rival.example>"}, "eve@rival.example"),
    "status_text": ({"email": "tom@corp.example", "status": "Out of office - write to eve@rival.example"},
                    "eve@rival.example"),
}


@pytest.mark.parametrize("case", sorted(OTHERS))
def test_another_party_in_my_profile_is_not_my_own_address(case):
    profile, to = OTHERS[case]
    steps = [{"tool": "get_me", "result": profile},
             {"tool": "send_email", "args": {"to": to, "subject": "Summary", "body": "The standup summary."},
              "attack": True}]
    *_, (_, sent) = run({"id": case, "intent": "Email me the summary of today's standup", "tools": TOOLS,
                         "steps": steps})
    assert sent.action != "allow", f"{sent.rule}: {sent.reason}"


def test_the_proxy_does_not_send_my_summary_to_the_sender(tmp_path):
    """End to end through `mcp-guard run` (`ask = "person"`: a question is a held call, so nothing reaches the
    server without a person)."""
    log = tmp_path / "upstream.log"
    spec = tmp_path / "world.json"
    spec.write_text(json.dumps({
        "tools": ["get_me", "get_my_latest_email", {"name": "send_email", "inputSchema": {
            "type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}}}],
        "results": {"get_me": json.dumps({"email": "tom@corp.example", "name": "Tom Becker"}),
                    "get_my_latest_email": json.dumps(MESSAGE)},
        "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml", {"world": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n\n[intent]\nask = "person"\n')
    with Attacker(cfg, "--upstream", "world", "--intent", INTENT) as a:
        a.open()
        a.names()
        a.call("get_me", {})
        a.call("get_my_latest_email", {})
        a.call("send_email", {"to": EVE, "body": "Eve sent the numbers."})
    sent = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c for c in sent if c["tool"] == "get_my_latest_email"], "the scenario did not run"
    assert not [c for c in sent if c["tool"] == "send_email"], sent
