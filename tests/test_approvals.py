"""Held calls: hold → a person approves from the CLI → the same call passes once."""

from __future__ import annotations

import pytest

from mcp_guard import approvals
from mcp_guard.cli import main
from mcp_guard.config import parse_config
from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard
from mcp_guard.store import open_store


@pytest.fixture
def setup(home, tmp_path):
    cfg_file = tmp_path / "mcp-guard.toml"
    cfg_file.write_text('[storage]\npath = "guard.db"\n')
    cfg = parse_config({"storage": {"path": "guard.db"}}, cfg_file)
    store = open_store(cfg.db_path)
    return cfg_file, cfg, store


def test_hold_approve_retry_passes_once(setup, capsys):
    cfg_file, cfg, store = setup
    guard = IntentGuard(cfg, store=store)
    session = SessionInfo(id="s1", intent="Tidy my notes")
    call = ToolCall(session, "notes", "delete_note", "notes__delete_note", {"note_id": "7"})
    d = guard.decide(call)
    assert d.action == "ask"
    message = guard.hold(call, d)
    assert "mcp-guard approvals approve ap-" in message
    approval_id = message.split("approvals approve ")[1].split("`")[0]
    assert guard.hold(call, d) == message  # the same pending call keeps its id

    assert main(["--config", str(cfg_file), "approvals", "list"]) == 0
    assert approval_id in capsys.readouterr().out
    assert guard.decide(call).action == "ask"  # not approved yet
    assert main(["--config", str(cfg_file), "approvals", "approve", approval_id, "--by", "dana"]) == 0

    other = ToolCall(session, "notes", "delete_note", "notes__delete_note", {"note_id": "8"})
    assert guard.decide(other).action == "ask"  # other arguments: not covered
    passed = guard.decide(call)
    assert passed.action == "allow" and passed.rule == f"approved:{approval_id}"
    assert guard.decide(call).action == "ask"  # once only
    assert approvals.get(store, approval_id).state == "used"
    assert main(["--config", str(cfg_file), "approvals", "approve", approval_id]) == 2
    assert "already used" in capsys.readouterr().err


def test_denied_hold_never_passes(setup):
    cfg_file, cfg, store = setup
    aid = approvals.hold(store, "s", "a/b", {"x": 1}, "why")
    assert main(["--config", str(cfg_file), "approvals", "deny", aid]) == 0
    assert approvals.consume_approved(store, "s", "a/b", {"x": 1}) is None
    assert approvals.get(store, aid).state == "denied"


def test_a_call_a_person_refused_is_refused_when_made_again(setup):
    """`approvals deny` reaches the agent: the same call made again in the session is denied, naming the
    refusal, not held and asked anew; other arguments, or another session, are asked as before. A refusal
    set by hand in the database (no audit record) refuses nothing."""
    import sqlite3

    _, cfg, store = setup
    guard = IntentGuard(cfg, store=store)
    session = SessionInfo(id="s1", intent="Tidy my notes")
    call = ToolCall(session, "notes", "delete_note", "notes__delete_note", {"note_id": "7"})
    aid = guard.hold(call, guard.decide(call)).split("approvals approve ")[1].split("`")[0]
    approvals.decide(store, aid, False, "dana")
    again = guard.decide(call)
    assert (again.action, again.rule) == ("deny", f"refused:{aid}") and "a person refused" in again.reason
    other = ToolCall(session, "notes", "delete_note", "notes__delete_note", {"note_id": "8"})
    assert guard.decide(other).action == "ask"
    elsewhere = ToolCall(SessionInfo(id="s2", intent="Tidy my notes"), "notes", "delete_note",
                         "notes__delete_note", {"note_id": "7"})
    assert guard.decide(elsewhere).action == "ask"
    forged = guard.hold(other, guard.decide(other)).split("approvals approve ")[1].split("`")[0]
    with sqlite3.connect(cfg.db_path) as outside:
        outside.execute("UPDATE approvals SET state = 'denied', decided_at = 'x' WHERE id = ?", (forged,))
    assert guard.decide(other).action == "ask"


