#!/usr/bin/env python3
"""What scrubbing secrets from an upstream's messages costs (`credentials.scrub_message`, run on every
message a server sends once a session holds a secret), beside parsing the same bytes with orjson.

Messages: a tool result of SIZE bytes (one text block and a structured list of rows). Cases:
  none          no secret read (a session without secrets: the check returns at once)
  clean-raw     one secret read, the message without it, its bytes at hand (the stdio path)
  clean-walk    the same without the bytes (every string is searched)
  holds         the message holds the secret once (walked and rewritten)
CPU time per message (process time, so other load on the machine does not count), minimum of --repeat runs.

    python scripts/bench_scrub.py [--repeat R] [--json]
"""

from __future__ import annotations

import argparse
import json
import time

import orjson

from mcp_guard.intent import credentials

SECRET = "sk-live/Q7vX+2mN9=pLr4Tz8"


def message(size: int, holds: bool = False) -> dict:
    rows = [{"id": i, "name": f"row {i}", "note": "x" * 20} for i in range(size // 400)]
    text = ("lorem ipsum dolor sit amet " * (size // 54)) + (f" key={SECRET}" if holds else "")
    return {"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": text}],
                                                   "structuredContent": {"rows": rows}}}


def per_message(fn, n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - start) / n)
    return best * 1e6


def measure(size: int, repeat: int) -> dict:
    n = max(10, 2_000_000 // size)
    clean, holding = message(size), message(size, holds=True)
    raw, raw_holding = orjson.dumps(clean), orjson.dumps(holding)
    row = {"size": len(raw), "parse_us": per_message(lambda: orjson.loads(raw), n, repeat)}
    credentials._READ.clear()  # no secret read yet
    row["none_us"] = per_message(lambda: credentials.scrub_message(clean, raw), n, repeat)
    credentials._remember("VAULT_KEY", SECRET)
    row["clean_raw_us"] = per_message(lambda: credentials.scrub_message(clean, raw), n, repeat)
    row["clean_walk_us"] = per_message(lambda: credentials.scrub_message(clean, None), n, repeat)
    row["holds_us"] = per_message(lambda: credentials.scrub_message(holding, raw_holding), n, repeat)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = [measure(size, args.repeat) for size in (1_000, 16_000, 256_000)]
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{'bytes':>8} {'parse':>9} {'none':>9} {'clean-raw':>10} {'clean-walk':>11} {'holds':>10}"
          "  (µs CPU / message)")
    for r in out:
        print(f"{r['size']:>8} {r['parse_us']:>9.1f} {r['none_us']:>9.2f} {r['clean_raw_us']:>10.1f} "
              f"{r['clean_walk_us']:>11.1f} {r['holds_us']:>10.1f}")


if __name__ == "__main__":
    main()
