"""Per-session and per-tool counts of calls and decisions, read from the log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp_guard.audit.log import AuditLog

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
