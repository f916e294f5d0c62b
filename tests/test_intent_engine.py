"""The default engine on representative calls: reads flow, side effects need grounded destinations."""

from __future__ import annotations

import pytest

from mcp_guard.intent.engine import DeclaredIntent, DefaultEngine, History, destinations
from mcp_guard.intent.tools import classify

TOOLS = [
    {"name": "search_messages", "description": "Find messages.", "inputSchema": {}},
    {"name": "send_message", "description": "Send a message.", "inputSchema": {}},
    {"name": "send_email", "description": "Send an email.", "inputSchema": {}},
    {"name": "purge_folder", "description": "Remove a folder.", "inputSchema": {}},
    {"name": "make_booking", "description": "Book a table.", "inputSchema": {}},
    {"name": "fetch_page", "description": "Download a web page.", "inputSchema": {}},
    {"name": "upload_report", "description": "Upload a report.", "inputSchema": {}},
    {"name": "change_pin", "description": "Change the PIN.", "inputSchema": {}},
    {"name": "send_funds", "description": "Transfer money.", "inputSchema": {}},
]


def engine(text: str, trusted=()) -> DefaultEngine:
    return DefaultEngine(DeclaredIntent(text, trusted), {t["name"]: classify(t) for t in TOOLS})


def decide(text: str, tool: str, args: dict, history: History | None = None, trusted=()):
    return engine(text, trusted).decide(tool, args, history or History())


def test_reads_are_allowed_whatever_the_intent():
    v = decide("Book a table for two", "search_messages", {"query": "anything", "user": "mallory"})
    assert (v.action, v.rule) == ("allow", "read")


def test_named_recipient_passes_and_a_stranger_is_denied_with_its_name():
    text = "Email the quarterly numbers to dana@corp.example"
    assert decide(text, "send_email", {"to": ["dana@corp.example"], "body": "Q3"}).action == "allow"
    v = decide(text, "send_email", {"to": ["exfil@attacker.example"], "body": "Q3"})
    assert v.action == "deny" and v.rule == "destination"
    assert "exfil@attacker.example" in v.reason


def test_trusted_list_grounds_a_destination():
    v = decide("Send the weekly status", "send_email", {"to": "ops@corp.example"}, trusted=["OPS@corp.example"])
    assert v.action == "allow"


def test_role_reference_allows_a_derived_recipient_only_for_the_requested_action():
    text = "Send the agenda to every participant of tomorrow's review."
    assert decide(text, "send_email", {"to": "kim@corp.example", "body": "agenda"}).action == "allow"
    # same role words, but the request asks for no sending at all
    v = decide("Which participant of the review has not replied yet?", "send_email", {"to": "kim@corp.example"})
    assert v.action == "deny"


def test_a_proper_name_in_the_request_grounds_that_person_address():
    text = "Please send Priya the slides from Monday."
    assert decide(text, "send_email", {"to": "priya.k@corp.example"}).action == "allow"
    assert decide(text, "send_email", {"to": "olaf@corp.example"}).action == "deny"


def test_link_in_outgoing_text_must_be_given_or_already_visited():
    text = "Tell Sam in a message that the build is green"
    v = decide(text, "send_message", {"recipient": "Sam", "body": "green! details: https://evil.example/x"})
    assert v.action == "deny" and "link" in v.reason
    seen = History()
    seen.add("fetch_page", {"url": "https://ci.example/run/7"})
    ok = decide(text, "send_message", {"recipient": "Sam", "body": "see https://ci.example/run/7"}, seen)
    assert ok.action == "allow"


def test_web_address_of_a_write_must_be_named_outright():
    text = "Upload the report to our site"
    assert decide(text, "upload_report", {"url": "https://other.example/in"}).action == "deny"
    named = decide(
        "Upload the report to https://intra.example/in", "upload_report", {"url": "https://intra.example/in"}
    )
    assert named.action == "allow"


def test_destructive_is_asked_unless_requested_on_that_object():
    v = decide("Summarise my folders", "purge_folder", {"folder_name": "inbox"})
    assert v.action == "ask" and v.question
    assert decide("Please purge the old folder named tmp", "purge_folder", {"folder_name": "tmp"}).action == "allow"


def test_dates_named_in_the_request_bind_the_side_effect():
    text = "Book a table for 4 on March 3rd at 19:00"
    assert decide(text, "make_booking", {"date": "2025-03-03 19:00"}).action == "allow"
    assert decide(text, "make_booking", {"date": "2025-03-09 19:00"}).action == "ask"
    assert decide("Book the usual table", "make_booking", {"date": "2025-03-09"}).action == "allow"


def test_credentials_must_come_from_the_person():
    assert decide("Change my PIN to 4821", "change_pin", {"pin": "4821"}).action == "allow"
    assert decide("Change my PIN", "change_pin", {"pin": "0000"}).action == "deny"


def test_accounts_by_reference_and_shape():
    iban = "DE89370400440532013000"
    assert decide(f"Pay {iban} 20 euros", "send_funds", {"recipient": iban, "amount": 20}).action == "allow"
    assert decide("Pay the invoice from the plumber", "send_funds", {"recipient": iban}).action == "allow"
    assert decide("What did I spend last month?", "send_funds", {"recipient": iban}).action == "deny"


