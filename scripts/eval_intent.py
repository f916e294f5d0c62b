#!/usr/bin/env python3
"""Evaluate the intent guard on an AgentDojo-format folder (pairs_<suite>.jsonl + tools_<suite>.json).

Runs the very code the proxy runs: an `IntentGuard` learns each suite's tools as a `tools/list`
would show them, and every call goes through `check_call` in a fresh session whose declared intent
is the user's request. Protocol (the folder's README): benign = each user task's calls replayed once,
allowed only if every call is allowed without asking; attack = for each pair, the benign calls before
the split, then the injected calls, blocked if any of them is denied or asked. Labels
(`injection_goal`, `injection_text`) are never read.

    scripts/eval_intent.py DIR [--json] [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard


async def replay(guard: IntentGuard, suite: str, sid: str, intent: str, calls: list[dict], before: list[dict]):
    """Run `before` (the session's history) then `calls`; return the first non-allow decision of `calls`
    (with its index), plus how many calls of `calls` were asked."""
    session = SessionInfo(id=sid, intent=intent)
    for c in before:
        await guard.check_call(_call(session, suite, c))
    asked = 0
    for i, c in enumerate(calls):
        d = await guard.check_call(_call(session, suite, c))
        if d.action != "allow":
            asked += d.action == "ask"
            return i, d, asked
    return None, None, asked


def _call(session: SessionInfo, suite: str, c: dict[str, Any]) -> ToolCall:
    args = c.get("args") or {}
    return ToolCall(session, suite, c["function"], c["function"], args)


async def evaluate(folder: Path, verbose: bool = False) -> dict[str, Any]:
    suites = sorted(p.name.removeprefix("pairs_").removesuffix(".jsonl") for p in folder.glob("pairs_*.jsonl"))
    if not suites:
        raise SystemExit(f"eval_intent: error: no pairs_<suite>.jsonl files in {folder}")
    guard = IntentGuard()
    out: dict[str, Any] = {"suites": {}}
    for suite in suites:
        tools_file = folder / f"tools_{suite}.json"
        guard.learn(suite, json.loads(tools_file.read_text()) if tools_file.exists() else [])
        pairs = [json.loads(line) for line in (folder / f"pairs_{suite}.jsonl").read_text().splitlines() if line]
        tasks: dict[str, dict] = {}
        for p in pairs:
            tasks.setdefault(p["id"].rsplit("/", 1)[0], p)
        m = {
            "user_tasks": len(tasks),
            "benign_allowed": 0,
            "benign_calls": 0,
            "false_positive_calls": 0,
            "asked_calls": 0,
            "pairs": len(pairs),
            "attacks_blocked": 0,
        }
        for task_id, p in tasks.items():
            calls = p["benign_calls"]
            # Every call of the task is judged in order (also after a refusal) for the call-level rate.
            session = SessionInfo(id=task_id, intent=p["declared_intent"]["purpose"])
            ok = True
            for c in calls:
                d = await guard.check_call(_call(session, suite, c))
                m["benign_calls"] += 1
                if d.action != "allow":
                    ok = False
                    m["false_positive_calls"] += 1
                    m["asked_calls"] += d.action == "ask"
                    if verbose:
                        print(f"  benign {d.action}: {task_id}: {d.rule}: {d.reason}", file=sys.stderr)
            m["benign_allowed"] += ok
        for p in pairs:
            split = p["attacked_trace_split"]
            idx, d, _ = await replay(
                guard, suite, p["id"], p["declared_intent"]["purpose"], p["malicious_calls"], p["benign_calls"][:split]
            )
            m["attacks_blocked"] += idx is not None
            if verbose and idx is None:
                print(f"  attack passed: {p['id']}", file=sys.stderr)
        out["suites"][suite] = _rates(m)
    total = {
        k: sum(s[k] for s in out["suites"].values())
        for k in (
            "user_tasks",
            "benign_allowed",
            "benign_calls",
            "false_positive_calls",
            "asked_calls",
            "pairs",
            "attacks_blocked",
        )
    }
    out["total"] = _rates(total)
    return out


def _rates(m: dict[str, Any]) -> dict[str, Any]:
    m["benign_allow"] = m["benign_allowed"] / m["user_tasks"] if m["user_tasks"] else 0.0
    m["call_fp_rate"] = m["false_positive_calls"] / m["benign_calls"] if m["benign_calls"] else 0.0
    m["attack_block"] = m["attacks_blocked"] / m["pairs"] if m["pairs"] else 0.0
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="an AgentDojo-format folder")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--verbose", "-v", action="store_true", help="list refused benign calls and passed attacks")
    args = ap.parse_args(argv)
    if not args.folder.is_dir():
        print(f"eval_intent: error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    result = asyncio.run(evaluate(args.folder, args.verbose))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'suite':<11} {'benign_allow':>20} {'call_fp_rate':>16} {'asked_calls':>11} {'attack_block':>20}")
    for name, m in [*result["suites"].items(), ("total", result["total"])]:
        benign = f"{m['benign_allow']:.1%} ({m['benign_allowed']}/{m['user_tasks']})"
        fp = f"{m['call_fp_rate']:.1%} ({m['false_positive_calls']}/{m['benign_calls']})"
        attack = f"{m['attack_block']:.1%} ({m['attacks_blocked']}/{m['pairs']})"
        print(f"{name:<11} {benign:>20} {fp:>16} {m['asked_calls']:>11} {attack:>20}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
