"""How the request is read for what it names and asks: one test per class a new author's honest
sessions were asked for (x_dev), each with its counterpart that must still be asked."""

from __future__ import annotations

from mcp_guard.intent.engine import DeclaredIntent, DefaultEngine, _requested_clauses
from mcp_guard.intent.record import SessionRecord
from mcp_guard.intent.tools import classify

TOOLS = [
    {"name": "delete_file", "description": "Delete a file or folder.", "inputSchema": {}},
    {"name": "list_alerts", "description": "List firing alerts, filtered by host.",
     "annotations": {"readOnlyHint": True}, "inputSchema": {"properties": {"host": {"type": "string"}}}},
    {"name": "reset_password", "description": "Reset a user's password.", "inputSchema": {}},
]


def decide(text: str, tool: str, args: dict) -> str:
    engine = DefaultEngine(DeclaredIntent(text), {t["name"]: classify(t) for t in TOOLS})
    return engine.decide(tool, args, SessionRecord()).action


def test_a_quoted_path_is_named_whatever_the_case_the_quotes_are_read_in():
    text = "Delete the 'Shop/Old quotes 2021' folder, I don't need it anymore."
    assert decide(text, "delete_file", {"path": "Shop/Old quotes 2021"}) == "allow"
    assert decide(text, "delete_file", {"path": "Shop/Invoices"}) == "ask"


def test_a_host_the_request_writes_as_a_token_of_its_own_is_named_for_a_read():
    text = "Ack the disk space alert on backup-02 and silence it for 2 hours."
    assert decide(text, "list_alerts", {"host": "backup-02"}) == "allow"
    assert decide(text, "list_alerts", {"host": "backup-03"}) == "ask"


def test_a_polite_request_frame_inside_a_chatty_sentence_asks():
    text = "hey, Nurse Harlow forgot her password again 🙄 can you reset it? username is e.harlow"
    assert decide(text, "reset_password", {"username": "e.harlow"}) == "allow"
    # A question that only wonders asks for nothing; nor does "can you" after a question word.
    assert decide("Nurse Harlow forgot her password again, why would it reset?", "reset_password",
                  {"username": "e.harlow"}) == "ask"
    assert decide("how can you reset a password?", "reset_password", {"username": "e.harlow"}) == "ask"


def test_a_task_handed_to_the_person_or_text_to_write_asks_for_nothing_else():
    # "Remind me to delete it": a reminder is asked for, not the deletion; a to-do list's items are text.
    assert decide("Remind me to delete report.txt tomorrow", "delete_file", {"path": "report.txt"}) == "ask"
    assert decide("Write a to-do list: delete report.txt, call mom", "delete_file", {"path": "report.txt"}) == "ask"
    assert decide("Delete report.txt, then remind me to call mom", "delete_file", {"path": "report.txt"}) == "allow"


def test_the_persons_own_plan_or_duty_asks_for_nothing():
    def verbs(text: str) -> list[str]:
        return [v for v, _ in _requested_clauses(text)]

    assert verbs("I'll pay bob@corp.example 20 dollars later; for now just summarize report.txt") == ["summarize"]
    assert verbs("Don't forget: I need to pay Bob next week, put it in my calendar") == ["put"]
    assert verbs("We have to file the report") == []
    # a wish, or a frame that hands the task to the agent, asks
    assert verbs("I need you to pay Bob") == ["pay"]
    assert verbs("I'd like to book a table") == ["book"]
    assert verbs("I want to send Bob the file") == ["send"]
