"""Class: audit - write-ahead under a burst (durability "full", which promises it; session 7 moved the
"group" commit onto the event loop when nothing is queued and every lock is free at the first try).
40 tools/call are written at once without waiting; the server SIGKILLs the proxy when the Nth reaches
it. Every call the server saw must have its record (README: "a call the server sees has its record")."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from tests.attacks.client import Attacker, server, write_config


@pytest.mark.parametrize("nth", [1, 7, 25])
def test_burst_calls_seen_by_server_have_records(tmp_path, nth):
    seen = tmp_path / "seen.jsonl"
    db = tmp_path / "guard.db"
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"k": (server("s7a_kill_nth.py", str(seen), str(nth)), 'trust = "tofu"')},
                       f'[storage]\npath = "{db}"\n[audit]\ndurability = "full"\n')
    with Attacker(cfg) as c:
        c.open()
        c.names()
        for i in range(40):
            c.send(c.new_request("tools/call", {"name": "lookup", "arguments": {"word": f"M{i:03d}X"}}))
        for _ in range(100):
            if seen.exists() and len(seen.read_text().splitlines()) >= nth:
                break
            time.sleep(0.05)
        time.sleep(0.5)
    saw = [json.loads(x)["word"] for x in seen.read_text().splitlines()]
    assert len(saw) >= nth
    rows = "\n".join(r[0] for r in sqlite3.connect(db).execute("SELECT data FROM audit"))
    missing = [w for w in saw if w not in rows]
    assert missing == [], f"server saw {len(saw)} calls, {len(missing)} without a record: {missing}"
