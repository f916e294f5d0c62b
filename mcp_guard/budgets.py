"""A session's budget use (calls so far, in total and per budget glob of its profile), in the store.

Kept in the database rather than in the relay, so every `serve` replica that answers a request of
the same session (a `session start` token) counts against the same budget. Read before each call of
a profile with budgets, then read again and charged in one write transaction when the call goes
ahead (`IntentGuard._charge_shared`): calls decided at the same instant on several replicas take the
store's write lock in turn, so the last unit is taken once.
"""

from __future__ import annotations

from collections.abc import Mapping

from mcp_guard.store import Store


def used(store: Store, session_id: str) -> dict[str, int]:
    """Calls charged so far: "" = the total, a glob = the calls its budget counted."""
    rows = store.execute("SELECT key, calls FROM budget_use WHERE session_id = ?", [session_id]).fetchall()
    return {key: int(calls) for key, calls in rows}


def charge(store: Store, session_id: str, delta: Mapping[str, int]) -> None:
    """Add `delta` to the session's counts, as one atomic step per key."""
    store.executemany(
        "INSERT INTO budget_use (session_id, key, calls) VALUES (?, ?, ?) "
        "ON CONFLICT (session_id, key) DO UPDATE SET calls = budget_use.calls + excluded.calls",
        [(session_id, key, n) for key, n in delta.items() if n],
    )