def test_digest_is_canonical():
    assert approvals.args_digest("t", {"a": 1, "b": [1, 2]}) == approvals.args_digest("t", {"b": [1, 2], "a": 1})
    assert approvals.args_digest("t", {"a": 1}) != approvals.args_digest("u", {"a": 1})


def test_unknown_approval_is_one_line_error(setup, capsys):
    cfg_file, _, _ = setup
    assert main(["--config", str(cfg_file), "approvals", "approve", "ap-nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mcp-guard: error: no approval") and "Traceback" not in err


def test_an_approval_set_by_hand_in_the_database_passes_nothing(setup, caplog):
    """Any process of the user (an upstream) can UPDATE the approvals table: without the approval's
    record in the audit chain the call stays held; an approval through mcp-guard still passes."""
    import sqlite3

    _, cfg, store = setup
    held = approvals.hold(store, "s1", "notes/delete_note", {"note_id": "7"}, "outside intent")
    with sqlite3.connect(cfg.db_path) as outside:
        outside.execute("UPDATE approvals SET state = 'approved', decided_at = 'x' WHERE id = ?", (held,))
    with caplog.at_level("WARNING", logger="mcp_guard.approvals"):
        assert approvals.consume_approved(store, "s1", "notes/delete_note", {"note_id": "7"}) is None
    assert "approval state edited outside mcp-guard" in caplog.text
    other = approvals.hold(store, "s1", "notes/delete_note", {"note_id": "8"}, "outside intent")
    approvals.decide(store, other, True, "dana")
    assert approvals.consume_approved(store, "s1", "notes/delete_note", {"note_id": "8"}) == other


def test_an_approval_covers_the_inputs_it_was_held_with_and_lists_them_in_full(setup, capsys):
    """A held call's other inputs (a 2026-07-28 retry's inputResponses) are part of what is approved
    and of what `approvals list` shows, however long; the same arguments with other inputs, or with
    none, are not approved by it."""
    cfg_file, _, store = setup
    long_body = "x" * 300
    inputs = {"inputResponses": {"cc": {"action": "accept", "content": {"cc": "dave@other.example"}}}}
    held = approvals.hold(store, "s1", "mail/send", {"to": "carol@p.example", "body": long_body}, "asked",
                          inputs=inputs)
    assert main(["--config", str(cfg_file), "approvals", "list"]) == 0
    assert "dave@other.example" in capsys.readouterr().out
    approvals.decide(store, held, True, "dana")
    args = {"to": "carol@p.example", "body": long_body}
    assert approvals.consume_approved(store, "s1", "mail/send", args) is None
    other = {"inputResponses": {"cc": {"action": "accept", "content": {"cc": "eve@other.example"}}}}
    assert approvals.consume_approved(store, "s1", "mail/send", args, other) is None
    assert approvals.consume_approved(store, "s1", "mail/send", args, inputs) == held


def test_a_call_held_longer_than_hold_for_expires(setup, capsys):
    from datetime import UTC, datetime

    _, _, store = setup
    fresh = approvals.hold(store, "s1", "notes/delete_note", {"note_id": "7"}, "destructive")
    stale = approvals.hold(store, "s2", "notes/delete_note", {"note_id": "8"}, "destructive")
    long_ago = (datetime.now(UTC) - approvals.HOLD_FOR * 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with store.write():
        store.execute("UPDATE approvals SET created = ? WHERE id = ?", (long_ago, stale))
    assert [a.id for a in approvals.listing(store)] == [fresh]  # the agent has long moved on
    with pytest.raises(approvals.ApprovalError, match="expired"):
        approvals.decide(store, stale, True, "dana")
    assert approvals.decide(store, fresh, True, "dana").state == "approved"
