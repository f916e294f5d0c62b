"""Class: audit - durability "full" promises write-ahead ("a call the server sees has its record"; the
default, "group", promises that an answer the client gets has its record: test_audit_before_answer.py).

A server that SIGKILLs the proxy the moment a request reaches it shows what was committed before the
request was forwarded. Checked for tools/call (the promise) and for the other requests the agent
makes of an upstream (resources/read, prompts/get, completion/complete): each reaches the server, so
each should have a record in the audit log after the kill.

Result: tools/call holds (its record is committed before the server sees it). resources/read,
prompts/get and completion/complete have NO record at all - not even without a kill (a clean run
logs session.start, review, call, session.end only): the review gate judges them (a held resource or
prompt is refused) and forwards them, but the audit trail never says which resource/prompt the agent
read or what it sent in prompt arguments / completion values (README: "Judged = forwarded = audited",
"every decision is recorded").
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from tests.attacks.client import Attacker, envelope, server, write_config

# The server reaches the proxy through /proc/PPID (its store's file, its process): it runs as a plain
# child, not in its own namespaces, so that what this tests (the proxy's own defences) is reached.
UNISOLATED = 'trust = "tofu"\nisolate = false'

REQUESTS = {
    "tools/call": {"name": "lookup", "arguments": {"word": "MARKER-7f3a"}},
    "resources/read": {"uri": "k://doc?MARKER-7f3a"},
    "prompts/get": {"name": "greet", "arguments": {"who": "MARKER-7f3a"}},
    "completion/complete": {"ref": {"type": "ref/prompt", "name": "greet"},
                            "argument": {"name": "who", "value": "MARKER-7f3a"}},
}


@pytest.mark.parametrize("era", ["handshake", "2026-07-28"])
@pytest.mark.parametrize("method", list(REQUESTS))
def test_request_the_server_saw_has_a_record_after_a_kill(tmp_path, method, era):
    seen = tmp_path / "seen.jsonl"
    db = tmp_path / "guard.db"
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"k": (server("kill_parent.py", str(seen), method), UNISOLATED)},
                       f'[storage]\npath = "{db}"\n[intent]\nmode = "off"\n[audit]\ndurability = "full"\n')
    with Attacker(cfg) as c:
        if era == "handshake":
            c.open()
            c.names()
            c.names("resources/list", "resources", "uri")
            c.names("prompts/list", "prompts")
            c.send(c.new_request(method, REQUESTS[method]))
        else:
            for m in ("tools/list", "resources/list", "prompts/list"):
                c.request(m, {"_meta": envelope()})
            c.send(c.new_request(method, {**REQUESTS[method], "_meta": envelope()}))
        for _ in range(100):
            if seen.exists() and method in seen.read_text():
                break
            time.sleep(0.05)
        time.sleep(0.5)
    assert method in seen.read_text(), "the request never reached the server"
    rows = [r[0] for r in sqlite3.connect(db).execute("SELECT data FROM audit")]
    assert any("MARKER-7f3a" in r for r in rows), f"{method} reached the server with no record: " + json.dumps(
        [json.loads(r).get("method") or json.loads(r).get("tool") for r in rows])
