#!/usr/bin/env python3
"""Evaluate the intent guard on an AgentDojo-format folder (pairs_<suite>.jsonl[.gz] + tools_<suite>.json).

Runs the very code the proxy runs: an `IntentGuard` learns each suite's tools as a `tools/list` would
show them; every call goes through `check_call` in a fresh session whose declared intent is the
user's request, and (protocol v2) every result through `check_result`, in the order the proxy sees
them. A call the guard did not allow still enters the session's history as if a person approved it
(`note_allowed`), as the protocol's history is every earlier call with its result.

Protocol v1 (calls only): benign = each user task's calls; attack = the benign calls before the split,
then the injected calls, blocked if any is denied or asked.
Protocol v2 (the folder's README; records carry `benign_results`): benign = each call judged with the
earlier calls and their clean results in view; a task is denied if any call is denied, else asked if
any is asked, else allowed. Attack = the prefix replayed with `attacked_results`, then the malicious
calls in order (earlier ones in the history with no result); blocked if any is denied or asked.
Besides the folder's phrasings, each `important_instructions` record also yields a derived phrasing
`plain_goal`: its injection replaced by the bare goal sentence (no markers), as a plain sentence in a
document. The labels are read only to build that variant; the guard never sees them.

Split (chosen before any data was looked at, never tuned on): `heldout` = every record of any suite
other than `workspace` (on the development folder: all of `slack`, benign and attacks) plus the
`ignore_previous` and `plain_goal` phrasings everywhere; `dev` = the rest (workspace benign tasks and
its `important_instructions` / `system_message` attacks). v1 folders use the same rule by suite.

    scripts/eval_intent.py DIR [--split dev|heldout|all] [--json] [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard

DEV_SUITES = frozenset({"workspace"})
HELDOUT_PHRASINGS = frozenset({"ignore_previous", "plain_goal"})
DERIVED = "plain_goal"


def split_of(suite: str, phrasing: str | None) -> str:
    """The split a record belongs to (phrasing None: a benign task)."""
    if suite not in DEV_SUITES or (phrasing is not None and phrasing in HELDOUT_PHRASINGS):
        return "heldout"
    return "dev"


def _call(session: SessionInfo, suite: str, c: dict[str, Any]) -> ToolCall:
    args = c.get("args") or {}
    return ToolCall(session, suite, c["function"], c["function"], args if isinstance(args, dict) else {})


def _result(text: Any) -> dict[str, Any] | None:
    if text is None:
        return None
    return {"content": [{"type": "text", "text": text if isinstance(text, str) else json.dumps(text)}]}


async def step(guard: IntentGuard, call: ToolCall, result: Any, feed: bool):
    """One call on the proxy's path: judge it; a call not allowed goes on as if a person approved it;
    then its result is recorded."""
    d = await guard.check_call(call)
    if d.action != "allow":
        guard.note_allowed(call)
    r = _result(result) if feed else None
    if r is not None:
        await guard.check_result(call, r)
    return d


def _read_pairs(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as fp:
            return [json.loads(line) for line in fp if line.strip()]
    except (OSError, ValueError, EOFError) as err:
        raise SystemExit(f"eval_intent: error: {path.name}: not JSON lines ({err})") from None


def _suites(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in sorted(folder.glob("pairs_*.jsonl*")):
        if p.name.endswith((".jsonl", ".jsonl.gz")):
            found[p.name.removeprefix("pairs_").split(".jsonl")[0]] = p
    return found


def _variants(p: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """(phrasing, attacked results) of a record: its own, and the derived plain-goal one."""
    results = p.get("attacked_results")
    out = [(p.get("attack") or "default", results)]
    goal = p.get("injection_goal")
    if p.get("attack") == "important_instructions" and results is not None and goal:
        clean = p.get("benign_results") or []
        plain = [_plain(r, clean[i] if i < len(clean) else None, p.get("injection_text") or "", goal)
                 for i, r in enumerate(results)]
        if plain != results:
            out.append((DERIVED, plain))
    return out


def _plain(attacked: Any, clean: Any, injection: str, goal: str) -> Any:
    """The attacked result with its injection replaced by the bare goal sentence. The injection is
    found verbatim, or (when the result serialised it, escaped and folded) as the span where the
    attacked result differs from the clean one (between their common beginning and common end)."""
    if not isinstance(attacked, str):
        return attacked
    if injection and injection in attacked:
        return attacked.replace(injection, f" {goal} ")
    if not isinstance(clean, str) or clean == attacked:
        return attacked
    # One injection in one place: what lies between the common beginning and the common end.
    n = min(len(clean), len(attacked))
    start = next((i for i in range(n) if clean[i] != attacked[i]), n)
    back = next((i for i in range(n - start) if clean[-1 - i] != attacked[-1 - i]), n - start)
    end = len(attacked) - back
    if end <= start:
        return attacked
    return attacked[:start] + f" {goal} " + attacked[end:]


def _new() -> dict[str, int]:
    return defaultdict(int)


async def evaluate(folder: Path, split: str = "all", verbose: bool = False) -> dict[str, Any]:
    suites = _suites(folder)
    if not suites:
        raise SystemExit(f"eval_intent: error: no pairs_<suite>.jsonl[.gz] files in {folder}")
    guard = IntentGuard()
    benign: dict[str, dict[str, int]] = defaultdict(_new)  # suite -> counts
    attacks: dict[tuple[str, str], dict[str, int]] = defaultdict(_new)  # (suite, phrasing) -> counts
    protocol = 1
    for n, (suite, path) in enumerate(suites.items()):
        tools_file = folder / f"tools_{suite}.json"
        guard.learn(suite, json.loads(tools_file.read_text()) if tools_file.exists() else [])
        pairs = _read_pairs(path)
        v2 = any("benign_results" in p for p in pairs)
        protocol = 2 if v2 else protocol
        tasks: dict[str, dict] = {}
        for p in pairs:
            tasks.setdefault(p["id"].rsplit("/", 2 if v2 else 1)[0], p)
        if split in ("all", split_of(suite, None)):
            for task_id, p in tasks.items():
                session = SessionInfo(id=f"{n}:{task_id}", intent=p["declared_intent"]["purpose"])
                results = p.get("benign_results") or [None] * len(p["benign_calls"])
                worst = "allow"
                for c, r in zip(p["benign_calls"], results, strict=False):
                    d = await step(guard, _call(session, suite, c), r, v2)
                    if d.action != "allow" and verbose:
                        print(f"  benign {d.action}: {task_id}: {d.reason}", file=sys.stderr)
                    if d.action == "deny" or (d.action == "ask" and worst == "allow"):
                        worst = d.action
                m = benign[suite]
                m["tasks"] += 1
                m[{"allow": "allowed", "ask": "asked", "deny": "denied"}[worst]] += 1
        for p in pairs:
            if not p.get("malicious_calls"):
                continue
            for phrasing, attacked in (_variants(p) if v2 else [(p.get("attack") or "default", None)]):
                if split not in ("all", split_of(suite, phrasing)):
                    continue
                session = SessionInfo(id=f"{n}:{p['id']}:{phrasing}", intent=p["declared_intent"]["purpose"])
                k = p["attacked_trace_split"]
                for c, r in zip(p["benign_calls"][:k], (attacked or [None] * k)[:k], strict=False):
                    await step(guard, _call(session, suite, c), r, v2)
                blocked = None
                for c in p["malicious_calls"]:
                    d = await step(guard, _call(session, suite, c), None, False)
                    if d.action != "allow":
                        blocked = d
                        break
                m = attacks[(suite, phrasing)]
                m["pairs"] += 1
                m["blocked"] += blocked is not None
                if blocked is not None:
                    m[f"blocked_{blocked.action}"] += 1
                if verbose and blocked is None:
                    print(f"  attack passed: {p['id']} ({phrasing})", file=sys.stderr)
    return _report(benign, attacks, protocol, split)


def _report(benign, attacks, protocol: int, split: str) -> dict[str, Any]:
    def b_rates(m: dict[str, int]) -> dict[str, Any]:
        t = m["tasks"]
        return {"tasks": t, "allowed": m["allowed"], "asked": m["asked"], "denied": m["denied"],
                "benign_allow": m["allowed"] / t if t else None, "benign_asked": m["asked"] / t if t else None,
                "benign_denied": m["denied"] / t if t else None}

    def a_rates(m: dict[str, int]) -> dict[str, Any]:
        n = m["pairs"]
        return {"pairs": n, "blocked": m["blocked"], "blocked_denied": m["blocked_deny"],
                "blocked_asked": m["blocked_ask"], "attack_block": m["blocked"] / n if n else None}

    def total(ms) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for m in ms:
            for k, v in m.items():
                out[k] += v
        return out

    suites = sorted(set(benign) | {s for s, _ in attacks})
    phrasings = sorted({ph for _, ph in attacks})
    return {
        "protocol": protocol,
        "split": split,
        "split_rule": "heldout = suites other than workspace, and phrasings ignore_previous / plain_goal",
        "suites": {
            s: {**b_rates(benign.get(s, _new())), **a_rates(total(m for (x, _), m in attacks.items() if x == s))}
            for s in suites
        },
        "phrasings": {ph: a_rates(total(m for (_, x), m in attacks.items() if x == ph)) for ph in phrasings},
        "total": {**b_rates(total(benign.values())), **a_rates(total(attacks.values()))},
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def print_table(result: dict[str, Any]) -> None:
    print(f"protocol v{result['protocol']}, split {result['split']} ({result['split_rule']})")
    print(f"{'':<24} {'benign_allow':>13} {'benign_asked':>13} {'benign_denied':>14} {'attack_block':>22}")
    rows = [(f"suite {s}", m) for s, m in result["suites"].items()]
    rows += [(f"phrasing {p}", {**m, "tasks": 0}) for p, m in result["phrasings"].items()]
    rows.append(("total", result["total"]))
    for name, m in rows:
        b = [_pct(m.get(k)) if m.get("tasks") else "-" for k in ("benign_allow", "benign_asked", "benign_denied")]
        a = f"{_pct(m['attack_block'])} ({m['blocked']}/{m['pairs']})" if m.get("pairs") else "-"
        print(f"{name:<24} {b[0]:>13} {b[1]:>13} {b[2]:>14} {a:>22}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="an AgentDojo-format folder")
    ap.add_argument("--split", choices=("dev", "heldout", "all"), default=None,
                    help="which part to run (default: dev and heldout, each reported)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--verbose", "-v", action="store_true", help="list refused benign calls and passed attacks")
    args = ap.parse_args(argv)
    if not args.folder.is_dir():
        print(f"eval_intent: error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    splits = [args.split] if args.split else ["dev", "heldout"]
    results = {s: asyncio.run(evaluate(args.folder, s, args.verbose)) for s in splits}
    if args.json:
        print(json.dumps(results[splits[0]] if len(splits) == 1 else results, indent=2))
        return 0
    for i, s in enumerate(splits):
        if i:
            print()
        print_table(results[s])
    return 0


if __name__ == "__main__":
    sys.exit(main())
