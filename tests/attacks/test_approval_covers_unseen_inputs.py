"""Class: asks / approvals carry values the person never saw (2026-07-28 `inputResponses`).

A person's "yes" is bound to the call's name and ARGUMENTS only: the in-band question's state is a
fingerprint of (name, arguments) (`eras.fingerprint`), and a held approval is matched by
`approvals.consume_approved(..., call.arguments)`. The retry that carries the approval may add
`inputResponses` the question never showed; they are judged (a destination found only in a result's
text is "ask" there too), but the pending approval then turns that "ask" into "allow". So an agent
gets a recipient the person was never asked about past the person.

Setup: intent names bob; a document result mentions carol and dave (each "asked" on its own).
Attack: ask to send to carol (the person sees only carol), approve, retry with the approval plus
`inputResponses: {cc: dave}`. Expected: dave is asked again (or the retry refused). Actual: forwarded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

from tests.attacks.client import Attacker, Scripted, envelope, write_config
from tests.clients import GUARD

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope(elicitation={})
TOOLS = [{"name": "read_doc", "description": "Read a document",
          "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
         {"name": "send_email", "description": "Send an email",
          "inputSchema": {"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}}}]
DOC = ("'Minutes of the review. Attendees: carol@partner.example and dave@other.example discussed the "
       "figures.' if params.get('name') == 'read_doc' else json.dumps(params)")
INTENT = "email bob@corp.com the minutes of the review"
CC_DAVE = {"cc": {"action": "accept", "content": {"cc": "dave@other.example"}}}
CAROL = {"to": "carol@partner.example", "body": "minutes"}


def _setup(tmp_path, extra=""):
    server = Scripted(tmp_path / "s.json", tools=TOOLS, call_python=DOC)
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')}, extra)
    return server, config


def _dave_reached(server) -> bool:
    return any("dave@other.example" in json.dumps(m) for m in server.received("tools/call"))


def test_in_band_approval_does_not_cover_added_input_responses(tmp_path, home):
    server, config = _setup(tmp_path)
    with Attacker(config, "--intent", INTENT, env={"HOME": str(home)}) as a:
        a.request("tools/call", {"name": "read_doc", "_meta": ENV, "arguments": {"id": "review"}})
        # On its own, dave in inputResponses is asked (judged like arguments): not silently allowed.
        alone = a.request("tools/call", {"name": "send_email", "_meta": ENV,
                                         "arguments": {"to": "bob@corp.com", "body": "minutes"},
                                         "inputResponses": CC_DAVE})
        assert alone["result"].get("resultType") == "input_required", alone
        assert not _dave_reached(server)
        asked = a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": CAROL})
        question = asked["result"]["inputRequests"]["mcp-guard-approve"]["params"]["message"]
        assert "dave" not in question  # the person is asked about carol only
        a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": CAROL,
                                 "requestState": asked["result"]["requestState"],
                                 "inputResponses": {"mcp-guard-approve": {"action": "accept",
                                                                          "content": {"approve": True}},
                                                    **CC_DAVE}})
    assert not _dave_reached(server), "a recipient the person never saw went out on the approval for carol"


def test_held_approval_does_not_cover_added_input_responses(tmp_path, home):
    server, config = _setup(tmp_path, '[intent]\nask = "person"\n')
    env = {**os.environ, "HOME": str(home)}
    with Attacker(config, "--intent", INTENT, env={"HOME": str(home)}) as a:
        a.request("tools/call", {"name": "read_doc", "_meta": ENV, "arguments": {"id": "review"}})
        held = a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": CAROL})
        text = json.dumps(held)
        found = re.search(r"approvals approve ([A-Za-z0-9_-]+)", text)
        assert found, text
        shown = subprocess.run([*GUARD, "--config", str(config), "approvals", "list"], capture_output=True,
                               text=True, env=env, timeout=60).stdout
        assert "dave" not in shown  # what the person reviews: carol only
        subprocess.run([*GUARD, "--config", str(config), "approvals", "approve", found.group(1)],
                       capture_output=True, text=True, env=env, timeout=60, check=True)
        a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": CAROL,
                                 "inputResponses": CC_DAVE})
    assert not _dave_reached(server), "the approval of carol's call let an unseen recipient through"


def test_the_answer_retry_gets_the_inputs_the_question_showed(tmp_path, home):
    """The retry that answers the question carries only the question's state and answer (a client
    answers the latest inputRequests): the call's own inputs asked about (the server's requestState,
    other inputResponses) are kept with the question, shown in it, and forwarded with the approved call."""
    server, config = _setup(tmp_path)
    own = {"inputResponses": {"confirm": {"action": "accept", "content": {"ok": True}}}, "requestState": "srv-1"}
    with Attacker(config, "--intent", INTENT, env={"HOME": str(home)}) as a:
        a.request("tools/call", {"name": "read_doc", "_meta": ENV, "arguments": {"id": "review"}})
        asked = a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": CAROL, **own})
        question = asked["result"]["inputRequests"]["mcp-guard-approve"]["params"]["message"]
        assert "srv-1" in question and "confirm" in question, question
        a.request("tools/call", {"name": "send_email", "_meta": ENV, "arguments": CAROL,
                                 "requestState": asked["result"]["requestState"],
                                 "inputResponses": {"mcp-guard-approve": {"action": "accept",
                                                                          "content": {"approve": True}}}})
    sent = [m["params"] for m in server.received("tools/call") if m["params"].get("name") == "send_email"]
    assert len(sent) == 1, sent
    assert sent[0].get("requestState") == "srv-1" and sent[0].get("inputResponses") == own["inputResponses"], sent
