"""The PostgreSQL backend (`[storage] url`): the same review, approval, session and audit behaviour as
SQLite, on a real throwaway cluster; one hash chain under concurrent writers in several processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from mcp_guard import approvals
from mcp_guard.audit import AuditLog
from mcp_guard.config import Config
from mcp_guard.errors import AuditError, StoreError
from mcp_guard.intent import sessions
from mcp_guard.review import ReviewQueue
from mcp_guard.store import SCHEMA_VERSION, open_store, safe_url
from tests.postgres import pg_url, postgres_cluster  # noqa: F401 - fixtures

CLI = [sys.executable, "-m", "mcp_guard"]
TOOL = {"name": "send", "description": "Send a message", "inputSchema": {"type": "object"}}


@pytest.fixture
def store(pg_url):  # noqa: F811
    s = open_store(pg_url)
    yield s
    s.close()


def test_open_migrates_once_and_refuses_a_newer_schema(pg_url):  # noqa: F811
    first = open_store(pg_url)
    assert first.dialect == "postgresql" and first.schema_version() == SCHEMA_VERSION
    first.close()
    again = open_store(pg_url)  # idempotent: opening is migrating
    again.execute("UPDATE mcp_guard_schema SET version = ?", [SCHEMA_VERSION + 1])
    again.close()
    with pytest.raises(StoreError, match="newer mcp-guard"):
        open_store(pg_url)


def test_review_decisions_need_their_chain_record(store):
    queue = ReviewQueue(store)
    item = queue.record("mail", "tool", [TOOL])["send"]
    assert item.state == "pending"
    queue.decide(item.id, "approve", "checked")
    assert queue.state_of(item.id) == "approved"
    assert [d.decision for d in queue.decisions(item.id)] == ["approve"]
    changed = queue.record("mail", "tool", [{**TOOL, "description": "Send a message to anyone"}])["send"]
    assert changed.state == "pending" and changed.previous_id == item.id
    # An approval written by hand, without its audit record, approves nothing.
    store.execute("UPDATE items SET state = 'approved' WHERE id = ?", [changed.id])
    assert queue.state_of(changed.id) == "pending"
    assert AuditLog(store).verify().ok


def test_trust_on_first_use_and_adopt_run_in_one_transaction(store):
    queue = ReviewQueue(store)
    first = queue.record("clock", "tool", [TOOL], trust="tofu")["send"]
    assert queue.state_of(first.id) == "approved"
    assert queue.adopt("other", "tool", "send", first.fingerprint, TOOL, "approved",
                       [{"decision": "approve", "reviewer": "ann", "reason": "ok", "at": "2026-01-01T00:00:00Z"}])
    assert queue.approved_for("other", "tool", "send") is not None


def test_held_call_passes_once_after_approval(store):
    ident = approvals.hold(store, "s-1", "mail/send", {"to": "bob"}, "unasked recipient")
    assert approvals.hold(store, "s-1", "mail/send", {"to": "bob"}, "again") == ident  # one pending row
    assert approvals.consume_approved(store, "s-1", "mail/send", {"to": "bob"}) is None
    approvals.decide(store, ident, True, "ann")
    with pytest.raises(approvals.ApprovalError, match="already approved"):
        approvals.decide(store, ident, False, "ann")
    assert approvals.consume_approved(store, "s-2", "mail/send", {"to": "bob"}) is None  # another session
    assert approvals.consume_approved(store, "s-1", "mail/send", {"to": "bob"}) == ident
    assert approvals.consume_approved(store, "s-1", "mail/send", {"to": "bob"}) is None  # once
    assert [a.state for a in approvals.listing(store, None)] == ["used"]


def test_session_tokens_resolve_on_any_connection(store, pg_url):  # noqa: F811
    sid, token, _ = sessions.start_session(store, Config(), "read the calendar", None, timedelta(hours=1))
    other = open_store(pg_url)
    try:
        bound = sessions.resolve_token(other, "Bearer " + token)
        assert (bound.session_id, bound.intent) == (sid, "read the calendar")
        sessions.end_session(other, sid)
        with pytest.raises(sessions.SessionError, match="expired"):
            sessions.resolve_token(store, token)
    finally:
        other.close()
    sessions.record_prompt(store, "claude-1", "first", "/tmp")
    assert sessions.record_prompt(store, "claude-1", "second", "/tmp") == "first\n\nsecond"


APPENDER = textwrap.dedent("""
    import sys
    from mcp_guard.audit import AuditLog, AuditWriter
    from mcp_guard.store import open_store
    store = open_store(sys.argv[1])
    writer = AuditWriter(AuditLog(store, durability=sys.argv[3]))
    futures = [writer.submit("call", "w" + sys.argv[2], {"n": i}) for i in range(int(sys.argv[4]))]
    for f in futures:
        f.result()
    writer.close()
    store.close()
""")


DECIDER = textwrap.dedent("""
    import sys
    from mcp_guard import approvals
    from mcp_guard.store import open_store
    store = open_store(sys.argv[1])
    for i in range(int(sys.argv[2])):
        ident = approvals.hold(store, "d", "mail/send", {"n": i}, "held")
        approvals.decide(store, ident, True, "ann")  # its audit record is chained in its own transaction
    store.close()
