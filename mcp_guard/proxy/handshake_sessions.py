"""Handshake-era HTTP sessions kept in the store, so any `serve` replica can answer any request of one.

A session opened with `initialize` is recorded (`http_sessions`): its id, a hash of the credential
that opened it, what a rebuild needs of the client's initialize params (version, capabilities,
clientInfo), the version answered, the guards' session id, its `session start` binding, when it was
created and last used. The rows are bounded by the live sessions: a session ended or given up is
deleted, one idle past twice the timeout too, and only the most recently used ones of a client
(`max_sessions_per_client`) and of all (`max_sessions`) keep their params, i.e. can be rebuilt. A replica that gets a
request for a session it does not hold rebuilds it from the record: a transport with the same id and
a relay that is sent the recorded `initialize` and `notifications/initialized` first (`ResumeChannel`;
the answer to the replayed initialize goes nowhere), exactly as the client once sent them.

What cannot move with it: an open GET stream and a server-to-client request in flight live in the
process that holds them; the client reopens the stream on whichever replica it reaches next.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio

from mcp_guard.canonical import timestamp
from mcp_guard.proxy.jsonrpc import Message, RequestId

if TYPE_CHECKING:
    from mcp_guard.proxy.channels import Channel
    from mcp_guard.store import Store

log = logging.getLogger("mcp_guard.http")

# last_used is written at most this often per session and replica (a read checks the rest), and at
# least four times per idle timeout (so another replica never finds a session in use expired).
TOUCH_EVERY_S = 30.0
CLEAN_EVERY_S = 600.0  # how often a replica deletes the rows of long-gone sessions
# What a rebuild replays of the client's initialize params, kept up to MAX_KEPT_PARAMS bytes (a real
# client's are a few hundred; the body limit allows megabytes): a larger one is served only where it
# was opened.
KEPT_PARAMS = ("protocolVersion", "capabilities", "clientInfo")
MAX_KEPT_PARAMS = 8 * 1024
NOT_KEPT = "null"


def new_session_id() -> str:
    """An Mcp-Session-Id: 128 random bits, hex (visible ASCII, as the transport requires)."""
    return secrets.token_hex(16)


def owner_hash(credential: str | None) -> str:
    """What the store keeps of who opened a session: a hash of the credential's identity (the
    `session start` session, the static serve token's role, or no token), never a token."""
    return hashlib.sha256(b"mcp-guard http session owner\0" + (credential or "").encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    session_id: str  # the guards' and the audit log's session id
    intent_session: str | None
    init_params: dict[str, Any]
    negotiated: str | None


class SessionRecords:
    """The `http_sessions` table. Its calls block: callers run them with `call()` (off the event
    loop where a statement may wait: any write, and every statement on PostgreSQL)."""

    def __init__(self, store: Store, idle_timeout: float, per_owner: int = 8, total: int = 64) -> None:
        self.store = store
        self.idle = timedelta(seconds=idle_timeout)
        self.per_owner = per_owner  # sessions of one credential that keep their params (rebuildable)
        self.total = total  # and of all credentials
        self._touch_every = min(TOUCH_EVERY_S, idle_timeout / 4)
        self._touched: dict[str, float] = {}  # session -> when this replica last wrote its last_used
        self._cleaned = 0.0

    async def call(self, fn: Any, *args: Any) -> Any:
        reads = fn == self.find or (fn == self.alive and not self._touch_due(args[0]))
        if reads and self.store.dialect == "sqlite":
            return fn(*args)  # a local read costs microseconds
        return await anyio.to_thread.run_sync(fn, *args)

    def _write(self, sql: str, params: list[Any]) -> int:
        # SQLite: inside the one writer's transaction (a bare statement on the shared connection would
        # join a transaction another thread has open); PostgreSQL: one statement is atomic by itself.
        if self.store.dialect == "sqlite":
            with self.store.write() as db:
                return db.execute(sql, params).rowcount
        return self.store.execute(sql, params).rowcount

    def open(self, sid: str, credential: str | None, session_id: str, intent_session: str | None,
             params: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        kept = json.dumps({k: params[k] for k in KEPT_PARAMS if k in params})
        owner = owner_hash(credential)
        if time.monotonic() - self._cleaned >= CLEAN_EVERY_S:
            self._cleaned = time.monotonic()
            # idle past the timeout: no replica serves it any more (twice: last_used lags its use a little)
            self._write("DELETE FROM http_sessions WHERE last_used < ?", [timestamp(now - 2 * self.idle)])
        self._write("INSERT INTO http_sessions (id, owner_hash, session_id, intent_session, init_params, created, "
                    "last_used) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [sid, owner, session_id, intent_session, kept if len(kept) <= MAX_KEPT_PARAMS
                     else NOT_KEPT, timestamp(now), timestamp(now)])
        # The least recently used beyond the limits are served on, but only by the replica holding them.
        self._write("UPDATE http_sessions SET init_params = ? WHERE owner_hash = ? AND init_params != ? AND id NOT IN "
                    "(SELECT id FROM http_sessions WHERE owner_hash = ? AND init_params != ? "
                    "ORDER BY last_used DESC, created DESC LIMIT ?)",
                    [NOT_KEPT, owner, NOT_KEPT, owner, NOT_KEPT, self.per_owner])
        self._write("UPDATE http_sessions SET init_params = ? WHERE init_params != ? AND id NOT IN "
                    "(SELECT id FROM http_sessions WHERE init_params != ? ORDER BY last_used DESC, created DESC "
                    "LIMIT ?)", [NOT_KEPT, NOT_KEPT, NOT_KEPT, self.total])
        self._touched[sid] = time.monotonic()

    def negotiated(self, sid: str, version: str | None) -> None:
        self._write("UPDATE http_sessions SET negotiated = ? WHERE id = ?", [version, sid])

    def find(self, sid: str, credential: str | None) -> SessionRecord | None:
        """The session, if it exists, is not ended or idle past the timeout, and `credential` opened it."""
        row = self.store.execute(
            "SELECT owner_hash, session_id, intent_session, init_params, negotiated, last_used, ended "
            "FROM http_sessions WHERE id = ?", [sid]).fetchone()
        if row is None or row[6] is not None or row[4] is None:
            return None  # unknown, ended, or its initialize was never answered
        if datetime.fromisoformat(row[5]) + self.idle <= datetime.now(UTC):
            return None
        if not secrets.compare_digest(row[0], owner_hash(credential)):
            return None  # a session id seen on the wire lets no other credential in
        params = json.loads(row[3])
        if not isinstance(params, dict):
            return None  # too large to keep: served only by the replica that opened it
        return SessionRecord(sid, row[1], row[2], params, row[4])

    def _touch_due(self, sid: str) -> bool:
        return time.monotonic() - self._touched.get(sid, -math.inf) >= self._touch_every

    def alive(self, sid: str) -> bool:
        """A request of a session held here: False if it was ended (elsewhere); records its use."""
        if self._touch_due(sid):
            self._touched[sid] = time.monotonic()
            return self._write("UPDATE http_sessions SET last_used = ? WHERE id = ? AND ended IS NULL",
                               [timestamp(datetime.now(UTC)), sid]) == 1
        row = self.store.execute("SELECT ended FROM http_sessions WHERE id = ?", [sid]).fetchone()
        return row is not None and row[0] is None

    def end(self, sid: str, credential: str | None) -> bool:
        """End the session everywhere (DELETE): its row goes; False if it is not `credential`'s or
        already ended."""
        self._touched.pop(sid, None)
        return self._write("DELETE FROM http_sessions WHERE id = ? AND owner_hash = ? AND ended IS NULL",
                           [sid, owner_hash(credential)]) == 1

    def drop(self, sid: str) -> None:
        """End the session everywhere (given up under the session limits): its row goes."""
        self._touched.pop(sid, None)
        self._write("DELETE FROM http_sessions WHERE id = ?", [sid])

    def forget(self, sid: str) -> None:
        """This replica no longer holds the session (the record stays for the others)."""
        self._touched.pop(sid, None)


class OpeningChannel:
    """The channel of a session just opened: tells `on_answer` the version the relay answered to the
    client's initialize, before the answer leaves (a client may send its next request anywhere)."""

    def __init__(self, inner: Channel, on_answer: Any) -> None:
        self._inner = inner
        self._on_answer = on_answer
        self._initialize_id: RequestId | None = None
        self.label = inner.label

    async def receive(self) -> tuple[Message, bytes | None]:
        msg, raw = await self._inner.receive()
        if self._initialize_id is None and msg.get("method") == "initialize" and "id" in msg:
            self._initialize_id = msg["id"]
        return msg, raw

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None:
        answers = self._initialize_id is not None and "method" not in msg and msg.get("id") == self._initialize_id
        if self._on_answer is not None and answers:
            on_answer, self._on_answer = self._on_answer, None
            result = msg.get("result")
            await on_answer(result.get("protocolVersion") if isinstance(result, dict) else None)
        await self._inner.send(msg, raw, related_id)

    async def aclose(self) -> None:
        await self._inner.aclose()


class ResumeChannel:
    """The channel of a session rebuilt on this replica: the relay first reads the recorded
    initialize (its answer is dropped) and, once answered, notifications/initialized; then the client."""

    def __init__(self, inner: Channel, record: SessionRecord) -> None:
        self._inner = inner
        self._record = record
        self._replay_id = "mcp-guard-resume-" + secrets.token_hex(8)
        self._stage = 0  # 0: initialize to send; 1: waiting for its answer; 2: the client's
        self._answered = anyio.Event()
        self.label = inner.label

    async def receive(self) -> tuple[Message, bytes | None]:
        if self._stage == 0:
            self._stage = 1
            return {"jsonrpc": "2.0", "id": self._replay_id, "method": "initialize",
                    "params": self._record.init_params}, None
        if self._stage == 1:
            await self._answered.wait()
            self._stage = 2
            return {"jsonrpc": "2.0", "method": "notifications/initialized"}, None
        return await self._inner.receive()

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None:
        if self._stage == 1 and "method" not in msg and msg.get("id") == self._replay_id:
            result = msg.get("result")
            version = result.get("protocolVersion") if isinstance(result, dict) else None
            if version != self._record.negotiated:
                log.warning("session %s rebuilt with protocol version %s (opened with %s)",
                            self._record.id, version, self._record.negotiated)
            self._answered.set()
            return
        await self._inner.send(msg, raw, related_id)

    async def aclose(self) -> None:
        await self._inner.aclose()
