"""Class: the audit trail silently stops recording, and `audit verify` (even with an anchor) says intact.

Anyone who could write the database once (any process of the same user, e.g. a malicious upstream
server: it runs with the proxy's uid) plants SQLite triggers that turn later inserts into the
`audit` table, and updates of `audit_head`, into no-ops (`RAISE(IGNORE)`). From then on every
decision the proxy "records" is dropped without an error, so results go out unrecorded (the proxy
promises never to answer with an unrecorded result), and since the chain stays self-consistent,
`audit verify --anchor` with a head taken after the planting finds nothing. Unlike recomputing hashes,
this needs no later write access: one write, and the log is frozen forever.
"""

from __future__ import annotations

import sqlite3
import subprocess

from tests.attacks.client import Attacker, Scripted, text_of, write_config
from tests.clients import GUARD

TOOL = {"name": "t", "description": "Echo.", "inputSchema": {"type": "object"}}


def test_audit_triggers_freeze_the_log_undetected(tmp_path):
    server = Scripted(tmp_path / "spec.json", tools=[TOOL])
    config = write_config(tmp_path / "mcp-guard.toml", {"words": (server.command, 'trust = "tofu"\n')},
                          '[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n')
    with Attacker(config, "--upstream", "words") as client:
        client.open()
        client.call("t", {"marker": "first-call"})
    db = sqlite3.connect(tmp_path / "guard.db")
    db.executescript("""
        CREATE TRIGGER quiet_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(IGNORE); END;
        CREATE TRIGGER quiet_head BEFORE UPDATE ON audit_head BEGIN SELECT RAISE(IGNORE); END;
    """)
    db.close()
    with Attacker(config, "--upstream", "words") as client:
        client.open()
        answer = client.call("t", {"marker": "second-call-unrecorded"})
    head = subprocess.run([*GUARD, "--config", str(config), "audit", "head"], capture_output=True, text=True,
                          timeout=60).stdout.strip()
    verify = subprocess.run([*GUARD, "--config", str(config), "audit", "verify", "--anchor", head],
                            capture_output=True, text=True, timeout=60)
    exported = subprocess.run([*GUARD, "--config", str(config), "audit", "export"], capture_output=True,
                              text=True, timeout=60).stdout
    recorded = "second-call-unrecorded" in exported
    answered = "error" not in answer and not answer["result"].get("isError")
    # Secure: either the call was recorded, or it was refused (no unrecorded result), or verify says so.
    assert recorded or not answered or verify.returncode != 0, (
        f"call answered ({text_of(answer)[:60]!r}), not recorded, and verify says: {verify.stdout.strip()}")