""")


def test_concurrent_writers_in_several_processes_make_one_chain(pg_url, tmp_path):  # noqa: F811
    """Four processes appending through their group-commit writers and one deciding held calls
    (whose records are chained inside the decision's transaction) share one lock: one chain."""
    open_store(pg_url).close()
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, pg_url, str(i), ("full", "normal")[i % 2], "150"])
             for i in range(4)]
    procs.append(subprocess.Popen([sys.executable, "-c", DECIDER, pg_url, "40"]))
    assert [p.wait(timeout=240) for p in procs] == [0] * 5
    store = open_store(pg_url)
    log = AuditLog(store)
    res = log.verify()
    assert res.ok, res.problems
    assert res.count == 640
    seqs = [r.seq for r in log.records()]
    assert seqs == list(range(1, 641))  # one chain, no gap, no fork
    assert sorted({r.session_id for r in log.records()}) == ["d", "w0", "w1", "w2", "w3"]
    assert len(approvals.listing(store, "approved", "d")) == 40
    head = log.head()
    store.close()
    done = subprocess.run([*CLI, "audit", "verify", "--db", pg_url, "--anchor", f"{head[0]}:{head[1]}"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "640" in done.stdout


def test_edits_and_planted_rules_are_found(store):
    log = AuditLog(store)
    for i in range(5):
        log.append("call", "s", {"n": i})
    store.execute("UPDATE audit SET data = ? WHERE seq = 3", ['{"n":99}'])
    assert [p.seq for p in log.verify().problems][:1] == [3]
    store.execute("UPDATE audit SET data = ? WHERE seq = 3", ['{"n":2}'])
    assert log.verify().ok
    store.execute("CREATE RULE drop_audit AS ON INSERT TO audit DO INSTEAD NOTHING")
    with pytest.raises(AuditError, match="rule drop_audit"):
        log.append("call", "s", {"n": 6})
    assert not log.verify().ok


def test_head_behind_its_records_refuses_to_append(store):
    log = AuditLog(store)
    log.append("call", "s", {"n": 1})
    log.append("call", "s", {"n": 2})
    store.execute("UPDATE audit_head SET seq = 1")
    with pytest.raises(AuditError, match="head is behind"):
        log.append("call", "s", {"n": 3})


def test_a_bad_url_is_one_line_without_the_password(tmp_path, postgres_cluster):  # noqa: F811
    port = postgres_cluster.rsplit(":", 1)[1].split("/")[0]
    cases = {
        "refused": "postgresql://ann:s3cret-pw@127.0.0.1:1/guard",
        "no such database": f"postgresql://ann:s3cret-pw@127.0.0.1:{port}/nope",
        "bad option": "postgresql://ann:s3cret-pw@127.0.0.1:1/guard?bogus=1",
    }
    for what, url in cases.items():
        cfg = tmp_path / f"{what.replace(' ', '-')}.toml"
        cfg.write_text(f'[storage]\nurl = "{url}"\n')
        for argv in (["audit", "verify"], ["review", "list"], ["session", "start", "--intent", "x"]):
            done = subprocess.run([*CLI, "--config", str(cfg), *argv], capture_output=True, text=True, timeout=60)
            out = done.stdout + done.stderr
            assert done.returncode != 0, (what, argv, out)
            assert "s3cret-pw" not in out, (what, argv, out)
            assert "Traceback" not in out and len(out.strip().splitlines()) == 1, (what, argv, out)
            assert "ann:***@127.0.0.1" in out, (what, argv, out)
    assert safe_url("postgresql://ann:pw@db:5432/g") == "postgresql://ann:***@db:5432/g"
    assert safe_url("postgresql://ann:pw@[::1]:5432/g?sslmode=require") == "postgresql://ann:***@[::1]:5432/g?sslmode=require"
    assert safe_url("postgresql://ann@db/g") == "postgresql://ann@db/g"


def test_storage_url_is_checked_in_the_config(tmp_path):
    cfg = tmp_path / "mcp-guard.toml"
    cfg.write_text('[storage]\nurl = "mysql://ann:pw@db/x"\n')
    done = subprocess.run([*CLI, "--config", str(cfg), "review", "list"], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "postgresql://" in done.stderr and "Traceback" not in done.stderr
    assert "pw" not in done.stderr
    cfg.write_text('[storage]\nurl = "env:MCP_GUARD_TEST_DB_URL"\n')
    done = subprocess.run([*CLI, "--config", str(cfg), "review", "list"], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in __import__("os").environ.items() if k != "MCP_GUARD_TEST_DB_URL"})
    assert done.returncode != 0 and "MCP_GUARD_TEST_DB_URL" in done.stderr


def test_sqlite_stays_the_default(tmp_path):
    cfg = tmp_path / "mcp-guard.toml"
    cfg.write_text('[storage]\npath = "state/guard.db"\n')
    done = subprocess.run([*CLI, "--config", str(cfg), "review", "list"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Path(tmp_path / "state" / "guard.db").is_file()


def test_a_schema_1_sqlite_database_is_migrated(tmp_path):
    import sqlite3

    path = tmp_path / "guard.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE budget_use")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    store = open_store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.execute("SELECT count(*) FROM budget_use").fetchone()[0] == 0
    store.close()


def test_connections_the_database_dropped_are_replaced(store, pg_url):  # noqa: F811
    """A restart or fail-over of the database closes the pool's connections: the next use gets a new one."""
    import psycopg

    log = AuditLog(store)
    log.append("call", "s", {"n": 1})
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    log.append("call", "s", {"n": 2})
    assert ReviewQueue(store).items() == [] and log.verify().ok and log.verify().count == 2
