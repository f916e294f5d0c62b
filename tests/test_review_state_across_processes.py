"""A call's review state, remembered between calls while nothing but the audit log's own records is
committed: a decision made in another process still takes effect at the very next call."""

from __future__ import annotations

import json
import subprocess

from mcp_guard.audit import AuditLog
from mcp_guard.review import ReviewQueue
from mcp_guard.store import open_store
from tests.clients import GUARD, RawClient, fixture, upstream_toml, write_config


def test_the_stamp_ignores_the_logs_own_records_and_sees_any_other_commit(tmp_path):
    db = tmp_path / "guard.db"
    log = AuditLog(open_store(db), durability="group")
    first = log.others_stamp()
    assert first is not None
    for n in range(3):  # this log's own appends: nothing else changed
        log.append("test.event", None, {"n": n})
        assert log.others_stamp() == first
    other = open_store(db)  # another connection, as another process writes
    with other.write():
        other.execute("INSERT INTO adhoc_names (name, identity, command, first_seen) "
                      "VALUES ('p', 'path:/p', '[]', 'now')")
    changed = log.others_stamp()
    assert changed is not None and changed != first
    log.append("test.event", None, {"n": 3})
    assert log.others_stamp() == changed
    other.close()
    log.close()
    assert AuditLog(open_store(None), durability="group").others_stamp() is None  # one connection: no stamp


def _call(client: RawClient) -> dict:
    return client.request("tools/call", {"name": "echo", "arguments": {"text": "hi"}})["result"]


def _review(config, decision: str, ident: str) -> None:
    done = subprocess.run([*GUARD, "--config", str(config), "review", decision, ident, "--reason", "test"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_decision_in_another_process_takes_effect_at_the_next_call(tmp_path):
    db = tmp_path / "guard.db"
    config = write_config(tmp_path / "c.toml", f"[storage]\npath = {json.dumps(str(db))}\n\n"
                          + upstream_toml("echo", fixture("echo_server.py"), 'trust = "tofu"'))
    client = RawClient([*GUARD, "--config", str(config), "run", "--upstream", "echo"])
    try:
        client.handshake()
        assert [t["name"] for t in client.request("tools/list")["result"]["tools"]] == ["echo", "blob"]
        for _ in range(3):  # approved on first use; the calls after the first read no state again
            assert _call(client)["isError"] is False
        queue = ReviewQueue(open_store(db))
        [ident] = [i.id for i in queue.items(kind="tool", states=["approved"]) if i.name == "echo"]
        queue.store.close()
        for _ in range(2):
            _review(config, "reject", ident)
            for _ in range(2):
                held = _call(client)
                assert held["isError"] is True and "echo" in held["content"][0]["text"]
            _review(config, "approve", ident)
            for _ in range(2):
                assert _call(client)["isError"] is False
    finally:
        client.close()
