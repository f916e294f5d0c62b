"""Records that vouch for state kept outside the chain: a review decision or a held call's approval
is honoured only when its audit record is intact in the chain.

Plain functions on a store whose `write()` transaction this thread holds, so that a decision and its record
commit (or roll back) together; a row approved with a plain UPDATE has no such record.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from mcp_guard.audit.chain import GENESIS, AuditRecord, _hash_or_none, record_hash
from mcp_guard.audit.log import AuditLog, refuse_triggers
from mcp_guard.canonical import canonical, jsonable
from mcp_guard.canonical import now as _now
from mcp_guard.store import Store


def append_in_transaction(conn: Store, kind: str, data: Mapping[str, Any],
                          session_id: str | None = None) -> AuditRecord:
    """Chain one record inside `conn.write()` (which holds the write lock)."""
    text = canonical(jsonable(data))
    refuse_triggers(conn)
    seq, prev = AuditLog._head_for_append(conn)
    seq, at = seq + 1, _now()
    h = record_hash(seq, at, kind, session_id, hashlib.sha256(text).hexdigest(), prev)
    conn.execute("INSERT INTO audit (seq, at, kind, session_id, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (seq, at, kind, session_id, text.decode(), prev, h))
    conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                 "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", (seq, h))
    return AuditRecord(seq, at, kind, session_id, json.loads(text), prev, h)


def latest_review(conn: Store, item_id: str) -> dict[str, Any] | None:
    """The data of the last `review` record of a review item, if that record is intact in the chain
    (its own hash, and its link to the record before it); None when there is none or it was edited."""
    row = conn.execute(
        "SELECT seq, at, session_id, data, prev_hash, hash FROM audit WHERE seq = "
        f"({latest_review_seq(conn, '?')})", (item_id,)).fetchone()
    return _intact(conn, "review", row)


def latest_review_seq(conn: Store, item: str) -> str:
    """SQL for the sequence number of the last `review` record of the item `item` (an SQL expression:
    a parameter, or a column of an outer query that reads the record with the item's own row)."""
    # the literal kind and NULL session let the database use the audit_reviews index
    return (f"SELECT seq FROM audit WHERE kind = 'review' AND session_id IS NULL "
            f"AND ({conn.json_text('data', 'id')}) = {item} ORDER BY seq DESC LIMIT 1")


@functools.lru_cache(maxsize=1024)
def intact_review(row: tuple[Any, ...], before: str | None) -> dict[str, Any] | None:
    """`latest_review` for a record already read (seq, at, session_id, data, prev_hash, hash) with
    the hash of the record before it (None: there is none). A pure function of what was read, so it
    is remembered: the call path asks it of the same records at every call. Do not change the dict."""
    return _intact(None, "review", row, before)


def latest_approval(conn: Store, session_id: str, approval_id: str) -> dict[str, Any] | None:
    """The data of the last intact `approval` record of a held call's approval in its session."""
    row = conn.execute(
        "SELECT seq, at, session_id, data, prev_hash, hash FROM audit WHERE session_id = ? "
        f"AND kind = 'approval' AND {conn.json_text('data', 'id')} = ? ORDER BY seq DESC LIMIT 1",
        (session_id, approval_id),
    ).fetchone()
    return _intact(conn, "approval", row)


_UNREAD: Any = object()


def _intact(conn: Store | None, kind: str, row: Any, before: Any = _UNREAD) -> dict[str, Any] | None:
    """`row`'s data if its hash and its link hold; `before`: the previous record's hash, when read."""
    if row is None or row[0] is None:
        return None
    seq, at, sid, text, prev, h = row
    if not isinstance(text, str) or not isinstance(seq, int):
        return None
    if _hash_or_none(seq, at, kind, sid, hashlib.sha256(text.encode()).hexdigest(), prev) != h:
        return None
    if before is _UNREAD:
        assert conn is not None
        found = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()
        before = found[0] if found else None
    if prev != (before if before is not None else GENESIS if seq == 1 else None):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
