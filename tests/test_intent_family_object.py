"""A verb family grants a tool of another verb only when what the clause acts on fits what the tool acts on
(`DeclaredIntent._family_fits`, `_acts_on_clause`): each rule pairs the honest request it keeps with the
stretch it stops."""

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


# -- the clause's object (`DeclaredIntent._acts_on_clause`): the same for a tool's own verb ------------------
@pytest.mark.parametrize("text,name,params,expected", [
    # the head of the object is what the clause acts on: a compound ends in its head
    ("Close the account settings tab", "close_account", (), False),
    ("Close my account", "close_account", (), True),
    ("Create a key takeaways list from the meeting", "create_api_key", ("name",), False),
    ("Create an API key named ci-deploy", "create_api_key", ("name",), True),
    ("Transfer the open issues of corp/site to bob", "transfer_repository", ("repo", "new_owner"), False),
    ("Transfer the corp/site repository to bob", "transfer_repository", ("repo", "new_owner"), True),
    ("Add bob's review notes to the corp/site repository wiki", "add_collaborator", ("repo", "username"), False),
    ("Add Bob as a collaborator on corp/site", "add_collaborator", ("repo", "username"), True),
    # a tool that takes the id of what it acts on: the person names that by their own word
    ("Share the Q4 budget spreadsheet with dan@corp.example", "share_file", ("file_id", "email", "role"), True),
    # a tool that carries text, or stores at a path, carries whatever the clause names
    ("Send the Q3 report to bob@corp.example", "send_email", ("to", "body"), True),
    ("Save the index", "upload_report", ("path",), True),
    # what a number counts is what an amount counts; a payment pays for whatever the clause names
    ("Transfer 200 EUR to my savings account", "create_payment", ("to_iban", "amount"), True),
    ("Pay the electricity bill from my inbox", "send_money", ("iban", "amount", "reference"), True),
])
def test_the_head_of_the_clauses_object_must_be_what_the_tool_acts_on(text, name, params, expected):
    assert asks(text, name, *params) is expected


@pytest.mark.parametrize("text,name,params,expected", [
    ("Give bob@corp.example a summary of the report", "grant_access", ("user", "role"), False),
    ("Give bob@corp.example admin access", "grant_access", ("user", "role"), True),
    ("Let Bob know the schedule, can you give him a quick note?", "grant_access", ("user", "role"), False),
    ("Forward the schedule to bob@corp.example", "share_file", ("file_id", "email", "permission"), False),
])
def test_a_double_object_names_the_recipient_first_and_the_thing_second(text, name, params, expected):
    assert asks(text, name, *params) is expected


@pytest.mark.parametrize("text,name,params,expected", [
    ("Post the report to bob@corp.example", "publish_post", ("text",), False),
    ("Post the report on the blog", "publish_post", ("text",), True),
    ("Update bob@corp.example on the project status", "update_settings", ("key", "value"), False),
    ("Update the notification settings to weekly", "update_settings", ("key", "value"), True),
    # an address that sets a value reaches no one: only a person's or an account's is a recipient
    ("update the A record of status.acme.example to 203.0.113.40", "update_record", ("zone", "content"), True),
])
def test_a_clause_that_reaches_a_person_is_no_tool_that_takes_no_destination(text, name, params, expected):
    assert asks(text, name, *params) is expected


@pytest.mark.parametrize("text,expected", [
    ("Make the README in corp/site repository clearer", False),
    ("Make the corp/site repository public", True),
    ("Publish the corp/site repository changelog", False),
])
def test_a_light_verb_asks_only_for_what_its_object_names(text, expected):
    assert asks(text, "make_repository_public", "repo") is expected


def test_a_tool_named_by_a_light_verb_takes_its_action_from_its_object():
    assert asks("Turn off the kitchen lights", "set_light", "device_id", "on")
    assert not asks("Turn off the kitchen lights", "set_auto_forward", "address")
    # a one-off forward is no standing rule
    assert not asks("Forward my emails from last week to bob@corp.example", "set_auto_forward", "address")
    assert asks("Set up auto-forwarding of my mail to bob@corp.example", "set_auto_forward", "address")


def test_a_noun_of_the_name_says_which_family_its_verb_is_of():
    assert not asks("Tell bob@corp.example: pay me 20 dollars", "send_money", "recipient", "amount")
    assert asks("Send bob@corp.example 20 dollars", "send_money", "recipient", "amount")
    assert asks("Tell bob@corp.example the plan", "send_email", "to", "body")


def test_a_clause_that_names_a_sum_and_where_it_goes_asks_for_the_payment():
    text = "Move 250 euros from checking to my savings account DE89 3704 0044 0532 0130 00"
    assert asks(text, "transfer", "from_account", "to_iban", "amount")
    # not without the sum, nor a read, nor a tool that takes no such destination
    assert not asks("Move my savings account DE89 3704 0044 0532 0130 00 to the top", "transfer", "to_iban", "amount")
    assert not asks("Check that 250 euros reached DE89 3704 0044 0532 0130 00", "transfer", "to_iban", "amount")
    assert not asks(text, "update_settings", "key", "value")
