"""The database: one SQLite file by default, or one PostgreSQL database shared by several hosts.

The seam every feature module goes through is small: `execute` / `executemany` with `?` placeholders,
`write()` (the one writer's transaction: whatever runs inside it sees and changes the database as if
no one else were writing), `snapshot()` (a consistent read of several statements), `json_text(col,
key)` (a JSON field of a text column, as SQL) and `Error` / `IntegrityError` (the driver's exceptions).

SQLite (the default; `[storage] path`): Claude Code starts one `mcp-guard run` per server per session,
so many processes write at once: WAL lets readers and one writer work together, the busy timeout makes
writers queue instead of failing, and `write()` is `BEGIN IMMEDIATE`. `SCHEMA_VERSION` is stored in
`PRAGMA user_version`.

PostgreSQL (`[storage] url = "postgresql://…"`): several `serve` replicas on several hosts share it
through a connection pool (psycopg 3, `pip install 'mcp-guard[postgres]'`). `write()` is a transaction
that first takes one transaction-scoped advisory lock: writers are serialised exactly as SQLite's
`BEGIN IMMEDIATE` serialises them, which is what keeps the audit log one hash chain (every append reads
the head and writes the next record under that lock; see `mcp_guard.audit.log`). `SCHEMA_VERSION` is
stored in the `mcp_guard_schema` table, migrated under an advisory lock of its own.

In both, the schema lives here and only here, each statement is idempotent (opening is migrating), and
a database written by a newer mcp-guard is refused rather than damaged.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mcp_guard.errors import StoreError

# 1: review, sessions, approvals, audit, verifications, wrap records. 2: budget_use. 3: session_taint.
# 4: http_sessions. 5: session_taint's numbers, digests and count (a deleted or changed row shows).
SCHEMA_VERSION = 5
BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
POOL_SIZE = 8  # per process: the audit writer, the review guard's worker thread and a few requests
# Advisory lock keys (any two 64-bit numbers no other application on the database uses): `write()`,
# and the migration step.
WRITE_LOCK = 0x6D63_7067_7772_6974  # "mcpgwrit"
MIGRATE_LOCK = 0x6D63_7067_6D69_6772  # "mcpgmigr"

# One block per feature. Each statement is idempotent, so opening a database is also migrating it.
_SCHEMA = """
-- review: every tool / prompt / resource definition seen, and its review state
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,            -- short review id shown to people
    upstream TEXT NOT NULL,
    kind TEXT NOT NULL,             -- tool | prompt | resource | resource_template | server
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    definition TEXT NOT NULL,       -- canonical JSON of the whole definition
    state TEXT NOT NULL,            -- pending | approved | rejected | superseded (a newer one was approved)
    previous_id TEXT,               -- the approved definition this one changes, if any
    findings TEXT,                  -- scan findings, JSON
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    removed TEXT                    -- when the server stopped listing the name (NULL while listed)
);
CREATE INDEX IF NOT EXISTS items_by_name ON items (upstream, kind, name);
CREATE UNIQUE INDEX IF NOT EXISTS items_by_fingerprint ON items (upstream, kind, name, fingerprint);
CREATE TABLE IF NOT EXISTS review_decisions (
    {ROWID}
    item_id TEXT NOT NULL,
    decision TEXT NOT NULL,         -- approve | reject
    reviewer TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS review_decisions_by_item ON review_decisions (item_id);

-- intent: sessions and calls held for a person's approval
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    intent TEXT NOT NULL,
    profile TEXT,
    owner TEXT,
    token_hash TEXT,                -- sha256 of the bearer token of an HTTP session
    started TEXT NOT NULL,
    expires TEXT,
    source TEXT,                    -- token (session start) | hook (Claude Code prompt) | run
    cwd TEXT,                       -- the project a hook-recorded session works in
    updated TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS sessions_by_token ON sessions (token_hash);
CREATE INDEX IF NOT EXISTS sessions_by_cwd ON sessions (cwd, updated);
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    args_digest TEXT NOT NULL,
    arguments TEXT,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,            -- pending | approved | denied | used
    decided_by TEXT,
    decided_at TEXT,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_call ON approvals (session_id, tool, args_digest, state);
-- the calls each session made against its profile's budgets ("" = total, else the budget's glob)
CREATE TABLE IF NOT EXISTS budget_use (
    session_id TEXT NOT NULL,
    key TEXT NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (session_id, key)
);
-- what an agent session read that carries instructions to the model, shared by every process and
-- replica of the session (mcp_guard.intent.shared_taint); rows are only ever added, and expire
CREATE TABLE IF NOT EXISTS session_taint (
    id {SERIAL},
    session_key TEXT NOT NULL,      -- the agent session (serve: its session; run: its client, see shared_taint)
    kind TEXT NOT NULL,             -- taint (a tainted result was read) | value (an address it carried) | overflow
    value TEXT,                     -- the value (kind value)
    seq INTEGER,                    -- the result's number in the process that read it
    source TEXT,                    -- upstream/tool of the result
    inside INTEGER,                 -- the value stood inside the instructions (1) / outside them too (outside = 1)
    outside INTEGER,
    origin TEXT NOT NULL,           -- the session state that wrote it (which skips its own rows)
    session_id TEXT,                -- the `session start` / hook session it belongs to, if any
    expires TEXT NOT NULL,
    n {BIGINT},                     -- its number, 1, 2, ... over every key (session_taint_count.added)
    digest TEXT                     -- of its number and content: a row changed after it was written shows
);
CREATE INDEX IF NOT EXISTS session_taint_by_key ON session_taint (session_key, id);

