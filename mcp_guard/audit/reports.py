"""Per-session and per-tool counts of calls and decisions, read from the log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp_guard.audit.log import AuditLog

_COUNTERS = ("calls", "allowed", "denied", "unreviewed", "asked", "approved", "outside_intent")
# The review guard's refusals of a tool nobody approved yet: not a judgement of the call itself.
_UNREVIEWED = ("held-for-review", "unchecked", "unlisted")
# Rules that mark a person's answer: "person:RULE" (asked in the client, yes or no), "approved:ID"
# (a held call a person approved, made again by the agent).
_BY_PERSON = ("person:", "approved:")


def _count(into: dict[str, int], data: Mapping[str, Any]) -> None:
    decision = data.get("decision")
    rule = str(data.get("rule") or "")
    by_person = rule.startswith(_BY_PERSON)
    into["calls"] += 1
    into["allowed"] += decision == "allow"
    unreviewed = decision == "deny" and data.get("guard") == "manifest" and rule in _UNREVIEWED
    into["denied"] += decision == "deny" and not unreviewed
    into["unreviewed"] += unreviewed
    # Asked: put to a person, held or answered in the client (a held call made again after its
    # approval was asked once already, when it was held).
    into["asked"] += decision == "ask" or rule.startswith("person:")
    into["approved"] += decision == "allow" and by_person
    # Outside the declared intent: what the intent guard did not allow on its own.
    into["outside_intent"] += data.get("guard") == "intent" and (decision != "allow" or by_person)


def report(log: AuditLog, session: str | None = None, last: int | None = None) -> dict[str, Any]:
    """Per session and per tool: calls, allowed, denied, refused as not yet reviewed, asked, approved
    by a person, and calls outside the declared intent; with `last`, only the last sessions the log
    saw begin (and the totals over them)."""
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
        elif rec.kind == "intent.declared":  # a later prompt (Claude Code's hook): what is judged from then on
            entry(rec.session_id)["intent"] = rec.data.get("intent")
        elif rec.kind == "call":
            e = entry(rec.session_id)
            key = (str(rec.data.get("upstream", "")), str(rec.data.get("tool", "")))
            tool = e["tools"].setdefault(key, {"upstream": key[0], "tool": key[1]} | dict.fromkeys(_COUNTERS, 0))
            _count(tool, rec.data)
            _count(e["totals"], rec.data)
    out = []
    totals = dict.fromkeys(_COUNTERS, 0)
    for e in list(sessions.values())[-last:] if last else sessions.values():
        e["tools"] = sorted(e["tools"].values(), key=lambda t: (t["upstream"], t["tool"]))
        for k in _COUNTERS:
            totals[k] += e["totals"][k]
        out.append(e)
    return {"sessions": out, "totals": totals}
