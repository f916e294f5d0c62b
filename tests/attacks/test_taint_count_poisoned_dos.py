"""(s5 attack b) Class: shared taint DoS from outside - a poisoned count taints every future session.

README: a process that finds the shared taint tampered with "counts every session it serves as tainted
until it restarts". One write by any same-user process, `UPDATE session_taint_count SET added = 'x'`
(SQLite keeps text in a BIGINT column; the schema's `INSERT ... ON CONFLICT DO NOTHING` never repairs
it), makes `SharedTaint._read_baseline` fail in every process started afterwards: every session of every
new `run` counts as tainted, for good (restarts do not help, nothing in mcp-guard repairs it, and the
writer's `int(...)` fails too, so every tainted result is withheld). An honest session that read only
clean data has its legitimate send held.

Expected: a fresh process after the tampering works normally (count repaired / re-based), as a restart
is documented to recover. Actual: the send is held "(... shared taint ... cannot be trusted)" forever.
"""

from __future__ import annotations

import json
import sqlite3

from tests.attacks.client import Attacker, server, text_of, write_config
from tests.attacks.test_intent_taint_per_process import SUM, E

LISTING = json.dumps([{"id": "m3", "from": E, "subject": "Re: summary"}])


def _send(tmp_path, cfg, log) -> tuple[list, str]:
    with Attacker(cfg, "--intent", SUM, env={"MCP_GUARD_SESSION": "agent"}) as m:
        m.open()
        m.names()
        m.call("list_emails", {"folder": "inbox"})
        ans = m.call("send_email", {"to": E, "body": "summary"})
    sends = [c for c in map(json.loads, log.read_text().splitlines()) if c["tool"] == "send_email"]
    return sends, text_of(ans)


def _setup(tmp_path):
    spec = tmp_path / "mail.json"
    log = tmp_path / "mail.log"
    spec.write_text(json.dumps({"tools": ["list_emails", "send_email"], "results": {"list_emails": LISTING},
                                "log": str(log)}))
    db = tmp_path / "guard.db"
    cfg = write_config(tmp_path / "mcp-guard.toml", {"mail": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       f'[storage]\npath = "{db}"\n')
    return cfg, log, db


def test_control_clean_session_sends(tmp_path):
    cfg, log, _ = _setup(tmp_path)
    sends, ans = _send(tmp_path, cfg, log)
    assert len(sends) == 1, ans


def test_poisoned_count_taints_every_later_process(tmp_path):
    cfg, log, db = _setup(tmp_path)
    _send(tmp_path, cfg, log)  # the store exists, one clean send made
    conn = sqlite3.connect(db)
    conn.execute("UPDATE session_taint_count SET added = 'x'")
    conn.commit()
    conn.close()
    log.write_text("")
    sends, ans = _send(tmp_path, cfg, log)  # a new process, a new (clean) session
    assert len(sends) == 1, f"a fresh process after one write to the count still holds honest sends: {ans}"
