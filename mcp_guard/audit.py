"""The audit trail: a hash-chained log of what happened, in the `audit` table of the store.

Each record's hash covers its sequence number, time, kind, session, the SHA-256 of its data (RFC 8785
canonical JSON) and the previous record's hash, so editing, deleting or reordering records breaks the
chain where it happened. A one-row `audit_head` table, written in the same transaction as each
record, holds the last sequence number and hash: deleting records from the end leaves the head
pointing past them. Hashing the data's digest rather than the data lets an export leave out other
sessions' data (keeping the digest) and still be verified as one unbroken chain.

What a chain cannot show on its own: someone able to write the database can recompute every hash
from the point they changed onwards and rewrite the head, or delete the whole file. Against that,
copy the head (`mcp-guard audit head`) somewhere they cannot write and verify with `--anchor`.

Many processes share one database: an append reads the head and inserts under `BEGIN IMMEDIATE`,
so the read and the write are one atomic step and the chain stays single.

Durability: `durability="full"` (the default) commits with `PRAGMA synchronous=FULL`, so a record is
on disk (the WAL is fsynced) before `append` returns and survives a power cut. `"normal"` skips the
fsync: a record survives the process being killed, but the last commits may be lost if the machine
itself crashes (the chain stays consistent: SQLite rolls back whole transactions, head included).
`AuditWriter` batches concurrent appends into one fsynced transaction (group commit).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import hashlib
import json
import math
import queue
import random
import re
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import IO, Any, Literal

import rfc8785

from mcp_guard.errors import AuditError, GuardError
from mcp_guard.guards.base import Decision, ToolCall
from mcp_guard.store import BUSY_TIMEOUT_MS, Store

GENESIS = "0" * 64
FORMAT = "mcp-guard-audit"
FORMAT_VERSION = 1
REDACTED = "[REDACTED]"
MAX_PROBLEMS = 20
MOVE_WINDOW = 64  # how far verify looks for the seq a moved record was written as

# Record kinds written by mcp-guard (others may be added; a kind is a dotted lower-case word).
KINDS = ("session.start", "session.end", "call", "review", "approval", "verification", "launch")
_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_SAFE_INT = 2**53 - 1
Durability = Literal["full", "normal"]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: str  # ISO 8601 UTC, microseconds
    kind: str
    session_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "session": self.session_id,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int | None  # the record where the chain breaks (None: the log as a whole)
    what: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.what}" if self.seq is not None else self.what


@dataclass(slots=True)
class VerifyResult:
    count: int = 0  # records read
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    more: int = 0  # problems beyond MAX_PROBLEMS, not listed

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, seq: int | None, what: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(seq, what))
        else:
            self.more += 1

    def summary(self) -> str:
        if self.ok:
            return f"audit log intact: {self.count} records, head {self.head_seq}:{self.head_hash}"
        first = self.problems[0]
        n = len(self.problems) + self.more
        return f"audit log tampered ({n} problem{'s' if n > 1 else ''}); first: {first}"


# --- canonical data, digests and hashes -------------------------------------------------------


def _plain(value: Any, slow: list[bool]) -> Any:
    """Plain JSON that RFC 8785 accepts: integers beyond 2^53 and non-finite floats become strings.
    Appends to `slow` when the value holds something only the RFC 8785 serialiser gets right."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        return value if type(value) is str else str(value)
    if isinstance(value, int):
        return int(value) if -_SAFE_INT <= value <= _SAFE_INT else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        slow.append(True)  # numbers are written the ECMAScript way
        return float(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            k = k if type(k) is str else str(k)
            if k and max(k) >= "\ue000":
                slow.append(True)  # keys sort by UTF-16 code units, which differs from code points here
            out[k] = _plain(v, slow)
        return out
    if isinstance(value, list | tuple):
        return [_plain(v, slow) for v in value]
    return str(value)


def _jsonable(value: Any) -> Any:
    return _plain(value, [])


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON of `value` (made JSON-safe first).

    Without floats or keys holding characters from U+E000 up, RFC 8785 output is exactly what
    `json.dumps` writes with sorted keys, no spaces and raw UTF-8, which is several times faster."""
    slow: list[bool] = []
    return _serialise(_plain(value, slow), bool(slow))


def _serialise(plain: Any, slow: bool) -> bytes:
    try:
        if slow:
            return rfc8785.dumps(plain)
        return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (UnicodeEncodeError, rfc8785.CanonicalizationError):
        # Lone surrogates cannot be written as UTF-8: keep a visible replacement instead.
        return _serialise(_unsurrogate(plain), slow)


def _unsurrogate(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_unsurrogate(k): _unsurrogate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsurrogate(v) for v in value]
    return value


def digest(value: Any) -> str:
    """`sha256:<hex>` of the canonical JSON of `value`: what the log keeps of a sensitive argument."""
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


def record_hash(seq: int, at: str, kind: str, session_id: str | None, data_sha256: str, prev: str) -> str:
    """SHA-256 of the RFC 8785 form of {v, seq, at, kind, session, data: sha256 of data, prev},
    written out by hand (keys in sorted order) because this runs for every record."""
    if type(seq) is not int:
        raise TypeError("seq must be an integer")
    j = json.dumps
    body = (
        f'{{"at":{j(at, ensure_ascii=False)},"data":{j(data_sha256)},"kind":{j(kind, ensure_ascii=False)},'
        f'"prev":{j(prev)},"seq":{seq},"session":{j(session_id, ensure_ascii=False)},"v":{FORMAT_VERSION}}}'
    )
    return hashlib.sha256(body.encode()).hexdigest()


def redact(data: Any, secrets: Iterable[str]) -> Any:
    """A copy of `data` with every occurrence of each secret (in keys and values) replaced by [REDACTED]."""
    values = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not values:
        return data

    def scrub(v: Any) -> Any:
        if isinstance(v, str):
            for s in values:
                if s in v:
                    v = v.replace(s, REDACTED)
            return v
        if isinstance(v, Mapping):
            return {scrub(str(k)): scrub(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [scrub(x) for x in v]
        return v

    return scrub(data)


def call_data(
    *,
    tool: str,
    upstream: str,
    arguments: Mapping[str, Any] | None,
    decision: str,
    guard: str = "",
    rule: str = "",
    reason: str = "",
    sensitive_args: Iterable[str] = (),
    sensitive_tool: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """The data of a `call` record. A sensitive tool's arguments are kept only as their digest
    (`arguments_sha256`); a sensitive argument's value (names matched by the `sensitive_args`
    globs) is replaced by its digest, and `digested` lists those names."""
    data: dict[str, Any] = {"tool": tool, "upstream": upstream}
    args = dict(arguments or {})
    if sensitive_tool:
        data["arguments_sha256"] = digest(args)
    else:
        globs = list(sensitive_args)
        hidden = sorted(k for k in args if any(fnmatchcase(k, g) for g in globs))
        data["arguments"] = {k: digest(v) if k in hidden else v for k, v in args.items()}
        if hidden:
            data["digested"] = hidden
    data |= {"decision": decision, "guard": guard, "rule": rule, "reason": reason}
    return data | extra


def _tool_matches(glob: str, upstream: str, tool: str) -> bool:
    """`UPSTREAM/TOOL` globs, as in profiles; a glob without `/` matches the tool on any upstream."""
    return fnmatchcase(f"{upstream}/{tool}", glob) if "/" in glob else fnmatchcase(tool, glob)


def call_record(call: ToolCall, decision: Decision, sensitive: Iterable[str] = ()) -> dict[str, Any]:
    """The data of a `call` (or `result`) record for the relay, honouring the config's
    `[audit] sensitive` globs: `UPSTREAM/TOOL` keeps all of a tool's arguments as one digest,
    `UPSTREAM/TOOL:ARG` one argument's value."""
    whole, arg_globs = False, []
    for pattern in sensitive:
        tool_glob, sep, arg_glob = pattern.partition(":")
        if _tool_matches(tool_glob or "*", call.upstream, call.tool):
            if sep:
                arg_globs.append(arg_glob)
            else:
                whole = True
    return call_data(
        tool=call.tool,
        upstream=call.upstream,
        arguments=call.arguments,
        decision=decision.action,
        guard=decision.guard,
        rule=decision.rule,
        reason=decision.reason,
        sensitive_args=arg_globs,
        sensitive_tool=whole,
    )


