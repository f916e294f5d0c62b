"""The intent taint of an agent session, shared by every process and replica that serves it.

What the intent engine learns from results (`record`: the first tainted result of the session, the
address-like values of tainted results) is kept by the process that read them. One agent session is
often served by several: Claude Code starts one `mcp-guard run` per server, and a team gateway runs
several `serve` replicas behind a load balancer. So when a process judges a result tainted, it writes
the taint (upstream/tool, the result's number) and the values the result carried (inside the
instructions or outside them) to the store, under the session's key; before each decision every
process reads the rows it has not seen yet (only when the store's change stamp moved) into its
record, where they count as taint read elsewhere (`SessionRecord.elsewhere`, `.elsewhere_values`).

Timing. Where a session's taint is shared, a result is judged and its taint written before it is
forwarded, whatever its size (`IntentGuard.check_result`): once the agent has read it, the taint is in
the store, so a process killed right after forwarding takes nothing with it, and no other process has
to wait for a judgement in flight.

The key of a session (`session_key`): for `serve`, the session a request belongs to (the `session
start` token's session in both eras, else the id the proxy derived for it). For `run`, the agent
session the process serves, with nothing for the user to do (`run_session_key`): $MCP_GUARD_SESSION
when set (for a wrapper that interposes a shell), else Claude Code's $CLAUDE_CODE_SESSION_ID, else the
client process that started us: every stdio server of one client is its child, so the key is its pid
AND its start time (and the boot), and a reused pid is another key.

Trust. Anyone who can write the store (the user's own processes) can add rows under any key. That is
allowed to make things only stricter: taint never relaxes. A row is only ever added, never changed
by another (a writer only adds rows, and extends the expiry of its own key's rows); a reader keeps in
memory everything it has read, so a row deleted later changes nothing it decided from; a row it
cannot read is taint; past `MAX_ROWS` rows of one key the whole session counts as tainted (a flood
never pushes real taint out). A malicious upstream runs as a child of our `run`, not of the client, so
it cannot derive the client's key from its parent; whatever key it names, it can only add taint.
Rows expire `TTL` after their key's last write, or with their `session start` session, if later.

Rows deleted or changed before a reader read them. The same user's processes can also delete or change
rows between a write and another process's read. So every row carries a number `n` (1, 2, 3, ... over
all keys, from `session_taint_count.added`, which the writer raises in the transaction that inserts
the rows) and a digest of its number and content. Each process reads the count when it starts; before
each decision a reader checks, in the same statement that reads its key's new rows, that every number
written since its last check is still there (any key: a row moved to another key leaves its number's
digest wrong), that each row's digest matches, and that the count never went down. Anything else
taints every session of that process for its life (`DELETED`: which key lost rows is unknown). Not
detected (the README's security model): a process that rewrites the bookkeeping too, i.e. moves or
changes rows and recomputes their digests, or puts the store back exactly as it was before the write
(count, numbers and digests are not secret: the same user can compute them), or deletes
the database file; rows deleted before a process started (it checks from its start); and a process
idle for more than `TTL / 2` re-reads the count without checking (rows may have expired meanwhile).
A count missing or not a number when a process starts is set to the highest row number present (a
warning), so one write to it does not taint every later process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from mcp_guard.canonical import timestamp
from mcp_guard.intent.record import MAX_TAINTED, Occurrence, ResultEntry, SessionRecord
from mcp_guard.store import Store, open_store

log = logging.getLogger("mcp_guard")

# What moves when there is anything new to read (SQLite): the count, which every write raises in the
# transaction that adds rows, and the schema's version, which a planted trigger moves. Not the
# database's change stamp: every audit commit moves that, so each decision would read again.
# (Rows added without raising the count are read with the next write that does: they could only
# add taint; and rows numbered up to the count were checked when read, as before.)
_STAMP = ("SELECT (SELECT added FROM session_taint_count WHERE id = 1), schema_version "
          "FROM pragma_schema_version")

SESSION_ENV = "MCP_GUARD_SESSION"
CLAUDE_SESSION_ENV = "CLAUDE_CODE_SESSION_ID"
TTL = timedelta(days=7)
MAX_ROWS = 2 * MAX_TAINTED + 64  # rows of one key read at most; past them the session counts as tainted
UNREADABLE = "(an unreadable taint record in the store)"
OVERFLOW = "(too many tainted values to keep, in another process of this session)"
TAMPERED = "(the store's shared taint has triggers or rules: what other processes wrote cannot be trusted)"
DELETED = ("(rows of the store's shared taint were deleted or changed after they were written: what other "
           "processes wrote cannot be trusted)")
MAX_CHECKED = 8 * MAX_ROWS  # rows of all keys written between two checks of one reader; past them: tainted


# -- the key ------------------------------------------------------------------------------------------
def process_started(pid: int, proc: Path = Path("/proc")) -> str | None:
    """The start time of process `pid` (clock ticks since boot, /proc/PID/stat field 22) with the boot's
    id, or None where /proc cannot tell (not Linux, the process gone)."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
        started = int(fields[19])
    except (OSError, ValueError, IndexError):
        return None
    try:
        boot = (proc / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{boot}:{started}"


def run_session_key(environ: Mapping[str, str] | None = None, *, ppid: int | None = None,
                    proc: Path = Path("/proc")) -> str:
    """The key that every `mcp-guard run` of one agent session shares (see the module's docstring)."""
    env = os.environ if environ is None else environ
    named = (env.get(SESSION_ENV) or "").strip()
    if named:
        return f"run:named:{named}"
    claude = (env.get(CLAUDE_SESSION_ENV) or "").strip()
    if claude:
        return f"run:claude:{claude}"
    ppid = os.getppid() if ppid is None else ppid
    started = process_started(ppid, proc)
    if started is None:  # nothing identifies the client: this process's taint is its own
        return f"run:alone:{os.getpid()}:{secrets.token_hex(8)}"
    return f"run:client:{ppid}:{started}"


def session_key(session_id: str) -> str:
    """The key of a `serve` session (and of any caller that gives no key of its own)."""
    return f"session:{session_id}"


# -- taint read elsewhere ---------------------------------------------------------------------------------
class ElsewhereEntry(ResultEntry):
    """A tainted result that another process or replica of the session read: named by a decision, never data."""

    __slots__ = ()

    @property
    def source(self) -> str:
        return f"{self.upstream}/{self.tool} via another process of this session"


def _elsewhere(seq: int, source: str) -> ElsewhereEntry:
    upstream, _, tool = source.partition("/")
    e = ElsewhereEntry(seq, upstream, tool, "", "", False)
    e.spans = [(0, 0)]  # judged: tainted
    return e


def tainted_values(e: ResultEntry) -> dict[str, tuple[bool, bool]]:
    """The address-like values of a tainted result: value -> (found inside its instructions, outside them)."""
    from mcp_guard.intent.values import find_values

    out: dict[str, tuple[bool, bool]] = {}
    for f in find_values(e.text, e.low):
        inside = e.in_instructions(Occurrence(f.start, f.end, False))
        was_in, was_out = out.get(f.value, (False, False))
        out[f.value] = (was_in or inside, was_out or not inside)
    return out


_COLUMNS = "id, kind, value, seq, source, inside, outside, origin, n, digest, session_key, session_id"


def row_digest(n: Any, key: Any, kind: Any, value: Any, seq: Any, source: Any, inside: Any, outside: Any,
               origin: Any, session_id: Any) -> str:
    """A row's digest: its number and everything a reader uses (not its expiry, which its writer extends)."""
    text = json.dumps([n, key, kind, value, seq, source, inside, outside, origin, session_id], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _digest_of(row: Any) -> str:
    # row: the _COLUMNS order
    return row_digest(row[8], row[10], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[11])


class Link:
    """One session's share of the taint, in this process: what it wrote and what it has read."""

    def __init__(self, shared: SharedTaint, key: str, session_id: str | None) -> None:
        self.shared = shared
        self.key = key
        self.session_id = session_id
        # Rows this link wrote are in its record already; any other's are read, even of this process
        # (a session state rebuilt after it was evicted reads back what the old one wrote).
        self.origin = secrets.token_hex(8)
        self.last_id = 0
        self.checked, self.checked_at = shared.baseline()  # every row numbered up to `checked` was seen
        self.rows = 0  # rows of other processes read
        self.read_ids: set[Any] = set()  # (at most MAX_ROWS + 1 of them: then `full`)
        self.full = False  # more than MAX_ROWS: tainted, nothing more to read
        self.stamp: Any = object()  # the store's change stamp at the last read
        self.entries: dict[tuple[int, str], ElsewhereEntry] = {}
        self._mutex = threading.Lock()  # publishing runs in worker threads
        self.published_taint = False
        self.published_overflow = False
        self.published: dict[str, tuple[bool, bool]] = {}

    # -- writing (worker thread) ----------------------------------------------------------------------
    def publish(self, record: SessionRecord, entry: ResultEntry) -> bool:
        """Write what a judged result taught: its taint and values (if tainted), and an overflow of the
        record's own kept values. Only what this process has not written yet. False when what was to
        be written is not in the store after the write (the caller withholds the result)."""
        rows: list[tuple[str, str | None, int | None, str | None, int | None, int | None]] = []
        overflow = record.taint_overflow
        with self._mutex:
            before = self.published_taint, self.published_overflow, dict(self.published)
            if entry.spans and not isinstance(entry, ElsewhereEntry):
                if not self.published_taint:
                    rows.append(("taint", None, entry.seq, entry.source, None, None))
                    self.published_taint = True
                for value, (inside, outside) in tainted_values(entry).items():
                    was_in, was_out = self.published.get(value, (False, False))
                    if (inside and not was_in) or (outside and not was_out):
                        if len(self.published) >= MAX_TAINTED and value not in self.published:
                            overflow = True
                            break
                        self.published[value] = (was_in or inside, was_out or outside)
                        rows.append(("value", value, entry.seq, entry.source, int(inside), int(outside)))
            if overflow and not self.published_overflow:
                rows.append(("overflow", None, None, None, None, None))
                self.published_overflow = True
            if rows and not self.shared.write(self, rows):
                # Not in the store: written again with the next text that teaches it (withheld till then).
                self.published_taint, self.published_overflow, self.published = before
                return False
            return True

    # -- reading (before a decision) --------------------------------------------------------------------
    async def catch_up(self, record: SessionRecord) -> None:
        """Read into `record` the taint other processes of the session wrote since the last read
        (each wrote a result's taint before forwarding it)."""
        shared = self.shared
        if shared.tampered is not None:
            record.elsewhere = record.elsewhere or (0, shared.tampered)
        if self.full:
            return
        store = shared.store
        try:
            if store.dialect == "sqlite":
                stamp = store.execute(_STAMP).fetchone()
                if stamp == self.stamp:
                    return
                planted, rows = self._fetch(store)
            else:
                stamp = None
                planted, rows = await anyio.to_thread.run_sync(self._fetch, store)  # a network round trip
            rows = self.check(rows)
        except Exception as err:  # noqa: BLE001 - fail closed: what other processes read is unknown
            log.warning("cannot read the session's shared taint: %s", err)
            record.elsewhere = record.elsewhere or (0, UNREADABLE)
            return
        if planted:  # a trigger or rule may drop or change rows as they are written: taint cannot be shared
            log.warning("the session_taint table has %s; the session counts as tainted", ", ".join(planted))
            record.elsewhere = record.elsewhere or (0, TAMPERED)
        if shared.tampered is not None:
            record.elsewhere = record.elsewhere or (0, shared.tampered)
        self.stamp = stamp
        self.merge(record, rows)

    def _fetch(self, store: Store) -> tuple[list[str], list[Any]]:
        """In one statement (one snapshot): the count (part 0), this key's rows not read yet (part 1), and
        every row numbered after the last check (part 2)."""
        nulls = ", ".join(["NULL"] * (_COLUMNS.count(",")))
        rows = store.execute(
            f"SELECT 0, added, {nulls} FROM session_taint_count WHERE id = 1 "
            f"UNION ALL SELECT * FROM (SELECT 1, {_COLUMNS} FROM session_taint WHERE session_key = ? AND id > ? "
            f"ORDER BY id LIMIT {MAX_ROWS + 1}) AS mine "
            f"UNION ALL SELECT * FROM (SELECT 2, {_COLUMNS} FROM session_taint WHERE n > ? AND n <= "
            f"(SELECT added FROM session_taint_count WHERE id = 1) ORDER BY n LIMIT {MAX_CHECKED + 1}) AS written",
            # (once the process counts as tampered with, nothing more to check: a flood costs one read)
            [self.key, self.last_id, self.checked if self.checked is not None and self.shared.tampered is None
             else 2**62]).fetchall()
        return taint_triggers(store), rows

    def check(self, fetched: list[Any]) -> list[Any]:
        """Check that no row numbered since the last check is missing or changed, and the count did not go
        down (see the module's docstring); the key's own rows to read."""
        count = [r[1] for r in fetched if r[0] == 0]
        mine = [r[1:] for r in fetched if r[0] == 1]
        written = [r[1:] for r in fetched if r[0] == 2]
        shared = self.shared
        now = datetime.now(UTC)
        problem = ""
        try:
            added = int(count[0]) if count else None
        except (TypeError, ValueError):
            added = None
        if added is None:
            problem = "its count is gone"
        elif self.checked is None:
            problem = "its count could not be read when this process started"
        elif self.checked_at + TTL / 2 < now:  # idle that long: rows may have expired meanwhile
            self.checked, self.checked_at = added, now
        elif shared.tampered is not None:  # tainted for good: nothing more to check
            pass
        elif added < self.checked:
            problem = f"its count went down from {self.checked} to {added}"
        elif len(written) > MAX_CHECKED:
            problem = f"more than {MAX_CHECKED} rows were written since this process last looked"
        else:
            # (counted from the rows read, never from the count: a count set to 10**15 costs nothing)
            numbers = {r[8] for r in written if isinstance(r[8], int) and self.checked < r[8] <= added}
            missing = added - self.checked - len(numbers)
            changed = sum(1 for r in written if r[9] != _digest_of(r))
            if missing or changed:
                problem = f"{missing} rows numbered {self.checked + 1} to {added} are gone, {changed} were changed"
            else:
                self.checked, self.checked_at = added, now
        if not problem:
            # The key's own rows: numbered ones must match their digest (rows of an older mcp-guard have none).
            changed = sum(1 for r in mine if (r[8] is not None or r[9] is not None) and r[9] != _digest_of(r))
            if changed:
                problem = f"{changed} of this session's rows were changed"
        if problem and shared.tampered is None:
            log.warning("the store's shared taint was tampered with (%s); every session of this process counts "
                        "as tainted", problem)
            shared.tampered = DELETED
        # The key's rows in the checked numbers too: one whose id was moved behind `last_id` is still read.
        ids = {r[0] for r in mine}
        return mine + [r for r in written if r[10] == self.key and r[0] not in ids]

    def merge(self, record: SessionRecord, rows: list[Any]) -> None:
        """Add rows of other processes to the record: taint only ever added, whatever the rows say."""
        for row in rows:
            try:
                self.last_id = max(self.last_id, int(row[0]))
            except (TypeError, ValueError):
                record.elsewhere = record.elsewhere or (0, UNREADABLE)
                continue
            if row[0] in self.read_ids:
                continue
            self.read_ids.add(row[0])
            if row[7] == self.origin:
                continue
            self.rows += 1
            if self.rows > MAX_ROWS:  # a flood: the session is tainted, and no more is read
                record.elsewhere = record.elsewhere or (0, OVERFLOW)
                self.full = True
                return
            kind, value, seq, source, inside, outside = row[1:7]
            try:
                if kind == "overflow":
                    record.elsewhere = record.elsewhere or (0, OVERFLOW)
                    continue
                if kind not in ("taint", "value") or not isinstance(source, str) or "/" not in source:
                    raise ValueError(kind)
                entry = self.entries.setdefault((int(seq), source), _elsewhere(int(seq), source))
                if record.elsewhere is None:
                    record.elsewhere = (entry.seq, entry.source)
                if kind == "value":
                    if not isinstance(value, str) or not value or inside not in (0, 1) or outside not in (0, 1):
                        raise ValueError(value)
                    kept = record.elsewhere_values.setdefault(value, [])
                    if len(kept) < 8:  # a value read in many results: a few name it
                        kept.append((entry, bool(inside), bool(outside)))
            except (TypeError, ValueError):
                record.elsewhere = record.elsewhere or (0, UNREADABLE)


class SharedTaint:
    """The store's share of every session's taint, for one proxy process."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._writer: Store | None = None
        self._writer_lock = threading.Lock()
        # Rows deleted or changed before this process read them (`Link.check`): then every session of
        # the process counts as tainted.
        self.tampered: str | None = None
        self._baseline: tuple[int | None, datetime] = (None, datetime.now(UTC))
        self._read_baseline()

    def _read_baseline(self) -> None:
        now = datetime.now(UTC)
        try:
            row = self.store.execute("SELECT added FROM session_taint_count WHERE id = 1").fetchone()
            self._baseline = (int(row[0]), now)
        except Exception:  # noqa: BLE001 - missing or malformed: repaired from the rows (once per start)
            self._baseline = (self._repair_count(), now)

    def _repair_count(self) -> int | None:
        """A count row missing or not a number when this process starts: set to the highest number of the
        rows present, with a warning. What a process sees while it runs is tampering (`Link.check`) and
        taints its sessions until it restarts; one write to the count must not taint every later one."""
        try:
            with self._writes().write() as store:
                row = store.execute("SELECT added FROM session_taint_count WHERE id = 1").fetchone()
                with contextlib.suppress(TypeError, ValueError):
                    return int(row[0])  # another process repaired it first
                # (a number: text or a value past 2**62 planted in `n` is no row's number)
                top = store.execute("SELECT max(n) FROM session_taint WHERE n >= 0 AND n < ?",
                                    [2**62]).fetchone()[0]
                top = int(top or 0)
                store.execute("DELETE FROM session_taint_count")
                store.execute("INSERT INTO session_taint_count (id, added) VALUES (1, ?)", [top])
            log.warning("the count of the shared taint was %s; set to %d, the highest row number present",
                        "missing" if row is None else f"not a number ({str(row[0])[:40]!r})", top)
            return top
        except Exception as err:  # noqa: BLE001 - then no link of this process can check: tainted
            log.warning("cannot read or repair the count of the session's shared taint: %s", err)
            return None

    def baseline(self) -> tuple[int | None, datetime]:
        """Where a new link starts checking: the count when the process started (re-read past TTL / 2)."""
        if self._baseline[1] + TTL / 2 < datetime.now(UTC):
            self._read_baseline()
        return self._baseline

    @classmethod
    def for_store(cls, store: Store | None) -> SharedTaint | None:
        """None where no other process can share the store (none, or SQLite in memory)."""
        if store is None or (store.dialect == "sqlite" and store.path is None):
            return None
        return cls(store)

    def link(self, key: str, session_id: str | None = None) -> Link:
        return Link(self, key, session_id)

    def _writes(self) -> Store:
        """SQLite: a connection of its own (writes run in worker threads, the proxy's one on the loop)."""
        if self.store.dialect != "sqlite":
            return self.store
        with self._writer_lock:
            if self._writer is None:
                self._writer = open_store(self.store.path)
            return self._writer

    def write(self, link: Link, rows: list[tuple[Any, ...]]) -> bool:
        now = datetime.now(UTC)
        try:
            store = self._writes()
            with store.write():
                expires = now + TTL
                if link.session_id is not None:  # a `session start` session: its taint lives as long as it
                    row = store.execute("SELECT expires FROM sessions WHERE id = ?", [link.session_id]).fetchone()
                    with contextlib.suppress(TypeError, ValueError):
                        expires = max(expires, datetime.fromisoformat(row[0]))
                until = timestamp(expires)
                store.execute("DELETE FROM session_taint WHERE expires < ?", [timestamp(now)])
                store.execute("UPDATE session_taint SET expires = ? WHERE session_key = ? AND expires < ?",
                              [until, link.key, until])
                # Numbered after every row written so far, the count raised in this transaction.
                added = int(store.execute("SELECT added FROM session_taint_count WHERE id = 1").fetchone()[0])
                numbered = [(link.key, *r, link.origin, link.session_id, until, added + i,
                             row_digest(added + i, link.key, *r, link.origin, link.session_id))
                            for i, r in enumerate(rows, 1)]
                store.executemany(
                    "INSERT INTO session_taint (session_key, kind, value, seq, source, inside, outside, origin, "
                    "session_id, expires, n, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", numbered)
                store.execute("UPDATE session_taint_count SET added = ? WHERE id = 1", [added + len(rows)])
                # Read back: a write that does not appear (dropped by a planted trigger or rule) failed.
                found = store.execute("SELECT count(*) FROM session_taint WHERE n > ? AND n <= ? AND origin = ?",
                                      [added, added + len(rows), link.origin]).fetchone()[0]
                count = store.execute("SELECT added FROM session_taint_count WHERE id = 1").fetchone()[0]
                if found != len(rows) or count != added + len(rows):
                    raise RuntimeError(f"{len(rows) - found} of the {len(rows)} rows written did not appear")
                planted = taint_triggers(store)
                if planted:
                    raise RuntimeError(f"the session_taint table has {', '.join(planted)}")
            return True
        except Exception as err:  # noqa: BLE001 - logged; this process still holds the taint itself
            log.warning("cannot write the session's taint to the store (other processes of the session "
                        "would not see it; the result is withheld): %s", err)
            return False

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def taint_triggers(conn: Store) -> list[str]:
    """Triggers and views (PostgreSQL: triggers and rules) on session_taint and its count. mcp-guard defines none: one
    planted by another process of the user (`RAISE(IGNORE)` on insert, a `DO INSTEAD NOTHING` rule) could
    drop every later taint row while each writer sees success."""
    if conn.dialect == "postgresql":
        rows = conn.execute(
            "SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid IN ('session_taint'::regclass, 'session_taint_count'::regclass) "
            "UNION ALL SELECT 'rule', rulename FROM pg_rules "
            "WHERE tablename IN ('session_taint', 'session_taint_count') "
            "AND schemaname = current_schema() ORDER BY 2"
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') "
            "AND (tbl_name = 'session_taint' OR lower(sql) LIKE '%session_taint%') ORDER BY name"
        ).fetchall()
    return [f"{kind} {name}" for kind, name in rows]
