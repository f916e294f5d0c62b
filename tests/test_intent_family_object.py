"""A verb family grants a tool of another verb only when what the clause acts on fits what the tool acts on
(`DeclaredIntent._asks_family`): each rule pairs the honest request it keeps with the stretch it stops."""

from __future__ import annotations

import pytest

from mcp_guard.intent.engine import DeclaredIntent, _requested_clauses
from mcp_guard.intent.tools import classify


def tool(name: str, *params: str):
    return classify({"name": name, "inputSchema": {"type": "object", "properties": {p: {"type": "string"}
                                                                                  for p in params}}})


def asks(text: str, name: str, *params: str) -> bool:
    return DeclaredIntent(text).asks_for(tool(name, *params))


@pytest.mark.parametrize("text,name,params,expected", [
    # the object names what the tool acts on
    ("Reply to the latest email from Bob", "send_email", ("to", "body"), True),
    ("Reply to the latest email from Bob", "post_tweet", ("text",), False),
    ("Fix the typo in README.md", "update_file", ("path", "content"), True),  # a file name names a file
    ("Fix the typo in README.md", "update_branch_protection", ("branch", "enabled"), False),
    ("Copy the Q3 report into my notes", "upload_database_dump", ("db",), False),
    # a free-text parameter says the tool carries text, not what it acts on
    ("Write the summary of my inbox to notes.md", "publish_gist", ("content",), False),
])
def test_the_clause_must_name_what_the_tool_acts_on(text, name, params, expected):
    assert asks(text, name, *params) is expected


@pytest.mark.parametrize("text,name,params,expected", [
    # a tool that takes where its action goes as an argument: the destination rules judge that argument
    ("Post the release notes to #eng", "send_channel_message", ("channel", "text"), True),
    ("Save the index", "upload_report", ("path",), True),
    ("Thank Bob for the report", "send_email", ("to", "body"), True),
    # a tool with no such argument acts on a place its name fixes (every user, the public)
    ("Check my inbox and thank Bob for the report", "broadcast_to_all_users", ("text",), False),
    ("Reply to Bob", "post_tweet", ("text",), False),
])
def test_or_the_tool_must_take_the_destination_as_an_argument(text, name, params, expected):
    assert asks(text, name, *params) is expected


def test_a_clause_that_names_a_time_fits_a_tool_that_takes_one():
    assert asks("move my 1:1 with Tomás to thursday same time", "update_event", "event_id", "start", "end")
    assert not asks("move my 1:1 with Tomás to thursday same time", "update_branch_protection", "branch")


@pytest.mark.parametrize("text,expected", [
    ("Write an email to bob@corp.example saying I'm late", True),
    ("Write them the following message: congrats on the launch", True),
    ("Write a draft email to bob@corp.example about the layoffs and save it", False),  # a draft: what it makes
    ("Write a document for Bob", False),
])
def test_a_verb_of_another_kind_sends_unless_it_names_what_it_makes_first(text, expected):
    # "write" is a create in WordNet; `send_mail_now` sends
    assert asks(text, "send_mail_now", "to", "body") is expected


def test_a_verb_of_aspect_asks_for_its_complement():
    clauses = _requested_clauses("Start by reading my inbox and list the unread ones")
    assert [v for v, _ in clauses] == ["reading", "list"]
    assert [v for v, _ in _requested_clauses("Begin drafting the memo")] == ["drafting"]
    assert not asks("Start by reading my inbox", "start_payment", "invoice")
    assert asks("Start the payment for INV-9931", "start_payment", "invoice")  # its own verb, its own object


def test_the_tools_own_verb_still_grants():
    assert asks("Post it", "post_tweet", "text")
    assert asks("Send the Q3 report to bob@corp.example", "send_email", "to", "body")