# --- the log -----------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _connect(store: Store, durability: Durability, busy_ms: int) -> sqlite3.Connection:
    """A connection of the audit log's own, so its settings do not change other features'."""
    if store.path is None:
        return store.db.conn
    conn = sqlite3.connect(str(store.path), timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
    conn.execute(f"PRAGMA synchronous = {durability.upper()}")
    return conn


def _begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock, retrying after short random sleeps while another process holds it.

    SQLite's own busy handler sleeps 1 ms, then longer, between tries: far longer than one append
    holds the lock (tens of µs, plus an fsync), so with several processes most time went to sleeping."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 50e-6
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as err:
            if getattr(err, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0, delay))
        delay = min(delay * 2, 0.002)


class AuditLog:
    """Append to, read and verify the hash-chained audit log of one store."""

    def __init__(self, store: Store, *, durability: Durability = "full", secrets: Iterable[str] = ()) -> None:
        if durability not in ("full", "normal"):
            raise ValueError(f"durability must be 'full' or 'normal', not {durability!r}")
        self.store = store
        self.durability = durability
        self._conn = _connect(store, durability, BUSY_TIMEOUT_MS)  # reads wait for SQLite's busy handler
        self._wconn = _connect(store, durability, 0)  # writes retry themselves: see _begin_immediate
        self._lock = threading.Lock()  # one transaction at a time on these connections
        self._secrets: set[str] = set(secrets)

    def close(self) -> None:
        for conn in {self._conn, self._wconn} - {self.store.db.conn}:
            conn.close()

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Values that must never reach the log: every later append redacts them."""
        self._secrets.update(s for s in secrets if s)

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
        with self._lock:
            conn = self._wconn
            try:
                _begin_immediate(conn)
            except sqlite3.Error as err:
                raise AuditError(f"cannot write the audit log: {err}") from None
            try:
                refuse_triggers(conn)
                seq, prev = self._head_for_append(conn)
                out: list[AuditRecord] = []
                rows = []
                for kind, session_id, text, data_sha, obj in prepared:
                    seq += 1
                    at = _now()
                    h = record_hash(seq, at, kind, session_id, data_sha, prev)
                    rows.append((seq, at, kind, session_id, text, prev, h))
                    out.append(AuditRecord(seq, at, kind, session_id, obj, prev, h))
                    prev = h
                conn.executemany(
                    "INSERT INTO audit (seq, at, kind, session_id, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                conn.execute(
                    "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    (seq, prev),
                )
                conn.execute("COMMIT")
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK")
                raise AuditError(
                    "audit log head is behind its records (tampered?): run `mcp-guard audit verify`"
                ) from None
            except BaseException as err:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(err, sqlite3.Error):
                    raise AuditError(f"cannot write the audit log: {err}") from None
                raise
        return out

    def _prepare(
        self, kind: str, session_id: str | None, data: Mapping[str, Any]
    ) -> tuple[str, str | None, str, str, dict[str, Any]]:
        if not isinstance(kind, str) or not _KIND.match(kind):
            raise ValueError(f"audit record kind must be a dotted lower-case word, not {kind!r}")
        if not isinstance(data, Mapping):
            raise TypeError("audit record data must be a mapping")
        slow: list[bool] = []
        clean = _plain(data, slow)  # first, so that secrets inside str() of odd objects are redacted too
        if self._secrets:
            clean = redact(clean, self._secrets)
        sid = redact(str(session_id), self._secrets) if session_id is not None else None
        text = _serialise(clean, bool(slow))
        return kind, sid, text.decode(), hashlib.sha256(text).hexdigest(), json.loads(text)

    @staticmethod
    def _head_for_append(conn: sqlite3.Connection) -> tuple[int, str]:
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
        with self._lock, _reading():
            row = self._conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
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
        after: int | float = -math.inf
        while True:
            with self._lock, _reading():
                rows = self._conn.execute(sql, [after, *params]).fetchall()
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
        conn = self._conn
        res = VerifyResult()
        chain = _Chain(res, locate=lambda h: _seq_of_hash_db(conn, h))
        with self._lock:
            try:
                conn.execute("BEGIN")
                try:
                    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
                    rows = conn.execute(
                        "SELECT seq, at, kind, session_id, data, prev_hash, hash FROM audit ORDER BY seq"
                    )
                    for seq, at, kind, sid, text, prev, h in rows:
                        data_sha = hashlib.sha256(text.encode()).hexdigest() if isinstance(text, str) else ""
                        chain.feed(seq, at, kind, sid, data_sha, prev, h)
                    seen = dict(_anchor_rows(conn, anchors))
                    planted = audit_triggers(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                raise AuditError(f"cannot read the audit log: {err}") from None
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

    # export

    def export_jsonl(self, fp: IO[str], session: str | None = None) -> int:
        """Write the log as JSON lines: a header, then every record in order. With `session`, other
        sessions' records keep only their data digest, so the file still verifies as a whole chain.
        Returns the number of full records written."""
        conn = self._conn
        with self._lock, _reading():  # a consistent snapshot: head and records from one read transaction
            conn.execute("BEGIN")
            try:
                head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone() or (
                    0,
                    GENESIS,
                )
                header = {"format": FORMAT, "version": FORMAT_VERSION, "session": session}
                header |= {"head_seq": head[0], "head_hash": head[1], "exported_at": _now()}
                fp.write(json.dumps(header, ensure_ascii=False) + "\n")
                full = 0
                rows = conn.execute("SELECT seq, at, kind, session_id, data, prev_hash, hash FROM audit ORDER BY seq")
                for seq, at, kind, sid, text, prev, h in rows:
                    line: dict[str, Any] = {"seq": seq, "at": at, "kind": kind, "session": sid}
                    if session is None or sid == session:
                        line["data"] = _loads(text)
                        full += 1
                    else:
                        line["data_sha256"] = hashlib.sha256(str(text).encode()).hexdigest()
                    line |= {"prev_hash": prev, "hash": h}
                    fp.write(json.dumps(line, ensure_ascii=False) + "\n")
            finally:
                conn.execute("COMMIT")
        return full


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """A damaged database file fails with one line, not a traceback."""
    try:
        yield
    except sqlite3.DatabaseError as err:
        raise AuditError(f"cannot read the audit log: {err}") from None


def _loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"_unreadable": str(text)[:200]}
    return value if isinstance(value, dict) else {"_value": value}


def _seq_of_hash_db(conn: sqlite3.Connection, h: str) -> int | None:
    row = conn.execute("SELECT seq FROM audit WHERE hash = ?", (h,)).fetchone()
    return row[0] if row else None


def _anchor_rows(conn: sqlite3.Connection, anchors: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    for seq, _ in anchors:
        row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
        if row:
            yield seq, row[0]


class _Chain:
    """Walks records in stored order and says where and how the chain breaks."""

    def __init__(self, res: VerifyResult, locate, present=lambda lo, hi: False) -> None:
        self.res = res
        self.locate = locate  # hash -> seq of the record that has it, or None
        self.present = present  # (lo, hi) -> whether a record with lo <= seq <= hi is elsewhere (files)
        self.last_seq = 0
        self.last_hash = GENESIS

    def feed(self, seq: Any, at: Any, kind: Any, sid: Any, data_sha: str, prev: Any, h: Any) -> None:
        res = self.res
        res.count += 1
        if not isinstance(seq, int) or seq <= self.last_seq:
            res.add(seq if isinstance(seq, int) else None, f"out of order: comes after record {self.last_seq}")
            return
        gap = seq != self.last_seq + 1
        if gap:  # which also explains a broken link to the record before
            first, last = self.last_seq + 1, seq - 1
            reordered = self.present(first, last)
            span = _span(first, last)
            res.add(seq, f"reordered: comes before {span}" if reordered else f"{span} missing before it (deleted)")
        moved = False
        if prev != self.last_hash and not gap:
            searching = isinstance(prev, str) and prev != GENESIS and len(res.problems) < MAX_PROBLEMS
            origin = self.locate(prev) if searching else None
            if origin is not None and origin != self.last_seq:
                # An intact record that was moved still hashes right with the seq it was written as.
                near = sorted(range(seq - MOVE_WINDOW, seq + MOVE_WINDOW + 1), key=lambda s: abs(s - seq))
                written = next(
                    (s for s in near if s > 0 and _hash_or_none(s, at, kind, sid, data_sha, prev) == h), None
                )
                moved = written is not None
                if moved:
                    res.add(seq, f"reordered: this record was written as record {written}")
                else:
                    res.add(seq, f"reordered: it links to the record now at {origin}, not to record {self.last_seq}")
            else:
                res.add(seq, f"chain broken: prev_hash does not match record {self.last_seq} (that record changed)")
        if not moved and _hash_or_none(seq, at, kind, sid, data_sha, prev) != h:
            res.add(seq, "contents do not match its hash (edited)")
        self.last_seq, self.last_hash = seq, h if isinstance(h, str) else ""

    def finish(self, head: tuple[int, str] | None) -> None:
        res = self.res
        if head is None:
            res.head_seq, res.head_hash = self.last_seq, self.last_hash
            if res.count:
                res.add(None, "the head record is missing (deleted): the log's end cannot be checked")
            return
        res.head_seq, res.head_hash = head
        if head[0] > self.last_seq:
            gone = _span(self.last_seq + 1, head[0])
            res.add(
                head[0],
                f"deleted: the head says the log ends at {head[0]}, "
                f"the last record is {self.last_seq} ({gone} missing)",
            )
        elif head[0] < self.last_seq:
            res.add(self.last_seq, f"beyond the head (head says the log ends at {head[0]})")
        elif head[1] != self.last_hash:
            res.add(head[0], "does not match the head's hash (last record or head changed)")


def _span(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}–{last}"


def _hash_or_none(seq: int, at: Any, kind: Any, sid: Any, data_sha: str, prev: Any) -> str | None:
    try:
        return record_hash(seq, at, kind, sid, data_sha, prev) if data_sha else None
    except (TypeError, ValueError):
        return None


def verify_jsonl(fp: IO[str], anchors: Iterable[tuple[int, str]] = ()) -> VerifyResult:
    """Verify an exported file: the chain of all its lines, its header's head, and any anchors."""
    res = VerifyResult()
    lines = iter(enumerate(fp, 1))
    try:
        _, first = next(lines)
        header = json.loads(first)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError
    except (StopIteration, ValueError):
        raise AuditError("not an mcp-guard audit export (no header line)") from None
    if header.get("version") != FORMAT_VERSION:
        raise AuditError(f"unsupported audit export version {header.get('version')!r}")
    records: list[tuple[int, dict[str, Any]]] = []
    for lineno, text in lines:
        if not text.strip():
            continue
        try:
            rec = json.loads(text)
            if not isinstance(rec, dict):
                raise ValueError
        except ValueError:
            res.add(None, f"line {lineno}: not a JSON record")
            continue
        records.append((lineno, rec))
    hashes = {
        r["hash"]: r["seq"] for _, r in records if isinstance(r.get("hash"), str) and isinstance(r.get("seq"), int)
    }
    seqs = sorted(hashes.values())

    def present(lo: int, hi: int) -> bool:
        i = bisect.bisect_left(seqs, lo)
        return i < len(seqs) and seqs[i] <= hi

    chain = _Chain(res, locate=hashes.get, present=present)
    for _, rec in records:
        if "data" in rec:
            try:
                data_sha = hashlib.sha256(rfc8785.dumps(rec["data"])).hexdigest()
            except (rfc8785.CanonicalizationError, TypeError):
                data_sha = ""
        else:
            data_sha = rec.get("data_sha256") if isinstance(rec.get("data_sha256"), str) else ""
        fields = (rec.get(k) for k in ("seq", "at", "kind", "session"))
        chain.feed(*fields, data_sha, rec.get("prev_hash"), rec.get("hash"))
    head = header.get("head_seq"), header.get("head_hash")
    chain.finish(head if isinstance(head[0], int) else None)
    by_seq = {s: h for h, s in hashes.items()}
    for seq, want in anchors:
        got = by_seq.get(seq)
        if got is None:
            res.add(seq, "anchored record is missing")
        elif got != want:
            res.add(seq, "does not match its anchor: log rewritten")
    return res