-- audit: the hash-chained log
CREATE TABLE IF NOT EXISTS audit (
    seq {BIGINT} PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    session_id TEXT,
    data TEXT NOT NULL,             -- canonical JSON
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- the last record's seq and hash, written with it: deleting records from the end shows
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq {BIGINT} NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_session ON audit (session_id, seq);
-- a review item's decisions in the chain (review.py honours an approval only with its record)
CREATE INDEX IF NOT EXISTS audit_reviews ON audit (({REVIEW_ID}), seq)
    WHERE kind = 'review' AND session_id IS NULL;

-- provenance: the last verification of each upstream's artifact
CREATE TABLE IF NOT EXISTS verifications (
    upstream TEXT NOT NULL,
    artifact_digest TEXT NOT NULL,
    outcome TEXT NOT NULL,          -- verified | invalid | unsupported | missing | pinned
    detail TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (upstream, artifact_digest)
);

-- run: what each default (derived) upstream name stands for, so two servers never share one
CREATE TABLE IF NOT EXISTS adhoc_names (
    name TEXT PRIMARY KEY,
    identity TEXT NOT NULL,         -- package:NAME or path:FOLDER (mcp_guard.proxy.names)
    command TEXT NOT NULL,          -- the command line that first used it, JSON
    first_seen TEXT NOT NULL
);
-- run: the program a configured upstream's bare command name ran first (PATH chooses it; its approvals
-- are that program's): another program under that name is refused (mcp_guard.proxy.runner.pin_programs)
CREATE TABLE IF NOT EXISTS upstream_programs (
    upstream TEXT PRIMARY KEY,
    command TEXT NOT NULL,          -- the bare name the config gives
    program TEXT NOT NULL,          -- the file PATH found for it, symbolic links resolved
    first_seen TEXT NOT NULL
);
-- run: the sha256 of each config text that passed `run`'s checks; only such a text starts servers before
-- it is validated again (mcp_guard.proxy.prelaunch)
CREATE TABLE IF NOT EXISTS validated_configs (
    digest TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
);
-- clients: client config entries that `mcp-guard wrap` rewrote, so `unwrap` restores them exactly
CREATE TABLE IF NOT EXISTS wrapped_entries (
    file TEXT NOT NULL,             -- the client's config file (absolute path)
    container TEXT NOT NULL,        -- JSON pointer to its servers object, e.g. /mcpServers
    name TEXT NOT NULL,             -- the server's name there
    upstream TEXT NOT NULL,         -- the upstream it is registered as in mcp-guard's config
    original TEXT NOT NULL,         -- the entry's text before wrapping, byte for byte
    wrapped TEXT NOT NULL,          -- the entry as wrap wrote it, canonical JSON
    at TEXT NOT NULL,
    PRIMARY KEY (file, container, name)
);
"""

# Version 3, a step of its own (idempotent like the rest): handshake-era HTTP sessions, so any `serve`
# replica can rebuild one another replica opened (mcp_guard.proxy.handshake_sessions).
_HTTP_SESSIONS = """
CREATE TABLE IF NOT EXISTS http_sessions (
    id TEXT PRIMARY KEY,            -- the Mcp-Session-Id
    owner_hash TEXT NOT NULL,       -- sha256 of the credential's identity that opened it (never a token)
    session_id TEXT NOT NULL,       -- the guards' and the audit log's session id
    intent_session TEXT,            -- the `session start` session it is bound to, if any
    init_params TEXT NOT NULL,      -- the client's initialize params, JSON
    negotiated TEXT,                -- the protocol version answered (NULL until answered)
    created TEXT NOT NULL,
    last_used TEXT NOT NULL,
    ended TEXT                      -- when a DELETE ended it (NULL while open)
);
CREATE INDEX IF NOT EXISTS http_sessions_by_use ON http_sessions (last_used);
"""

# Version 5: how many session_taint rows were ever written, counted in the transaction that writes them,
# so a reader notices rows deleted before it read them (mcp_guard.intent.shared_taint). Run after the
# columns `n` and `digest` exist (added to an older table first).
_TAINT_COUNT = """
CREATE TABLE IF NOT EXISTS session_taint_count (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    added {BIGINT} NOT NULL
);
INSERT INTO session_taint_count (id, added) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE INDEX IF NOT EXISTS session_taint_by_n ON session_taint (n);
"""


def is_url(target: str | Path | None) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0] in ("postgresql", "postgres")


def safe_url(url: str) -> str:
    """The URL as it may be shown or logged: without its password."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return re.sub(r"://[^@/]*@", "://***@", url)


class Busy(Exception):
    """A write that was not to wait found the write lock held (`Store.write(wait=False)`)."""


class Store:
    """The opened database. Feature modules use only the seam described in the module docstring."""

    dialect = ""
    Error: type[Exception] | tuple[type[Exception], ...] = sqlite3.Error
    IntegrityError: type[Exception] | tuple[type[Exception], ...] = sqlite3.IntegrityError
    path: Path | None = None
    url: str | None = None

    def __init__(self) -> None:
        self._local = threading.local()  # this thread's open transaction, if any

    @property
    def label(self) -> str:
        """Where the database is, as it may be shown (no password)."""
        if self.url is not None:
            return safe_url(self.url)
        return str(self.path) if self.path is not None else ":memory:"

    def _current(self) -> Any:
        return getattr(self._local, "conn", None)

    @contextlib.contextmanager
    def _bound(self, conn: Any) -> Iterator[None]:
        if self._current() is not None:
            raise RuntimeError("a store transaction is already open in this thread")
        self._local.conn = conn
        try:
            yield
        finally:
            self._local.conn = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows of a long read inside `snapshot()`, fetched a thousand at a time, not all at once."""
        return iter(self.execute(sql, params))

    def write(self, *, durability: str | None = None, wait: bool = True) -> contextlib.AbstractContextManager[Store]:
        raise NotImplementedError

    def snapshot(self) -> contextlib.AbstractContextManager[Store]:
        raise NotImplementedError

    def json_text(self, column: str, key: str) -> str:
        raise NotImplementedError

    def audit_handle(self, durability: str) -> Store:
        """The store as the audit log uses it (its own connections on SQLite, whose settings then do
        not change other features'); `close()` it when done."""
        return self

    def checkpoint(self) -> None:
        """Copy a write-ahead log into the database where the store keeps one itself (SQLite)."""

    def change_stamp(self) -> Any:
        """A value that changes whenever anything is written to the database, by any connection or
        process; None where the store cannot tell cheaply (then nothing may be assumed unchanged)."""
        return None

    def schema_version(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


# --- SQLite ---------------------------------------------------------------------------------------


class SQLiteStore(Store):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path | None, *, wconn: sqlite3.Connection | None = None,
                 fast_retry: bool = False) -> None:
        super().__init__()
        self.conn = conn  # reads, and writes unless `wconn` is given
        self._wconn = wconn or conn
        self._fast_retry = fast_retry
        self.path = path
        self._db: Any = None
        # Threads of one process share the connection: one transaction at a time on it (a second
        # BEGIN on it would fail, and its statements would join the first one's transaction).
        self._writing = threading.Lock()

    @property
    def db(self) -> Any:
        """A `sqlite_utils.Database` on the connection (tests and one-off tools; features use the seam)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return (self._current() or self.conn).execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        (self._current() or self.conn).executemany(sql, rows)

    @contextlib.contextmanager
    def write(self, *, durability: str | None = None, wait: bool = True) -> Iterator[Store]:
        """A write transaction. `wait=False`: `Busy` at once if another thread or process holds the
        write lock (the caller writes later, elsewhere) instead of waiting for it."""
        conn = self._wconn
        if self._current() is not None:
            raise RuntimeError("a store transaction is already open in this thread")
        if not wait and not self._fast_retry:  # a connection with a busy timeout would wait in BEGIN
            raise Busy("this connection waits for the write lock")
        if not self._writing.acquire(blocking=wait):
            raise Busy("the store is being written by another thread")
        try:
            if not wait:
                try:
                    conn.execute("BEGIN IMMEDIATE")  # this connection's busy timeout is 0 (audit_handle)
                except sqlite3.OperationalError as err:
                    if getattr(err, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
                        raise Busy("the database is being written by another process") from None
                    raise
            elif self._fast_retry:
                _begin_immediate(conn)
            else:
                conn.execute("BEGIN IMMEDIATE")
            try:
                with self._bound(conn):
                    yield self
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            self._writing.release()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        conn = self.conn
        with self._writing if conn is self._wconn else contextlib.nullcontext():
            conn.execute("BEGIN")
            try:
                with self._bound(conn):
                    yield self
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def audit_handle(self, durability: str) -> Store:
        if self.path is None:
            return self  # in memory: one connection
        reads = _sqlite_connect(self.path, BUSY_TIMEOUT_MS, durability)  # reads wait for SQLite's busy handler
        writes = _sqlite_connect(self.path, 0, durability)  # writes retry themselves: see _begin_immediate
        writes.execute("PRAGMA wal_autocheckpoint = 0")  # never inside a commit: the log checkpoints after it
        return SQLiteStore(reads, self.path, wconn=writes, fast_retry=True)

    def change_stamp(self) -> Any:
        # Changes by other connections (`data_version`) and by this one (`total_changes`).
        conn = self._current() or self.conn
        return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes, self._wconn.total_changes

    def others_version(self) -> int | None:
        """SQLite's `data_version` on the connection this store writes with: it changes whenever
        another connection commits (another process, or another store of this one), and never for this
        store's own writes. None while another thread has that connection."""
        if not self._writing.acquire(blocking=False):
            return None
        try:
            return int(self._wconn.execute("PRAGMA data_version").fetchone()[0])
        finally:
            self._writing.release()

    def checkpoint(self) -> None:
        if self.path is not None:
            with self._writing:
                self._wconn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        for conn in {self.conn, self._wconn}:
            conn.close()


def _sqlite_connect(path: Path, busy_ms: int, durability: str | None = None) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
    if durability is not None:
        conn.execute(f"PRAGMA synchronous = {'FULL' if durability == 'full' else 'NORMAL'}")
    return conn


def _create_private(path: Path) -> None:
    """A database mcp-guard creates is its owner's alone (it holds wrapped entries' original text,
    env keys and headers included): the folder 0700 when we make it, the file 0600. SQLite gives
    the -wal and -shm files the database file's mode."""
    if not path.parent.exists():
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    except FileExistsError:
        pass  # an existing database keeps the mode its owner gave it


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


def _open_sqlite(path: str | Path | None) -> SQLiteStore:
    try:
        if path is None:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            p = Path(path)
            _create_private(p)
            conn = _sqlite_connect(p, BUSY_TIMEOUT_MS)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path}: database is from a newer mcp-guard (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade mcp-guard or point storage.path at another file"
            )
        schema = _SCHEMA.format(ROWID="", BIGINT="INTEGER", REVIEW_ID="json_extract(data, '$.id')",
                                SERIAL="INTEGER PRIMARY KEY AUTOINCREMENT")  # ids never reused: read in order
        conn.executescript("BEGIN IMMEDIATE;" + schema + "COMMIT;")
        for column in ("n INTEGER", "digest TEXT"):  # a table of schema 3 or 4 (each step idempotent)
            try:
                conn.execute(f"ALTER TABLE session_taint ADD COLUMN {column}")
            except sqlite3.OperationalError as err:
                if "duplicate column" not in str(err):
                    raise
        conn.executescript("BEGIN IMMEDIATE;" + _TAINT_COUNT.format(BIGINT="INTEGER") + _HTTP_SESSIONS
                           + f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{path}: cannot open the database: {err}") from None
    except OSError as err:
        raise StoreError(f"{path}: cannot create the database folder: {err}") from None
    return SQLiteStore(conn, Path(path) if path else None)


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_sql(sql: str, params: Sequence[Any]) -> str:
    # `?` placeholders become psycopg's `%s` (a literal % is doubled first). The SQL of this project
    # never has a `?` or `%` inside a string literal: values always go in as parameters.
    return sql.replace("%", "%%").replace("?", "%s") if params else sql


class _Rows:
    """What `execute` returns outside a transaction on PostgreSQL: the rows, read before the
    connection went back to the pool, with the DB-API cursor's reading methods."""

    def __init__(self, cursor: Any) -> None:
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self._rows = cursor.fetchall() if cursor.description is not None else []
        self._i = 0

    def fetchone(self) -> Any:
        if self._i >= len(self._rows):
            return None
        self._i += 1
        return self._rows[self._i - 1]

    def fetchall(self) -> list[Any]:
        rest, self._i = self._rows[self._i :], len(self._rows)
        return rest

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, pool: Any, url: str) -> None:
        super().__init__()
        import psycopg

        self.pool = pool
        self.url = url
        self.Error = psycopg.Error
        self.IntegrityError = psycopg.IntegrityError

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        params = tuple(params)
        sql = _pg_sql(sql, params)
        conn = self._current()
        if conn is not None:
            return conn.execute(sql, params or None)
        with self.pool.connection() as conn:
            return _Rows(conn.execute(sql, params or None))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if not rows:
            return
        sql = _pg_sql(sql, rows[0])
        conn = self._current()
        if conn is not None:
            conn.cursor().executemany(sql, rows)
            return
        with self.pool.connection() as conn, conn.transaction():
            conn.cursor().executemany(sql, rows)

    @contextlib.contextmanager
    def write(self, *, durability: str | None = None, wait: bool = True) -> Iterator[Store]:
        if self._current() is not None:  # a second connection would wait for this one's lock forever
            raise RuntimeError("a store transaction is already open in this thread")
        if not wait:  # a network round trip is a wait
            raise Busy("a PostgreSQL write waits for the server")
        with self.pool.connection() as conn, conn.transaction():
            if durability == "normal":  # committed without waiting for the WAL flush, like SQLite's NORMAL
                conn.execute("SET LOCAL synchronous_commit = off")
            # Its own statement, first: a statement reads the snapshot taken when it began, so the
            # reads that follow the lock (the audit head) see every commit made before it was granted.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            with self._bound(conn):
                yield self

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        conn = self._current()
        if conn is None:
            raise RuntimeError("stream() reads inside snapshot()")
        params = tuple(params)
        with conn.cursor(name="mcp_guard_stream") as cursor:  # a server-side cursor
            cursor.itersize = 1000
            cursor.execute(_pg_sql(sql, params), params or None)
            yield from cursor

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            with self._bound(conn):
                yield self

    def json_text(self, column: str, key: str) -> str:
        return f"({column}::jsonb ->> '{key}')"

    def schema_version(self) -> int:
        row = self.execute("SELECT max(version) FROM mcp_guard_schema").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        self.pool.close()


def _pg_error(url: str, err: BaseException) -> StoreError:
    """One line, naming the database without its password (nor the password anywhere in the text)."""
    text = " ".join(str(err).split()) or type(err).__name__
    with contextlib.suppress(ValueError):
        password = urlsplit(url).password
        if password:
            text = text.replace(password, "***")
    return StoreError(f"{safe_url(url)}: cannot open the database: {text}")


def _open_postgres(url: str) -> PostgresStore:
    try:
        import psycopg
        from psycopg_pool import ConnectionPool
    except ImportError:
        raise StoreError("storage.url names PostgreSQL, but its driver is not installed: "
                         "pip install 'mcp-guard[postgres]'") from None
    try:
        # One connection first, for a precise error (the pool only says it timed out), and the migration.
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
                conn.execute("CREATE TABLE IF NOT EXISTS mcp_guard_schema (version INTEGER NOT NULL)")
                version = conn.execute("SELECT max(version) FROM mcp_guard_schema").fetchone()[0] or 0
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{safe_url(url)}: database is from a newer mcp-guard (schema {version}, this one knows "
                        f"{SCHEMA_VERSION}); upgrade mcp-guard or point storage.url at another database")
                conn.execute(_SCHEMA.format(ROWID="rowid BIGINT GENERATED ALWAYS AS IDENTITY,",  # SQLite's
                                            BIGINT="BIGINT", REVIEW_ID="(data::jsonb ->> 'id')",  # implicit one
                                            SERIAL="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"))
                conn.execute("ALTER TABLE session_taint ADD COLUMN IF NOT EXISTS n BIGINT, "
                             "ADD COLUMN IF NOT EXISTS digest TEXT")
                conn.execute(_TAINT_COUNT.format(BIGINT="BIGINT"))
                conn.execute(_HTTP_SESSIONS)
                if version < SCHEMA_VERSION:
                    conn.execute("DELETE FROM mcp_guard_schema")
                    conn.execute("INSERT INTO mcp_guard_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
        pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, open=False, name="mcp-guard",
                              kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S,
                                      "options": f"-c lock_timeout={BUSY_TIMEOUT_MS}"},  # as SQLite's busy timeout
                              # a connection is checked (an empty query) before each use, so a database
                              # restarted or failed over costs no request an error
                              check=ConnectionPool.check_connection, timeout=BUSY_TIMEOUT_MS / 1000)
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except StoreError:
        raise
    except Exception as err:  # noqa: BLE001 - a bad URL, a refused connection, a missing role: one line
        raise _pg_error(url, err) from None
    return PostgresStore(pool, url)


def open_store(target: str | Path | None) -> Store:
    """Open (creating and migrating if needed) the database: a `postgresql://` URL, a SQLite file's
    path, or `None` for a private in-memory SQLite one."""
    if is_url(target):
        return _open_postgres(str(target))
    return _open_sqlite(target)
