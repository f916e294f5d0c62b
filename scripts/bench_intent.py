#!/usr/bin/env python3
"""Decision time of the intent guard: p50/p90/p99 per call for a profile of 100 rules.

The profile has 30 allow, 30 deny and 10 ask globs, 25 argument constraints and 5 budgets; calls
cycle over tools that hit each kind of rule, plus calls that fall through to the default engine.
Each call goes through `IntentGuard.decide`, the code the relay runs.

    scripts/bench_intent.py [--calls N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from mcp_guard.config import parse_config
from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard


def profile_100() -> dict:
    rules = {
        "owner": "bench",
        "allow": [f"svc{i}/read_*" for i in range(30)],
        "deny": [f"svc{i}/drop_*" for i in range(30)],
        "ask": [f"svc{i}/pay_*" for i in range(10)],
        "constraints": [{"tool": f"svc{i}/read_*", "arg": "limit", "min": 0, "max": 1000 + i} for i in range(15)]
        + [{"tool": f"svc{i}/read_*", "arg": "folder", "pattern": r"[a-z/]+"} for i in range(10)],
        "budget": {"per_tool": {f"svc{i}/*": 10**9 for i in range(5)}},
    }
    n = sum(len(rules[k]) for k in ("allow", "deny", "ask", "constraints")) + len(rules["budget"]["per_tool"])
    assert n == 100, n
    return rules


def calls(session: SessionInfo) -> list[ToolCall]:
    out = []
    for i in range(30):
        out.append(ToolCall(session, f"svc{i}", "read_items", "x", {"limit": 10, "folder": "inbox/work"}))
        out.append(ToolCall(session, f"svc{i}", "drop_items", "x", {}))
    for i in range(10):
        out.append(ToolCall(session, f"svc{i}", "pay_invoice", "x", {"amount": 3}))
    return out


def engine_calls(session: SessionInfo) -> list[ToolCall]:
    return [
        ToolCall(session, "mail", "send_email", "x", {"to": ["kai@corp.example"], "body": "notes for www.a.example"}),
        ToolCall(session, "mail", "search_emails", "x", {"query": "invoice"}),
        ToolCall(session, "files", "delete_file", "x", {"file_id": "3"}),
    ]


def measure(guard: IntentGuard, batch: list[ToolCall], n: int) -> list[float]:
    times = []
    decide = guard.decide
    for k in range(n):
        c = batch[k % len(batch)]
        t0 = time.perf_counter_ns()
        decide(c)
        times.append((time.perf_counter_ns() - t0) / 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    q = statistics.quantiles(times, n=100)
    return {"p50_us": round(statistics.median(times), 2), "p90_us": round(q[89], 2), "p99_us": round(q[98], 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=50_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.calls < 100:
        print("bench_intent: error: --calls must be at least 100", file=sys.stderr)
        return 2
    config = parse_config({"profiles": {"p": profile_100()}})
    guard = IntentGuard(config)
    session = SessionInfo(id="bench", intent="Send the meeting notes to kai@corp.example", profile="p")
    batch = calls(session)
    measure(guard, batch, 2000)  # warm the per-name rule cache
    result = {"rules": 100, "calls": args.calls, "profile": summary(measure(guard, batch, args.calls))}
    plain = IntentGuard()
    s2 = SessionInfo(id="bench2", intent="Send the meeting notes to kai@corp.example")
    result["default_engine"] = summary(measure(plain, engine_calls(s2), args.calls))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        p, e = result["profile"], result["default_engine"]
        print(f"profile of 100 rules: p50 {p['p50_us']} µs  p90 {p['p90_us']} µs  p99 {p['p99_us']} µs")
        print("  (target p50 ≤ 50 µs)")
        print(f"default engine:       p50 {e['p50_us']} µs  p90 {e['p90_us']} µs  p99 {e['p99_us']} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