def parse_anchor(text: str) -> tuple[int, str]:
    """`SEQ:HASH` as printed by `mcp-guard audit head`."""
    seq, _, h = text.partition(":")
    if not seq.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", h):
        raise GuardError(f"bad anchor {text!r}: expected SEQ:HASH as printed by `mcp-guard audit head`")
    return int(seq), h


# --- triggers: SQL that would run inside the log's own writes ----------------------------------


def audit_triggers(conn: sqlite3.Connection) -> list[str]:
    """Triggers and views that touch the audit tables. mcp-guard defines none: one planted by another
    process (`RAISE(IGNORE)` on insert) would drop every later record while the chain stays intact."""
    rows = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') "
        "AND (tbl_name IN ('audit', 'audit_head') OR lower(sql) LIKE '%audit%') ORDER BY name"
    ).fetchall()
    return [f"{kind} {name}" for kind, name in rows]


def refuse_triggers(conn: sqlite3.Connection) -> None:
    """`AuditError` when the audit tables have triggers: nothing is appended behind them."""
    found = audit_triggers(conn)
    if found:
        raise AuditError(f"audit tables have triggers: {', '.join(found)}; refusing to append "
                         "(drop them, then run `mcp-guard audit verify`)")


# --- review attestations: what review.py honours as a decision ----------------------------------
# Kept apart (and plain functions on a connection) so they move as they are.