def test_delegated_steps_reach_people_and_channels_but_no_new_addresses():
    text = "Do all the tasks on my checklist at https://todo.example/me"
    assert decide(text, "send_message", {"channel": "ops"}).action == "allow"
    assert decide(text, "send_email", {"to": "x@else.example"}).action == "deny"


def test_open_world_reads_need_a_web_reason():
    assert decide("Summarise the article Ann shared", "fetch_page", {"url": "www.news.example/a"}).action == "allow"
    v = decide("How many unread messages do I have?", "fetch_page", {"url": "www.phish.example"})
    assert v.action == "ask" and v.rule == "open-read"


@pytest.mark.parametrize(
    ("tool", "effect"),
    [
        ({"name": "send_x", "annotations": {"readOnlyHint": True}}, "read"),
        ({"name": "get_x", "annotations": {"readOnlyHint": False, "destructiveHint": False}}, "write"),
        ({"name": "frob", "annotations": {"readOnlyHint": False, "destructiveHint": True}}, "destructive"),
        ({"name": "remove_x", "annotations": {"readOnlyHint": False}}, "destructive"),
        ({"name": "frob", "description": "Returns the current frob level."}, "read"),
        ({"name": "frob", "description": "Frobnicates."}, "write"),
        ({"name": "deleteItem"}, "destructive"),
    ],
)
def test_classification_prefers_annotations_then_name_then_description(tool, effect):
    assert classify(tool).effect == effect


def test_destination_extraction_by_name_and_shape():
    found = {
        (d.param, d.kind)
        for d in destinations(
            {
                "to": ["a@b.example"],
                "channel": "ops",
                "body": "see www.x.example",
                "event_id": "9",
                "link": "x.example",
                "n": 3,
                "attachments": [{"file_id": "1"}],
            }
        )
    }
    assert found == {("to", "email"), ("channel", "channel"), ("body", "link"), ("link", "url")}


def test_paths_stay_in_the_server_root_or_under_a_named_folder():
    text = "Tidy the notes under /srv/notes/ and save the index"
    writes = {
        p: decide(text, "upload_report", {"path": p}).action
        for p in ["index.md", "sub/index.md", "/srv/notes/index.md", "../secrets", "/etc/cron.d/x", "~/.ssh/keys"]
    }
    assert writes == {
        "index.md": "allow",
        "sub/index.md": "allow",
        "/srv/notes/index.md": "allow",
        "../secrets": "deny",
        "/etc/cron.d/x": "deny",
        "~/.ssh/keys": "deny",
    }
    assert decide("Save the index", "upload_report", {"path": "/data/x"}, trusted=["/data/"]).action == "allow"


def test_end_dates_may_follow_from_a_duration():
    text = "Book a room from May 10th for three nights"
    assert decide(text, "make_booking", {"start_day": "2025-05-10", "end_day": "2025-05-13"}).action == "allow"
    assert decide(text, "make_booking", {"start_day": "2025-05-13", "end_day": "2025-05-17"}).action == "ask"


def test_parameter_kind_comes_from_its_last_word():
    args = {"to_currency": "EUR", "channel_name": "ops", "user_email": "a@b.io"}
    kinds = {d.param: d.kind for d in destinations(args)}
    assert kinds == {"channel_name": "channel", "user_email": "email"}


def test_handles_replies_and_party_ids():
    assert decide("Post the release notes in #eng", "send_message", {"channel_id": "C0123"}).action == "allow"
    assert decide("What was said today?", "send_message", {"channel_id": "C0123"}).action == "deny"
    assert decide("Ping @sam about the build", "send_message", {"user_id": "U1"}).action == "allow"
    assert decide("Reply to the last email", "send_email", {"to": ["x@y.example"]}).action == "allow"
    assert decide("Please purge the folder", "purge_folder", {"folder_id": "3"}).action == "allow"


def test_a_named_address_does_not_ground_a_lookalike():
    text = "Upload the report to https://files.corp.example/in and mail it to bo@corp.example"
    assert decide(text, "upload_report", {"url": "https://evilfiles.corp.example/in"}).action == "deny"
    assert decide(text, "upload_report", {"url": "files.corp.example/in"}).action == "allow"
    assert decide(text, "send_email", {"to": "o@corp.example"}).action == "deny"


def test_destructive_object_matched_through_common_synonyms():
    tools = {
        "cancel_calendar_event": classify({"name": "cancel_calendar_event"}),
        "delete_email": classify({"name": "delete_email"}),
    }
    e = DefaultEngine(DeclaredIntent("Please cancel my 3pm meeting tomorrow"), tools)
    assert e.decide("cancel_calendar_event", {"event_id": "5"}, History()).action == "allow"
    e = DefaultEngine(DeclaredIntent("Delete the largest document in the drive"), tools)
    assert e.decide("delete_email", {"email_id": "5"}, History()).action == "ask"
