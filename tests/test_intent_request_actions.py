"""Which actions a request asks for, beyond the verb it writes out: a clipped verb ("ack"), a phrasal verb a
tool's name writes as one word ("roll it back": `rollback`), an imperative after a condition on the data
with no comma, and the steps that prepare the very thing a requested action puts to use. Each rule pairs
the honest request it lets through with what it must still stop."""

from __future__ import annotations

import pytest

from mcp_guard.intent.engine import DeclaredIntent, _requested_clauses
from mcp_guard.intent.tools import classify


def tool(name: str, *params: str):
    return classify({"name": name, "inputSchema": {"type": "object", "properties": {p: {"type": "string"}
                                                                                  for p in params}}})


def asks(text: str, name: str, *params: str, strict: bool = False) -> bool:
    return DeclaredIntent(text).asks_for(tool(name, *params), strict=strict)


@pytest.mark.parametrize("text,name,params,expected", [
    # a word WordNet lists as no verb that begins the tool's verb is that verb, clipped
    ("ack INC-5521, im on it", "acknowledge_incident", ("incident_id",), True),
    ("resched my 1:1 with Tomás to friday", "reschedule_event", ("event_id", "start"), True),
    # it grants only the tool whose verb it begins
    ("ack INC-5521, im on it", "escalate_incident", ("incident_id",), False),
    ("ack INC-5521, im on it", "accept_invite", ("invite_id",), False),
    # a verb of its own keeps its own sense ("rev" an engine is not `revoke_*`)
    ("rev the build server", "revoke_token", ("server",), False),
])
def test_a_clipped_verb_asks_for_the_tool_whose_verb_it_begins(text, name, params, expected):
    assert asks(text, name, *params) is expected


def test_a_clipped_verb_does_not_ask_for_a_destructive_call():
    # a destructive call needs the tool's own verb, written out
    assert not asks("del the draft about the offsite", "delete_draft", "draft_id", strict=True)
    assert asks("delete the draft about the offsite", "delete_draft", "draft_id", strict=True)


@pytest.mark.parametrize("text,name,expected", [
    ("roll it back to the previous release", "rollback", True),
    ("roll back the 14:02 deploy", "rollback", True),
    ("rolled it back yet?", "rollback", False),  # a question asks nothing
    ("roll out the new release", "rollback", False),  # another particle, another verb
    ("roll out the new release", "rollout", True),
    ("roll the release forward", "rollback", False),
])
def test_a_phrasal_verb_asks_for_the_tool_that_writes_it_as_one_word(text, name, expected):
    assert asks(text, name, "service", "environment", "to_release") is expected


@pytest.mark.parametrize("text,verbs", [
    # a condition with its own verb ends where an imperative with an object follows it
    ("who's on sunday's shift? if it's less than 4 people email the backup volunteers", ["email"]),
    ("if there are more than 5 drafts delete the oldest", ["delete"]),
    ("if it's less than 4 people, email the backup volunteers", ["email"]),
    # a condition whose own verb it is ("the team members email …") opens nothing
    ("if the team members email the list, tell me", []),
    # a condition on the person's own word still waits for it
    ("if we are done send bob the notes", []),
    # a verb after "to" is the condition's
    ("tell me if it is ready to merge the branch", []),
])
def test_an_imperative_after_a_condition_on_the_data_is_asked(text, verbs):
    assert [v for v, _ in _requested_clauses(text)] == verbs
