"""The database: one SQLite file (WAL, busy timeout) shared by every mcp-guard process.

Claude Code starts one `mcp-guard run` per server per session, so many processes write at once:
WAL lets readers and one writer work together, and the busy timeout makes writers queue instead of
failing. The schema lives here and only here; `SCHEMA_VERSION` is stored in `PRAGMA user_version`,
and a database written by a newer mcp-guard is refused rather than damaged.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from mcp_guard.errors import StoreError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

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

-- audit: the hash-chained log
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
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
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_session ON audit (session_id, seq);
-- a review item's decisions in the chain (review.py honours an approval only with its record)
CREATE INDEX IF NOT EXISTS audit_reviews ON audit (json_extract(data, '$.id'), seq)
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


class Store:
    """The opened database. `db` is a `sqlite_utils.Database`; feature modules query it directly."""

    def __init__(self, db: sqlite_utils.Database, path: Path | None) -> None:
        self.db = db
        self.path = path

    def close(self) -> None:
        self.db.close()


def open_store(path: str | Path | None) -> Store:
    """Open (creating if needed) the database at `path`; `None` gives a private in-memory one."""
    try:
        if path is None:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(p), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path}: database is from a newer mcp-guard (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade mcp-guard or point storage.path at another file"
            )
        conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{path}: cannot open the database: {err}") from None
    except OSError as err:
        raise StoreError(f"{path}: cannot create the database folder: {err}") from None
    return Store(sqlite_utils.Database(conn), Path(path) if path else None)
