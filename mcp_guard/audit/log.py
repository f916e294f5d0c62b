"""The log: appends to and reads of the `audit` table of the store, verification and export.

A one-row `audit_head` table, written in the same transaction as each record, holds the last sequence
number and hash: deleting records from the end leaves the head pointing past them.

What a chain cannot show on its own: someone able to write the database can recompute every hash
from the point they changed onwards and rewrite the head, or delete the whole file. Against that,
copy the head (`mcp-guard audit head`) somewhere they cannot write and verify with `--anchor`.

Many processes share one database: an append reads the head and inserts inside the store's
`write()` transaction (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL, an advisory lock taken first), so
the read and the write are one atomic step and the chain stays single, whichever host writes. On
SQLite, appending processes first queue for an OS lock on a file beside the database
(`<db>-audit.lock`), then take SQLite's write lock, which they then find free. Waiting on SQLite's
lock alone let one process lose the race for hundreds of milliseconds while others committed
(measured with 8 processes: the worst wait was in taking the lock, 0.5-1 s, not in the commit's
fsync, ~60 ms): its busy handler sleeps up to 100 ms between tries. The queue is polled with sleeps
of at most 2 ms (a blocking flock would be woken at once, but cannot time out: a process of the user
holding the file for good would hang every appender); past the store's busy timeout the append fails
with one line, as it does when SQLite's own lock is held that long. The append's own connection never
checkpoints the WAL inside a commit: `AuditWriter` calls `checkpoint` after it has answered its waiters.

Durability: `durability="full"` (this class's default) commits with `PRAGMA synchronous=FULL`, so a
record is on disk (the WAL is fsynced) before `append` returns and survives a power cut. `"group"`
commits without the fsync (the record survives a crash of the process) and `sync()` then fsyncs the
WAL once for every commit made before it began (`AuditWriter` does so in a thread of its own, right
after each commit). `"normal"` skips the fsync: a record survives the process being killed, but the
last commits may be lost if the machine itself crashes (the chain stays consistent: the database rolls
back whole transactions, head included). On PostgreSQL, "full" and "group" are `synchronous_commit`
on (durable at commit; `sync()` has nothing to do) and "normal" is off.
`append` blocks its thread until the write lock is free: the proxy appends only through
`AuditWriter`'s thread, never on its event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Literal

import orjson

from mcp_guard.audit.chain import (
    FORMAT,
    FORMAT_VERSION,
    GENESIS,
    AuditRecord,
    VerifyResult,
    _Chain,
    record_hash,
)
from mcp_guard.audit.data import any_of, redact
from mcp_guard.canonical import canonical, is_plain, jsonable
from mcp_guard.canonical import now as _now
from mcp_guard.errors import AuditError
from mcp_guard.store import BUSY_TIMEOUT_MS, Busy, Store

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

_log = logging.getLogger("mcp_guard")

# A record's kind is a dotted lower-case word (session.start, call, review, approval, provenance, ...).
_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
Durability = Literal["full", "group", "normal"]


def _queue_file(store: Store) -> int:
    """The lock file appending processes queue on; -1 where there is none (PostgreSQL, whose advisory
    lock queues them; a database in memory; a system without `flock`; a folder that cannot hold it)."""
    path = getattr(store, "path", None)
    if path is None or fcntl is None:
        return -1
    try:
        return os.open(f"{path}-audit.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return -1


def _take(fd: int, *, turn: bool) -> None:
    """One try, without blocking (BlockingIOError when held): the lock itself (`flock` of the file),
    or the turn to take it next (a POSIX lock on its first byte: the two kinds never conflict). The
    turn only orders processes (a POSIX lock is the whole process's, shared by two logs of one
    process); the flock alone keeps two appends apart."""
    if turn:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
        except PermissionError:  # EACCES: what some systems answer for a lock held
            raise BlockingIOError from None
    else:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _free(fd: int, *, turn: bool) -> None:
    if turn:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 0)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _poll(fd: int, deadline: float, *, turn: bool) -> bool:
    """Take the lock (or the turn) by polling until `deadline`; whether it was taken."""
    delay = 50e-6
    while True:
        try:
            _take(fd, turn=turn)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
        time.sleep(random.uniform(0, delay))
        delay = min(delay * 2, 0.002)


# How long a process waits for the turn before it polls for the lock without it: the turn is a hint that
# orders processes, never a gate (a process stopped while it holds the turn, Ctrl-Z or a debugger, must not
# stall the others); a batch holds the lock for milliseconds.
TURN_WAIT_S = 1.0


@contextlib.contextmanager
def _queued(fd: int) -> Iterator[None]:
    """Hold the appenders' OS lock for one transaction. It is released when the process dies, so a
    killed appender never blocks the others; one that keeps it (any process of the user can open
    the file) is waited for up to the store's busy timeout, then the append fails with one line, as
    when SQLite's own write lock is held that long. Taken without blocking, polled with short random
    sleeps (50 µs doubling to 2 ms, as `BEGIN IMMEDIATE` is): a blocking flock cannot time out.

    Polling alone is no queue: a process that has just released the lock, its next batch ready, took
    it again before any sleeping poller woke, and under contention a process waited seconds for a
    turn. So a process first takes the turn (a second lock), then waits for the lock holding it, and
    gives the turn up once it has the lock: one that has just released the lock must wait for the
    turn, which the next process holds, and the lock goes round. The turn is waited for at most
    `TURN_WAIT_S`: a process stopped while holding it delays the others by that, never stalls them."""
    if fd < 0:
        yield
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    turn = _poll(fd, min(deadline, time.monotonic() + TURN_WAIT_S), turn=True)
    try:
        if not _poll(fd, deadline, turn=False):
            raise AuditError(f"cannot write the audit log: another process has held its lock file for "
                             f"{BUSY_TIMEOUT_MS // 1000} s")
    finally:
        if turn:
            _free(fd, turn=True)
    try:
        yield
    finally:
        _free(fd, turn=False)


class AuditLog:
    """Append to, read and verify the hash-chained audit log of one store."""

    def __init__(self, store: Store, *, durability: Durability = "full", secrets: Iterable[str] = ()) -> None:
        if durability not in ("full", "group", "normal"):
            raise ValueError(f"durability must be 'full', 'group' or 'normal', not {durability!r}")
        self.store = store
        self.durability = durability
        self._db = store.audit_handle(durability)  # on SQLite, connections of its own
        self._lock = threading.Lock()  # one transaction at a time on these connections
        self._queue_fd: int | None = None  # the processes' queue for the write lock, opened by the first append
        self._commits = 0  # since the last checkpoint
        # (data_version, seq, hash) as this log's last commit left them, and what the open transaction
        # will leave once committed: while no other connection has committed since, the head is ours
        # and no trigger can have been planted, so an append need not read them again.
        self._left: tuple[int, int, str] | None = None
        self._leaving: tuple[int, int, str] | None = None
        self._secrets: set[str] = set(secrets)
        self._secret_pattern = any_of(self._secrets)  # made once: every record is redacted with it

    def close(self) -> None:
        if self._db is not self.store:
            self._db.close()
        if self._queue_fd is not None and self._queue_fd >= 0:
            os.close(self._queue_fd)
        self._queue_fd = None

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Values that must never reach the log: every later append redacts them."""
        self._secrets.update(s for s in secrets if s)
        self._secret_pattern = any_of(self._secrets)

    def redacted(self, data: Any) -> Any:
        """`data` without the values `add_secrets` named, as a record would keep it (for what is kept
        beside the log: a held call)."""
        return redact(data, self._secret_pattern) if self._secret_pattern is not None else data

    # writing

    def append(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
        """Add one record; it is committed (fsynced with durability="full") when this returns."""
        return self.append_many([(kind, session_id, data)])[0]

    def append_many(self, entries: Iterable[tuple[str, str | None, Mapping[str, Any]]]) -> list[AuditRecord]:
        """Add several records in one transaction (one fsync): all or none."""
        return self._write([self._prepare(kind, session_id, data) for kind, session_id, data in entries])

    def _write(self, prepared: list[tuple[str, str | None, str, str, dict[str, Any]]]) -> list[AuditRecord]:
        if not prepared:
            return []
        db = self._db
        with self._lock:
            if self._queue_fd is None:
                self._queue_fd = _queue_file(db)  # only appending creates the file: reading never does
        with self._lock, _queued(self._queue_fd), self._errors(db):
            with db.write(durability=self.durability):
                out = self._append(db, prepared)
            self._committed()
        return out

    def _committed(self) -> None:
        self._commits += 1
        self._left, self._leaving = self._leaving, None

    def write_now(self, prepared: list[tuple[str, str | None, str, str, dict[str, Any]]]) -> list[AuditRecord] | None:
        """`_write` if that needs no wait: this log's connection, the processes' queue and SQLite's
        write lock all free at the first try (the event loop may then commit itself, with no thread
        hop); None where one is held, or the commit would wait for an fsync or the network
        (durability "full", PostgreSQL): the caller hands the record to the writer thread instead."""
        db = self._db
        if self.durability == "full" or db.dialect != "sqlite" or getattr(db, "path", None) is None:
            return None
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._queue_fd is None:
                self._queue_fd = _queue_file(db)
            fd = self._queue_fd
            if fd >= 0:
                try:  # the turn first: a process waiting for the lock holds it, and goes first
                    _take(fd, turn=True)
                except BlockingIOError:
                    return None
                try:
                    _take(fd, turn=False)
                except BlockingIOError:
                    return None
                finally:
                    _free(fd, turn=True)
            try:
                with self._errors(db), db.write(durability=self.durability, wait=False):
                    out = self._append(db, prepared)
            except Busy:
                return None
            finally:
                if fd >= 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            self._committed()
            return out
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def _errors(self, db: Store) -> Iterator[None]:
        try:
            yield
        except db.IntegrityError:
            raise AuditError("audit log head is behind its records (tampered?): run `mcp-guard audit verify`") from None
        except db.Error as err:
            raise AuditError(f"cannot write the audit log: {_one_line(err)}") from None

    def _append(self, db: Store, prepared: list[tuple[str, str | None, str, str, dict[str, Any]]]) -> list[AuditRecord]:
        """Inside the write transaction: the records after the head, and the head moved to the last."""
        left, self._left, self._leaving = self._left, None, None  # known again only once this commits
        version = None
        if db is not self.store and db.dialect == "sqlite" and getattr(db, "path", None) is not None:
            # (not on a connection shared with everything else: its own writes leave data_version as is)
            version = int(db.execute("PRAGMA data_version").fetchone()[0])
        if left is not None and left[0] == version:
            seq, prev = left[1], left[2]  # nothing but this log committed since: head and schema as it left them
        else:
            refuse_triggers(db)
            seq, prev = self._head_for_append(db)
        out: list[AuditRecord] = []
        rows = []
        for kind, session_id, text, data_sha, obj in prepared:
            seq += 1
            at = _now()
            h = record_hash(seq, at, kind, session_id, data_sha, prev)
            rows.append((seq, at, kind, session_id, text, prev, h))
            out.append(AuditRecord(seq, at, kind, session_id, obj, prev, h))
            prev = h
        db.executemany(
            "INSERT INTO audit (seq, at, kind, session_id, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            (seq, prev),
        )
        if version is not None:
            self._leaving = (version, seq, prev)
        return out

    def others_stamp(self) -> int | None:
        """A value that changes whenever anything but this log's own appends is committed to the
        database, by this process or another: while it stays the same, what other features keep there
        (a review decision, a held call's approval) is as it was. None where that cannot be told at
        once (not a SQLite file, or the log being written by another thread): then nothing may be
        assumed unchanged."""
        db = self._db
        if db is self.store or db.dialect != "sqlite" or getattr(db, "path", None) is None:
            return None  # one connection for everything (in memory), or not SQLite
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return db.others_version()
        except db.Error:
            return None
        finally:
            self._lock.release()

    def sync(self) -> None:
        """Make every record committed so far durable ("group"): fsync SQLite's WAL (the database
        file if there is no WAL). An fsync of any descriptor of a file writes all of its dirty pages,
        so committing meanwhile goes on; this is what `synchronous=FULL` does at each commit, once
        for a group. Nothing to do on PostgreSQL (durable at commit) or in memory."""
        path = getattr(self._db, "path", None)
        if path is None or self._db.dialect != "sqlite":
            return
        for name in (f"{path}-wal", str(path)):
            try:
                fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            return

    def checkpoint_due(self, every: int = 64) -> bool:
        return self._commits >= every

    def checkpoint(self, every: int = 64) -> None:
        """Copy SQLite's WAL into the database once every `every` commits of this log, outside the
        processes' queue (PASSIVE: never waits for, nor blocks, another process's commit); what it
        cannot copy now waits for the next one. Without it the WAL of a busy log would only grow."""
        if not self.checkpoint_due(every):
            return
        self._commits = 0
        with self._lock:
            try:
                self._db.checkpoint()
            except self._db.Error as err:  # a busy database: the next checkpoint copies it
                _log.debug("audit: checkpoint deferred: %s", _one_line(err))

    def _prepare(
        self, kind: str, session_id: str | None, data: Mapping[str, Any]
    ) -> tuple[str, str | None, str, str, dict[str, Any]]:
        if not isinstance(kind, str) or not _KIND.match(kind):
            raise ValueError(f"audit record kind must be a dotted lower-case word, not {kind!r}")
        if not isinstance(data, Mapping):
            raise TypeError("audit record data must be a mapping")
        # first, so that secrets inside str() of odd objects are redacted too (plain data has none:
        # a copy of it would be the same)
        plain = is_plain(data)
        clean = data if plain else jsonable(data)
        sid = None if session_id is None else str(session_id)
        if self._secret_pattern is not None:
            clean, plain = redact(clean, self._secret_pattern), False  # (found again by canonical)
            sid = None if sid is None else redact(sid, self._secret_pattern)
        text = canonical(clean, plain=plain)
        # (canonical JSON holds no number orjson reads otherwise than json does: big ones are strings)
        return kind, sid, text.decode(), hashlib.sha256(text).hexdigest(), orjson.loads(text)

    @staticmethod
    def _head_for_append(conn: Store) -> tuple[int, str]:
        row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        if row is not None:
            return row[0], row[1]
        if conn.execute("SELECT 1 FROM audit LIMIT 1").fetchone() is not None:
            # Refuse rather than start a second chain that would hide what was removed.
            raise AuditError("audit log head is missing but records exist (tampered?): run `mcp-guard audit verify`")
        return 0, GENESIS

    # reading

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last record, per the head row: copy it elsewhere to anchor the log."""
        with self._lock, self._reading():
            row = self._db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def records(self, session: str | None = None, kind: str | None = None) -> Iterator[AuditRecord]:
        """Records in order, optionally of one session and/or kind; read in chunks, so appends from
        other threads can go on in between."""
        sql = "SELECT seq, at, kind, session_id, data, prev_hash, hash FROM audit WHERE seq > ?"
        params: list[Any] = []
        if session is not None:
            sql += " AND session_id = ?"
            params.append(session)
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        sql += " ORDER BY seq LIMIT 1000"
        after = 0  # sequence numbers start at 1
        while True:
            with self._lock, self._reading():
                rows = self._db.execute(sql, [after, *params]).fetchall()
            for seq, at, k, sid, text, prev, h in rows:
                yield AuditRecord(seq, at, k, sid, _loads(text), prev, h)
            if len(rows) < 1000:
                return
            after = rows[-1][0]

    # verification

    def verify(self, anchors: Iterable[tuple[int, str]] = ()) -> VerifyResult:
        """Recompute the chain and compare it with the head and any anchors; problems name records.
        Reads one snapshot, so appends by other processes meanwhile are no false alarm."""
        anchors = list(anchors)
        db = self._db
        res = VerifyResult()
        chain = _Chain(res, locate=lambda h: _seq_of_hash_db(db, h))
        with self._lock, self._reading(), db.snapshot():
            head = db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            rows = db.stream("SELECT seq, at, kind, session_id, data, prev_hash, hash FROM audit ORDER BY seq")
            for seq, at, kind, sid, text, prev, h in rows:
                data_sha = hashlib.sha256(text.encode()).hexdigest() if isinstance(text, str) else ""
                chain.feed(seq, at, kind, sid, data_sha, prev, h)
            seen = dict(_anchor_rows(db, anchors))
            planted = audit_triggers(db)
        chain.finish(head)
        if planted:
            res.add(None, f"audit tables have triggers: {', '.join(planted)} (records may have been dropped)")
        for seq, want in anchors:
            got = seen.get(seq)
            if got is None:
                res.add(seq, f"anchored record is missing (anchor {seq}:{want[:12]}…)")
            elif got != want:
                res.add(seq, f"does not match its anchor (hash {got[:12]}… expected {want[:12]}…): log rewritten")
        return res

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """A damaged database file, or a database gone away, fails with one line, not a traceback."""
        try:
            yield
        except self._db.Error as err:
            raise AuditError(f"cannot read the audit log: {_one_line(err)}") from None

    # export

    def export_jsonl(self, fp: IO[str], session: str | None = None) -> int:
        """Write the log as JSON lines: a header, then every record in order. With `session`, other
        sessions' records keep only their data digest, so the file still verifies as a whole chain.
        Returns the number of full records written."""
        db = self._db
        with self._lock, self._reading(), db.snapshot():  # head and records from one read transaction
            head = db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone() or (0, GENESIS)
            header = {"format": FORMAT, "version": FORMAT_VERSION, "session": session}
            header |= {"head_seq": head[0], "head_hash": head[1], "exported_at": _now()}
            fp.write(json.dumps(header, ensure_ascii=False) + "\n")
            full = 0
            rows = db.stream("SELECT seq, at, kind, session_id, data, prev_hash, hash FROM audit ORDER BY seq")
            for seq, at, kind, sid, text, prev, h in rows:
                line: dict[str, Any] = {"seq": seq, "at": at, "kind": kind, "session": sid}
                if session is None or sid == session:
                    line["data"] = _loads(text)
                    full += 1
                else:
                    line["data_sha256"] = hashlib.sha256(str(text).encode()).hexdigest()
                line |= {"prev_hash": prev, "hash": h}
                fp.write(json.dumps(line, ensure_ascii=False) + "\n")
        return full


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def audit_triggers(conn: Store) -> list[str]:
    """Triggers and views (PostgreSQL: triggers and rules) that touch the audit tables. mcp-guard defines
    none: one planted by another process (`RAISE(IGNORE)` on insert, a `DO INSTEAD NOTHING` rule) would
    drop every later record while the chain stays intact."""
    if conn.dialect == "postgresql":
        rows = conn.execute(
            "SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid IN ('audit'::regclass, 'audit_head'::regclass) "
            "UNION ALL SELECT 'rule', rulename FROM pg_rules WHERE tablename IN ('audit', 'audit_head') "
            "AND schemaname = current_schema() ORDER BY 2"
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') "
            "AND (tbl_name IN ('audit', 'audit_head') OR lower(sql) LIKE '%audit%') ORDER BY name"
        ).fetchall()
    return [f"{kind} {name}" for kind, name in rows]


def refuse_triggers(conn: Store) -> None:
    """`AuditError` when the audit tables have triggers: nothing is appended behind them."""
    found = audit_triggers(conn)
    if found:
        raise AuditError(f"audit tables have triggers: {', '.join(found)}; refusing to append "
                         "(drop them, then run `mcp-guard audit verify`)")


def _loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"_unreadable": str(text)[:200]}
    return value if isinstance(value, dict) else {"_value": value}


def _seq_of_hash_db(conn: Store, h: str) -> int | None:
    row = conn.execute("SELECT seq FROM audit WHERE hash = ?", (h,)).fetchone()
    return row[0] if row else None


def _anchor_rows(conn: Store, anchors: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    for seq, _ in anchors:
        row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
        if row:
            yield seq, row[0]


def record(store: Store, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
    """Append one record from a command (a review, an approval, a verification) and close the log."""
    log = AuditLog(store)
    try:
        return log.append(kind, session_id, data)
    finally:
        log.close()