def append_in_transaction(conn: sqlite3.Connection, kind: str, data: Mapping[str, Any],
                          session_id: str | None = None) -> AuditRecord:
    """Chain one record on `conn`, which already holds the write lock (BEGIN IMMEDIATE): it commits,
    or rolls back, together with the change it records."""
    slow: list[bool] = []
    text = _serialise(_plain(data, slow), bool(slow))
    refuse_triggers(conn)
    seq, prev = AuditLog._head_for_append(conn)
    seq, at = seq + 1, _now()
    h = record_hash(seq, at, kind, session_id, hashlib.sha256(text).hexdigest(), prev)
    conn.execute("INSERT INTO audit (seq, at, kind, session_id, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (seq, at, kind, session_id, text.decode(), prev, h))
    conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                 "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", (seq, h))
    return AuditRecord(seq, at, kind, session_id, json.loads(text), prev, h)


def latest_review(conn: sqlite3.Connection, item_id: str) -> dict[str, Any] | None:
    """The data of the last `review` record of a review item, if that record is intact in the chain
    (its own hash, and its link to the record before it); None when there is none or it was edited.
    A row approved with an UPDATE has no such record, so review.py does not honour it."""
    row = conn.execute(  # the literal kind and NULL session let SQLite use the audit_reviews index
        "SELECT seq, at, session_id, data, prev_hash, hash FROM audit WHERE kind = 'review' "
        "AND session_id IS NULL AND json_extract(data, '$.id') = ? ORDER BY seq DESC LIMIT 1",
        (item_id,),
    ).fetchone()
    return _intact(conn, "review", row)


