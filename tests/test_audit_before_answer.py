"""Durability "group" (the default): a call's record is committed while the server works on it, and its
answer goes to the client only once that record is committed. The test holds the database's write lock
(as another process appending would), so the proxy can forward the call but not commit its record: the
server answers, the client must not get that answer; killed then, the proxy has delivered nothing that
its audit log lacks. Released instead, the answer arrives with its record in the log."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time

import pytest

from tests.attacks.client import Attacker, server, write_config

MARKER = "MARKER-5d1c"


def held_call(tmp_path):
    """A proxy with one call forwarded while the test holds the write lock: (client, lock, db)."""
    seen, db = tmp_path / "seen.jsonl", tmp_path / "guard.db"
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"k": (server("kill_parent.py", str(seen), "never"), 'trust = "tofu"')},
                       f'[storage]\npath = "{db}"\n[intent]\nmode = "off"\n')
    client = Attacker(cfg)
    client.open()
    assert client.names() == ["lookup"]
    lock = sqlite3.connect(db, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    client.send(client.new_request("tools/call", {"name": "lookup", "arguments": {"word": MARKER}}))
    for _ in range(200):
        if seen.exists() and MARKER in seen.read_text():
            break
        time.sleep(0.05)
    assert MARKER in seen.read_text(), "the call never reached the server"
    return client, lock, db


def recorded(db) -> bool:
    return any(MARKER in data for (data,) in sqlite3.connect(db).execute("SELECT data FROM audit"))


def test_an_answer_waits_for_its_record_and_a_kill_meanwhile_delivers_nothing(tmp_path):
    client, lock, db = held_call(tmp_path)
    try:
        with pytest.raises(TimeoutError):  # the server has answered; the record is not committed
            client.read(timeout=1.5)
        os.kill(client.proc.pid, signal.SIGKILL)
        client.proc.wait(10)
        with pytest.raises(EOFError):  # nothing was delivered before the kill
            while True:
                client.read(timeout=5)
    finally:
        lock.rollback()
        client.close()
    assert not recorded(db)  # consistent: no answer went out, and no record was committed


def test_an_answer_goes_out_once_its_record_is_committed(tmp_path):
    client, lock, db = held_call(tmp_path)
    try:
        with pytest.raises(TimeoutError):
            client.read(timeout=1.0)
        lock.rollback()  # the other "process" is done: the proxy commits, then answers
        answer = client.read(timeout=20)
        assert answer.get("id") == 3 and "result" in answer, json.dumps(answer)
        assert recorded(db)
    finally:
        client.close()
