"""Calls held for a person when the client cannot be asked (no elicitation).

An "ask" becomes a pending approval; the call is answered with an error saying how to approve it.
Once a person approves, the same call (same session, tool, arguments and every other input judged with
them, such as a 2026-07-28 retry's inputResponses: compared by digest) passes exactly once; a second
retry is held again. What a person reviews is what the digest covers.

A held call waits `HOLD_FOR` for a person. After that it has expired: the agent has long moved on,
so it is no longer listed as pending, counted as held, or open to approval (the call must be made
again, and is judged again).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp_guard import audit
from mcp_guard.canonical import now as _now
from mcp_guard.canonical import parse_time, sha256_hex
from mcp_guard.errors import GuardError
from mcp_guard.store import Store

log = logging.getLogger("mcp_guard.approvals")

HOLD_FOR = timedelta(hours=24)


def expired(created: str) -> bool:
    """Whether a call held since `created` has waited longer than `HOLD_FOR`."""
    return parse_time(created) < datetime.now(UTC) - HOLD_FOR


class ApprovalError(GuardError):
    """An approvals command names an approval that does not exist or was already decided."""


@dataclass(frozen=True, slots=True)
class Approval:
    id: str
    session_id: str
    tool: str
    args_digest: str
    arguments: dict[str, Any] | None
    reason: str
    state: str
    decided_by: str | None
    decided_at: str | None
    created: str


def args_digest(tool: str, arguments: dict[str, Any], inputs: dict[str, Any] | None = None) -> str:
    """sha256 of the canonical JSON (RFC 8785) of the tool name, its arguments and its other inputs."""
    if not inputs:  # the digest of a call without inputs is the one it always was
        return sha256_hex({"tool": tool, "arguments": arguments})
    return sha256_hex({"tool": tool, "arguments": arguments, "inputs": inputs})


def shown(arguments: dict[str, Any], inputs: dict[str, Any] | None) -> dict[str, Any]:
    """What is kept (and listed) of a held call: its arguments, and its other inputs beside them."""
    return {"arguments": arguments, "inputs": inputs} if inputs else arguments


def hold(
    store: Store,
    session_id: str,
    tool: str,
    arguments: dict[str, Any],
    reason: str,
    *,
    keep_arguments: bool = True,
    inputs: dict[str, Any] | None = None,
    kept: Mapping[str, Any] | None = None,
) -> str:
    """Record a held call and return its approval id; an identical pending call reuses its id. `kept`:
    the call as its audit record keeps it (sensitive arguments as digests, secrets redacted): what is
    stored and listed instead of the arguments and reason as they are (the approval matches the call by
    its digest either way)."""
    if kept is not None:
        shown_args = kept["arguments"] if "arguments" in kept else {"arguments_sha256": kept.get("arguments_sha256")}
        arguments_shown, reason = shown(shown_args, inputs), kept.get("reason", reason)
    else:
        arguments_shown = shown(arguments, inputs)
    digest = args_digest(tool, arguments, inputs)
    with store.write():  # two replicas holding the same call at once record it once
        row = store.execute(
            "SELECT id FROM approvals WHERE session_id = ? AND tool = ? AND args_digest = ? AND state = 'pending'",
            [session_id, tool, digest],
        ).fetchone()
        if row:
            return row[0]
        approval_id = "ap-" + secrets.token_hex(4)
        store.execute(
            "INSERT INTO approvals (id, session_id, tool, args_digest, arguments, reason, state, decided_by, "
            "decided_at, created) VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, ?)",
            [approval_id, session_id, tool, digest,
             json.dumps(arguments_shown, default=str) if keep_arguments else None, reason, _now()],
        )
    return approval_id


def consume_approved(store: Store, session_id: str, tool: str, arguments: dict[str, Any],
                     inputs: dict[str, Any] | None = None) -> str | None:
    """If a person approved this very call (its arguments and its other inputs), mark the approval
    used and return its id (it passes once)."""
    digest = args_digest(tool, arguments, inputs)
    with store.write():  # read and mark in one step: two replicas never both pass it
        ident = _decided(store, session_id, tool, digest, "approved")
        if ident:
            store.execute("UPDATE approvals SET state = 'used' WHERE id = ?", [ident])
    return ident


def refused(store: Store, session_id: str, tool: str, arguments: dict[str, Any],
            inputs: dict[str, Any] | None = None) -> str | None:
    """The id of a person's refusal of this very call in this session, if any: the same call made again is
    refused, not held and asked again."""
    return _decided(store, session_id, tool, args_digest(tool, arguments, inputs), "denied")


def refusals(store: Store, session_id: str) -> list[Approval]:
    """Every call a person refused in this session that the audit chain records (as `_decided` checks)."""
    rows = _dicts(store.execute(f"SELECT {_COLUMNS} FROM approvals WHERE session_id = ? AND state = 'denied' "
                                "ORDER BY decided_at", [session_id]))
    return [a for a in map(_approval, rows) if _recorded(store, session_id, a.id, "denied", a.tool, a.args_digest)]


def _recorded(store: Store, session_id: str, ident: str, state: str, tool: str, digest: str) -> bool:
    """Does the audit chain's latest record of approval `ident` say `state` for this very call?"""
    rec = audit.latest_approval(store, session_id, ident)
    return bool(rec) and (rec.get("decision"), rec.get("tool"), rec.get("args_digest")) == (state, tool, digest)


