"""The store's record of handshake-era HTTP sessions (`mcp_guard.proxy.handshake_sessions`), on a
real SQLite file: what a replica that never saw a session may rebuild, and for whom."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from mcp_guard.canonical import timestamp
from mcp_guard.proxy.handshake_sessions import (
    MAX_KEPT_PARAMS,
    OpeningChannel,
    ResumeChannel,
    SessionRecords,
    new_session_id,
)
from mcp_guard.store import SCHEMA_VERSION, open_store
from tests.postgres import pg_url, postgres_cluster  # noqa: F401 - fixtures

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


PARAMS = {"protocolVersion": "2025-11-25", "capabilities": {"roots": {"listChanged": True}},
          "clientInfo": {"name": "c", "version": "1"}}


@pytest.fixture
def records(tmp_path):
    store = open_store(tmp_path / "guard.db")
    yield SessionRecords(store, idle_timeout=60)
    store.close()


def test_a_session_is_found_only_for_the_credential_that_opened_it(records):
    sid = new_session_id()
    records.open(sid, "session:s-1", "s-1", "s-1", PARAMS)
    assert records.find(sid, "session:s-1") is None  # its initialize not answered yet: nothing to rebuild
    records.negotiated(sid, "2025-11-25")
    found = records.find(sid, "session:s-1")
    assert found is not None and found.init_params == PARAMS and found.session_id == "s-1"
    assert found.intent_session == "s-1" and found.negotiated == "2025-11-25"
    for other in ("session:s-2", "serve-token", None):
        assert records.find(sid, other) is None
    assert records.find(new_session_id(), "session:s-1") is None
    stored = records.store.execute("SELECT owner_hash FROM http_sessions").fetchone()[0]
    assert "s-1" not in stored and len(stored) == 64


def test_ended_and_idle_sessions_are_not_rebuilt(records):
    ended, idle = new_session_id(), new_session_id()
    for sid in (ended, idle):
        records.open(sid, None, "guard-" + sid, None, PARAMS)
        records.negotiated(sid, "2025-11-25")
    assert not records.end(ended, "serve-token")  # another credential cannot end it
    assert records.alive(ended) and records.find(ended, None) is not None
    assert records.end(ended, None) and not records.end(ended, None)
    assert records.find(ended, None) is None and not records.alive(ended)
    long_ago = timestamp(datetime.now(UTC) - timedelta(seconds=61))
    records.store.execute("UPDATE http_sessions SET last_used = ? WHERE id = ?", [long_ago, idle])
    assert records.find(idle, None) is None


def test_oversized_initialize_params_are_not_kept(records):
    """A client cannot fill the shared database through its initialize: such a session stays where
    it was opened (alive there, not rebuilt elsewhere)."""
    sid = new_session_id()
    big = {**PARAMS, "capabilities": {"experimental": {"pad": "x" * (MAX_KEPT_PARAMS + 1)}}}
    records.open(sid, None, "g-big", None, big)
    records.negotiated(sid, "2025-11-25")
    assert records.alive(sid) and records.find(sid, None) is None
    assert len(records.store.execute("SELECT init_params FROM http_sessions").fetchone()[0]) < 10


def test_only_what_a_rebuild_needs_of_initialize_is_kept(records):
    sid = new_session_id()
    records.open(sid, None, "g-1", None, {**PARAMS, "_meta": {"pad": "x" * 100_000}, "other": [1] * 1000})
    records.negotiated(sid, "2025-11-25")
    assert records.find(sid, None).init_params == PARAMS


def _kept(store, owner=None):
    return store.execute("SELECT count(*) FROM http_sessions WHERE init_params != 'null'").fetchone()[0]


def test_ended_and_given_up_sessions_leave_no_row(records):
    ended, given_up, live = new_session_id(), new_session_id(), new_session_id()
    for sid in (ended, given_up, live):
        records.open(sid, None, "g-" + sid, None, PARAMS)
    records.end(ended, None)
    records.drop(given_up)
    assert [r[0] for r in records.store.execute("SELECT id FROM http_sessions")] == [live]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rebuildable_sessions_are_capped_per_credential_and_in_total(tmp_path, request, backend):
    """The least recently used beyond the limits lose their params: alive where they are held,
    never rebuilt elsewhere; so what the store keeps of sessions is bounded whatever a client opens."""
    store = open_store(tmp_path / "guard.db" if backend == "sqlite" else request.getfixturevalue("pg_url"))
    records = SessionRecords(store, idle_timeout=60, per_owner=2, total=3)
    mine = [new_session_id() for _ in range(5)]
    for sid in mine:
        records.open(sid, "serve-token", "g-" + sid, None, PARAMS)
        records.negotiated(sid, "2025-11-25")
    assert _kept(store) == 2
    assert [records.find(sid, "serve-token") is not None for sid in mine] == [False, False, False, True, True]
    assert all(records.alive(sid) for sid in mine)
    others = [new_session_id() for _ in range(2)]
    for i, sid in enumerate(others):
        records.open(sid, f"session:s-{i}", "g-" + sid, None, PARAMS)
        records.negotiated(sid, "2025-11-25")
    assert _kept(store) == 3 and records.find(others[1], "session:s-1") is not None
    store.close()


def test_a_schema_2_database_gains_the_session_table(tmp_path):
    path = tmp_path / "guard.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE http_sessions")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    store = open_store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.execute("SELECT count(*) FROM http_sessions").fetchone()[0] == 0
    store.close()


class _Pipe:
    """A client channel of memory streams: what the client sent, and what reached it."""

    def __init__(self, incoming: list[dict]) -> None:
        self.label = "client"
        self.incoming = list(incoming)
        self.sent: list[dict] = []

    async def receive(self):
        if not self.incoming:
            raise anyio.EndOfStream
        return self.incoming.pop(0), None

    async def send(self, msg, raw=None, related_id=None):
        self.sent.append(msg)

    async def aclose(self):
        pass


async def test_a_rebuilt_relay_hears_the_recorded_handshake_and_the_client_never_sees_its_answer(records):
    sid = new_session_id()
    records.open(sid, None, "g-1", None, PARAMS)
    records.negotiated(sid, "2025-11-25")
    record = records.find(sid, None)
    client = _Pipe([{"jsonrpc": "2.0", "id": 7, "method": "tools/list"}])
    channel = ResumeChannel(client, record)
    first, _ = await channel.receive()
    assert first["method"] == "initialize" and first["params"] == PARAMS
    with anyio.move_on_after(0.2) as waited:  # notifications/initialized only after the answer
        await channel.receive()
    assert waited.cancel_called
    await channel.send({"jsonrpc": "2.0", "id": first["id"], "result": {"protocolVersion": "2025-11-25"}})
    assert (await channel.receive())[0] == {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert (await channel.receive())[0]["id"] == 7
    await channel.send({"jsonrpc": "2.0", "id": 7, "result": {"tools": []}})
    assert client.sent == [{"jsonrpc": "2.0", "id": 7, "result": {"tools": []}}]


async def test_the_version_answered_is_recorded_before_the_answer_leaves():
    seen: list[str | None] = []
    client = _Pipe([{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": PARAMS}])

    async def on_answer(version):
        seen.append(version)
        assert client.sent == []

    channel = OpeningChannel(client, on_answer)
    await channel.receive()
    await channel.send({"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-06-18"}})
    await channel.send({"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "again"}})
    assert seen == ["2025-06-18"] and len(client.sent) == 2


def test_a_session_in_use_is_never_found_expired_by_another_replica(tmp_path):
    """last_used is written often enough for a short idle timeout too (not only every half minute)."""
    import time

    store = open_store(tmp_path / "guard.db")
    here, elsewhere = SessionRecords(store, idle_timeout=0.8), SessionRecords(store, idle_timeout=0.8)
    sid = new_session_id()
    here.open(sid, None, "g", None, PARAMS)
    here.negotiated(sid, "2025-11-25")
    for _ in range(5):  # in use here for twice the idle timeout
        time.sleep(0.35)
        assert here.alive(sid)
    assert elsewhere.find(sid, None) is not None
    store.close()
