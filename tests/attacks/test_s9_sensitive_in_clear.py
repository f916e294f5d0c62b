"""Class: what the config keeps only as a digest is kept in clear elsewhere (session 9, attacker).
`[audit] sensitive = ["UPSTREAM/TOOL:ARG"]` keeps an argument in the audit trail only as its SHA-256
(`audit/data.call_data`), but
- a call the intent guard asks about and holds for a person (no elicitation) is stored with all its
  arguments as they are in the `approvals` table (`approvals.hold` is always called with
  `keep_arguments=True`, and nothing redacts): the password sits in the database file, and
  `mcp-guard approvals list` prints it;
- the intent guard's reason quotes the value it judged (`account='…'`, lower-cased), and the `call`
  record keeps the reason beside the digested argument: the audit trail holds the value in clear.
  (The lower-casing also slips past the exact-match redaction of granted secrets in `audit/log.py`.)
The control: an argument the reason does not quote is kept only as its digest.
"""

from __future__ import annotations

import os
import sqlite3

from tests.attacks.client import Attacker, text_of
from tests.attacks.test_intent_e2e import reached, world

PASSWORD = "Hunter2-correct-horse-battery"
ACCOUNT = "acct-private-99173"


def _held_call(tmp_path, sensitive: str = "password"):
    cfg, log = world(tmp_path, ["read_notes", "set_password"], {"read_notes": "Groceries: milk, eggs."},
                     f'[audit]\nsensitive = ["world/set_password:{sensitive}"]\n')
    with Attacker(cfg, "--upstream", "world", "--intent", "Summarise my notes") as a:
        a.open()
        a.names()
        a.call("read_notes", {})
        answer = a.call("set_password", {"account": ACCOUNT, "password": PASSWORD})
    assert "held" in text_of(answer), text_of(answer)  # asked (unasked action), held for a person
    assert reached(log, "set_password") == []
    return tmp_path / "guard.db"


def _rows(db, sql):
    conn = sqlite3.connect(db)
    try:
        return [" ".join(map(str, row)) for row in conn.execute(sql)]
    finally:
        conn.close()


def test_the_audit_trail_keeps_only_the_digest(tmp_path):
    db = _held_call(tmp_path)
    audit = _rows(db, "SELECT data FROM audit")
    assert any("set_password" in r for r in audit), audit
    assert not any(PASSWORD in r for r in audit), audit


def test_a_held_call_keeps_no_sensitive_argument_in_clear(tmp_path):
    db = _held_call(tmp_path)
    held = _rows(db, "SELECT tool, arguments, reason FROM approvals")
    assert held and any("set_password" in r for r in held), held
    assert not any(PASSWORD in r for r in held), held


def test_the_audit_trail_quotes_no_sensitive_argument_in_a_reason(tmp_path):
    db = _held_call(tmp_path, sensitive="account")  # the argument the "ungrounded" reason quotes
    audit = [r for r in _rows(db, "SELECT data FROM audit WHERE kind = 'call'") if "set_password" in r]
    assert audit and all('"digested":["account"]' in r for r in audit), audit
    assert not any(ACCOUNT in r.lower() for r in audit), audit


TOKEN = "ghp_Z9xQ7mK2pL4vR8tYw3Nc"


def test_a_granted_secret_reaches_no_record_in_any_case(tmp_path):
    """A session's granted secret in a call's arguments is redacted there ("[REDACTED]"), but the
    reason quotes it lower-cased, which the exact-match redaction misses; the held call keeps it too."""
    cfg, log = world(tmp_path, ["read_notes", "set_password"], {"read_notes": "Groceries: milk, eggs."},
                     '[profiles.dev]\nowner = "me"\ngrants = ["GH_TOKEN"]\n')
    cfg.write_text(cfg.read_text() + 'secrets = { GH_TOKEN = "env:S9_GH_SOURCE" }\n')
    with Attacker(cfg, "--upstream", "world", "--intent", "Summarise my notes", "--profile", "dev",
                  env={**os.environ, "S9_GH_SOURCE": TOKEN}) as a:
        a.open()
        a.names()
        a.call("read_notes", {})
        answer = a.call("set_password", {"account": TOKEN, "password": "x"})
    assert "held" in text_of(answer), text_of(answer)
    audit = [r for r in _rows(tmp_path / "guard.db", "SELECT data FROM audit WHERE kind = 'call'")
             if "set_password" in r]
    assert audit and all("REDACTED" in r for r in audit), audit  # the arguments are redacted
    assert not any(TOKEN.lower() in r.lower() for r in audit), audit
    held = _rows(tmp_path / "guard.db", "SELECT arguments, reason FROM approvals")
    assert not any(TOKEN.lower() in r.lower() for r in held), held