def _decided(store: Store, session_id: str, tool: str, digest: str, state: str) -> str | None:
    """The first decision `state` ("approved", "denied") of this call in this session that the audit chain
    records. Honoured only with its record: the database is writable by any process of the user (an
    upstream server too), and an UPDATE decides nothing."""
    for (ident,) in store.execute(
        "SELECT id FROM approvals WHERE session_id = ? AND tool = ? AND args_digest = ? AND state = ? "
        "ORDER BY decided_at",
        [session_id, tool, digest, state],
    ).fetchall():
        if _recorded(store, session_id, ident, state, tool, digest):
            return ident
        log.warning("approval state edited outside mcp-guard: %s is marked %s without its audit record; the "
                    "call stays held", ident, state)
    return None


def get(store: Store, approval_id: str) -> Approval:
    rows = _dicts(store.execute(f"SELECT {_COLUMNS} FROM approvals WHERE id = ?", [approval_id]))
    if not rows:
        raise ApprovalError(f"no approval {approval_id!r}; `mcp-guard approvals list` shows the pending ones")
    return _approval(rows[0])


def listing(store: Store, state: str | None = "pending", session_id: str | None = None) -> list[Approval]:
    where, params = [], []
    if state:
        where.append("state = ?")
        params.append(state)
    if session_id:
        where.append("session_id = ?")
        params.append(session_id)
    sql = f"SELECT {_COLUMNS} FROM approvals" + (" WHERE " + " AND ".join(where) if where else "")
    found = [_approval(r) for r in _dicts(store.execute(sql + " ORDER BY created, id", params))]
    return [a for a in found if a.state != "pending" or not expired(a.created)] if state == "pending" else found


def decide(store: Store, approval_id: str, approve: bool, by: str, why: str = "") -> Approval:
    """Approve or deny a pending approval (`why`: the person's own reason, if they give one); deciding
    twice is an error."""
    current = get(store, approval_id)
    if current.state == "ended":
        raise ApprovalError(f"approval {approval_id} belongs to a session that has ended: the call must be made again")
    if current.state != "pending":
        raise ApprovalError(f"approval {approval_id} is already {current.state}")
    if expired(current.created):
        raise ApprovalError(f"approval {approval_id} has expired (held since {current.created}, more than "
                            f"{HOLD_FOR.total_seconds() / 3600:.0f} h): the call must be made again")
    state = "approved" if approve else "denied"
    conn = store
    with store.write():  # the decision and its audit record commit together (an approval is honoured only with it)
        done = conn.execute("UPDATE approvals SET state = ?, decided_by = ?, decided_at = ? "
                            "WHERE id = ? AND state = 'pending'", (state, by, _now(), approval_id))
        if done.rowcount != 1:
            raise ApprovalError(f"approval {approval_id} was decided meanwhile")
        audit.append_in_transaction(conn, "approval", {
            "id": approval_id, "tool": current.tool, "args_digest": current.args_digest,
            "decision": state, "by": by, "reason": why, "held_because": current.reason,
        }, session_id=current.session_id)
    return get(store, approval_id)


def end_session(store: Store, session_id: str) -> int:
    """A session that can make no call again (a `run` process that ended): its held calls will never be
    retried, so they are no longer waiting for anyone. Returns how many were pending."""
    with store.write():
        done = store.execute("UPDATE approvals SET state = 'ended' WHERE session_id = ? AND state = 'pending'",
                             (session_id,))
    return done.rowcount


def held_message(approval_id: str, reason: str) -> str:
    """The text of the isError result a held call gets."""
    return (
        f"mcp-guard held this call for a person's approval: {reason}. "
        f"To allow it once, run `mcp-guard approvals approve {approval_id}` and retry the same call "
        "in this same session (an approval holds for this session only, for these exact arguments and "
        "answers, once); "
        f"`mcp-guard approvals deny {approval_id}` refuses it (and the same call made again)."
    )


_COLUMNS = "id, session_id, tool, args_digest, arguments, reason, state, decided_by, decided_at, created"


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]


def _approval(row: dict[str, Any]) -> Approval:
    args = json.loads(row["arguments"]) if row.get("arguments") else None
    return Approval(
        row["id"],
        row["session_id"],
        row["tool"],
        row["args_digest"],
        args,
        row["reason"],
        row["state"],
        row.get("decided_by"),
        row.get("decided_at"),
        row["created"],
    )