def latest_approval(conn: sqlite3.Connection, session_id: str, approval_id: str) -> dict[str, Any] | None:
    """The data of the last intact `approval` record of a held call's approval in its session."""
    row = conn.execute(
        "SELECT seq, at, session_id, data, prev_hash, hash FROM audit WHERE session_id = ? "
        "AND kind = 'approval' AND json_extract(data, '$.id') = ? ORDER BY seq DESC LIMIT 1",
        (session_id, approval_id),
    ).fetchone()
    return _intact(conn, "approval", row)


def _intact(conn: sqlite3.Connection, kind: str, row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    seq, at, sid, text, prev, h = row
    if not isinstance(text, str) or not isinstance(seq, int):
        return None
    if _hash_or_none(seq, at, kind, sid, hashlib.sha256(text.encode()).hexdigest(), prev) != h:
        return None
    before = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()
    if prev != (before[0] if before else GENESIS if seq == 1 else None):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --- group commit ----------------------------------------------------------------------------


def record(store: Store, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
    """Append one record from a command (a review, an approval, a verification) and close the log."""
    log = AuditLog(store)
    try:
        return log.append(kind, session_id, data)
    finally:
        log.close()


class AuditWriter:
    """Group commit: appends from many threads or tasks share one fsynced transaction.

    `submit` returns a Future resolved with the record once it is committed; async code awaits
    `append_async(...)`, or the relay's per-session `hook(session_id)`. One background thread writes;
    closing it writes what is queued first.
    """

    def __init__(self, log: AuditLog, max_batch: int = 512) -> None:
        self.log = log
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="mcp-guard-audit", daemon=True)
        self._thread.start()

    def submit(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> Future[AuditRecord]:
        """Queue a record; bad input raises here. The canonical form is made in the caller's thread,
        so the writer thread only writes."""
        prepared = self.log._prepare(kind, session_id, data)
        fut: Future[AuditRecord] = Future()
        self._queue.put((prepared, fut))
        return fut

    def append(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
        return self.submit(kind, session_id, data).result()

    async def append_async(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
        """Await the commit without blocking the event loop (asyncio)."""
        return await asyncio.wrap_future(self.submit(kind, session_id, data))

    def hook(self, session_id: str | None) -> Callable[[str, Mapping[str, Any]], Awaitable[AuditRecord]]:
        """`async (kind, data)` that records into this session: the relay's audit hook."""

        async def record(kind: str, data: Mapping[str, Any]) -> AuditRecord:
            return await self.append_async(kind, session_id, data)

        return record

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if None in batch:
                stop = True
                batch = [b for b in batch if b is not None]
            prepared = [item[0] for item in batch]
            # A waiter may have gone (its task cancelled at shutdown): the record is written all
            # the same, and only waiters still listening are told; a running future cannot be cancelled.
            listening = [item[1].set_running_or_notify_cancel() for item in batch]
            waiters = [item[1] if on else None for item, on in zip(batch, listening, strict=True)]
            try:
                records = self.log._write(prepared)
            except BaseException as err:  # handed to every waiter
                for fut in waiters:
                    if fut is not None:
                        fut.set_exception(err)
                continue
            for fut, rec in zip(waiters, records, strict=True):
                if fut is not None:
                    fut.set_result(rec)


# --- report ------------------------------------------------------------------------------------

_COUNTERS = ("calls", "allowed", "denied", "asked", "outside_intent")


def _count(into: dict[str, int], data: Mapping[str, Any]) -> None:
    decision = data.get("decision")
    into["calls"] += 1
    into["allowed"] += decision == "allow"
    into["denied"] += decision == "deny"
    into["asked"] += decision == "ask"
    # Outside the declared intent: what the intent guard did not allow.
    into["outside_intent"] += data.get("guard") == "intent" and decision != "allow"


def report(log: AuditLog, session: str | None = None) -> dict[str, Any]:
    """Per session and per tool: calls, allowed, denied, asked, and calls outside the declared intent."""
    sessions: dict[str | None, dict[str, Any]] = {}

    def entry(sid: str | None) -> dict[str, Any]:
        if sid not in sessions:
            sessions[sid] = {"session": sid, "intent": None, "profile": None, "owner": None, "started": None}
            sessions[sid] |= {"totals": dict.fromkeys(_COUNTERS, 0), "tools": {}}
        return sessions[sid]

    for rec in log.records(session=session):
        if rec.kind == "session.start":
            e = entry(rec.session_id)
            e |= {k: rec.data.get(k) for k in ("intent", "profile", "owner")} | {"started": rec.at}
        elif rec.kind == "call":
            e = entry(rec.session_id)
            key = (str(rec.data.get("upstream", "")), str(rec.data.get("tool", "")))
            tool = e["tools"].setdefault(key, {"upstream": key[0], "tool": key[1]} | dict.fromkeys(_COUNTERS, 0))
            _count(tool, rec.data)
            _count(e["totals"], rec.data)
    out = []
    totals = dict.fromkeys(_COUNTERS, 0)
    for e in sessions.values():
        e["tools"] = sorted(e["tools"].values(), key=lambda t: (t["upstream"], t["tool"]))
        for k in _COUNTERS:
            totals[k] += e["totals"][k]
        out.append(e)
    return {"sessions": out, "totals": totals}
