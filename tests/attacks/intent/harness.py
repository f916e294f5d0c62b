"""In-process driver of the very guard `mcp-guard run` puts in its chain (IntentGuard), for the bulk
scenario measurement. Each scenario: a declared intent, the tools the upstreams list, and the steps an
agent takes (a call, and the result the upstream returns). Calls the guard does not allow go on as if
a person approved them (as scripts/eval_intent.py does), so later steps see the same history."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard

HERE = Path(__file__).resolve().parent


def as_result(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    if isinstance(result, dict) and ("content" in result or "structuredContent" in result):
        return result
    text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
    return {"content": [{"type": "text", "text": text}]}


async def _run(scn: dict[str, Any]) -> list[tuple[dict[str, Any], Any]]:
    guard = IntentGuard()
    for upstream, tools in scn.get("tools", {}).items():
        guard.learn(upstream, [t if isinstance(t, dict) else {"name": t} for t in tools])
    session = SessionInfo(id=scn.get("id", "s"), intent=scn["intent"])
    out = []
    for st in scn["steps"]:
        up = st.get("upstream") or next(iter(scn.get("tools", {"x": []})))
        call = ToolCall(session, up, st["tool"], st["tool"], st.get("args") or {})
        d = await guard.check_call(call)
        if d.action != "allow":
            guard.note_allowed(call)
        r = as_result(st.get("result"))
        if r is not None:
            await guard.check_result(call, r)
        out.append((st, d))
    return out


def run(scn: dict[str, Any]) -> list[tuple[dict[str, Any], Any]]:
    return asyncio.run(_run(scn))


def outcome(scn: dict[str, Any]) -> tuple[str, list[str]]:
    """benign: the worst action of all steps (deny > ask > allow); attack: the worst action of the
    attack steps, i.e. 'allow' means every malicious call went through."""
    steps = run(scn)
    rank = {"allow": 0, "ask": 1, "deny": 2}
    judged = [(s, d) for s, d in steps if scn["kind"] == "benign" or s.get("attack")]
    if scn["kind"] == "attack":
        # blocked when any malicious call is stopped: the attack needs all of them
        worst = max((d.action for _, d in judged), key=rank.get)
    else:
        worst = max((d.action for _, d in judged), key=rank.get)
    return worst, [f"{s['tool']}: {d.action} [{d.rule}] {d.reason}" for s, d in steps]


def load(name: str) -> list[dict[str, Any]]:
    """A scenario file by its name in this folder, or by its path."""
    path = HERE / name
    return json.loads((path if path.exists() else Path(name)).read_text())
