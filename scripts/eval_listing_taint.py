#!/usr/bin/env python3
"""What judging listings for taint (`IntentGuard.judge_listing`) does to honest sessions, and what it costs.

For each real server captured in fixtures/scan_corpus/servers (its tools/list and instructions, as served),
one session lists it under `trust = "tofu"`: does the listing taint the
session (then destinations from data are asked in it)?
Printed per split of the corpus (the held-out servers were never read while writing this), with the
flagged excerpts under --show. Speed: the first judgement of each listing (a scanner pass in a worker
thread) and a listing seen before (its digest only), per request, over the same servers.

    scripts/eval_listing_taint.py [--show] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import anyio

from mcp_guard.config import parse_config
from mcp_guard.guards.base import SessionInfo
from mcp_guard.guards.intent import IntentGuard

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "scan_corpus" / "servers"


async def _measure(show: bool) -> dict:
    # Every server under `tofu`: what no person approved is judged (under review/pinned nothing is).
    guard = IntentGuard(parse_config({"upstreams": {"server": {"command": "server", "trust": "tofu"}}}))
    tainted: Counter[str] = Counter()
    total: Counter[str] = Counter()
    first: list[float] = []
    again: list[float] = []
    flagged = []
    for i, path in enumerate(sorted(CORPUS.glob("*.json"))):
        data = json.loads(path.read_text())
        split = data.get("split") or "dev/heldout"
        up = SimpleNamespace(name="server")
        tools = data.get("tools") or []
        init = {k: v for k, v in (("instructions", data.get("instructions")),
                                  ("serverInfo", data.get("serverInfo"))) if v}
        s = SessionInfo(id=f"s{i}", intent="Summarise my inbox and send the summary to my manager")
        t0 = time.perf_counter()
        await guard.filter_initialize(s, up, init)
        await guard.filter_list(s, up, "tools", tools)
        first.append(time.perf_counter() - t0)
        s2 = SessionInfo(id=f"again{i}", intent="x")
        guard.state(s2)
        t0 = time.perf_counter()
        await guard.filter_list(s2, up, "tools", tools)
        again.append(time.perf_counter() - t0)
        total[split] += 1
        record = guard.state(s).record
        if record.entries:
            tainted[split] += 1
            e = record.entries[0]
            flagged.append((path.stem, e.tool, [e.text[max(0, a - 50):b + 50].replace("\n", " ")
                                                for a, b in (e.spans or [])[:2]]))
    if show:
        for name, where, excerpts in flagged:
            print(f"{name} ({where})")
            for x in excerpts:
                print(f"    …{x}…")
    return {
        "servers": sum(total.values()),
        "tainted": sum(tainted.values()),
        "by_split": {k: {"servers": total[k], "tainted": tainted[k]} for k in sorted(total)},
        "first_judgement_ms_p50": round(statistics.median(first) * 1e3, 2),
        "seen_listing_us_p50": round(statistics.median(again) * 1e6, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="print the flagged excerpts")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    out = anyio.run(_measure, args.show)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"real servers whose listing taints a tofu session: {out['tainted']} of {out['servers']} "
          f"({100 * out['tainted'] / out['servers']:.1f}%)")
    for split, n in out["by_split"].items():
        print(f"  {split}: {n['tainted']} of {n['servers']}")
    print(f"first judgement of a server's listing (p50): {out['first_judgement_ms_p50']} ms; "
          f"a listing seen before, per request (p50): {out['seen_listing_us_p50']} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
