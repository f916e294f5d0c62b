#!/usr/bin/env python3
"""Durable audit appends per second: one process and several processes sharing one database.

Each case writes realistic `call` records into a fresh database (WAL) and reports records/second:
  full        synchronous=FULL, one transaction (one WAL fsync) per record: on disk when append returns
  normal      synchronous=NORMAL, one transaction per record: survives a killed process, not a power cut
  group       synchronous=FULL through AuditWriter, driven as the proxy drives it: one asyncio loop
              with T calls in flight, each awaiting its record's commit; waiting records share a fsync
  disk        baseline: bare one-row transactions with synchronous=FULL (the disk's fsync rate)
Multi-process cases start their workers together and count from the first start to the last finish.
Afterwards the chain is verified (and the verification rate reported).

    python scripts/bench_audit.py [--records N] [--procs P] [--in-flight T] [--dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mcp_guard.audit import AuditLog, AuditWriter, call_data
from mcp_guard.store import open_store


def _data(i: int) -> dict:
    return call_data(
        tool="send_email",
        upstream="mail",
        arguments={"to": f"user{i}@example.com", "subject": "weekly report", "body": "numbers attached " * 8},
        decision="allow" if i % 5 else "deny",
        guard="intent",
        rule="destination-in-intent",
        reason="recipient is named in the declared intent",
        sensitive_args=["body"],
    )


def _write(db: str, mode: str, n: int, threads: int, tag: str) -> tuple[float, float]:
    """Append n records; returns (start, end) wall times."""
    log = AuditLog(open_store(db), durability="normal" if mode == "normal" else "full")
    start = time.time()
    if mode == "group":
        # As in the proxy: one event loop, `threads` calls in flight, each awaiting its record.
        writer = AuditWriter(log)
        per = n // threads

        async def caller(t: int) -> None:
            for i in range(per):
                await writer.append_async("call", f"{tag}-{t}", _data(i))

        async def run_all() -> None:
            await asyncio.gather(*(caller(t) for t in range(threads)))

        asyncio.run(run_all())
        writer.close()
    else:
        for i in range(n):
            log.append("call", tag, _data(i))
    end = time.time()
    log.close()
    return start, end


def _fresh_db(root: Path, name: str) -> str:
    path = root / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_store(path).close()
    return str(path)


def disk_baseline(root: Path, n: int) -> dict:
    import sqlite3

    conn = sqlite3.connect(_fresh_db(root, "disk"), isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (x TEXT)")
    t = time.perf_counter()
    for _ in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", ("x" * 400,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    return {
        "mode": "disk",
        "processes": 1,
        "in_flight": 1,
        "records": n,
        "seconds": round(elapsed, 3),
        "appends_per_s": round(n / elapsed),
        "verify_per_s": None,
    }


def case(root: Path, mode: str, procs: int, n: int, threads: int) -> dict:
    db = _fresh_db(root, f"{mode}-{procs}")
    if procs == 1:
        start, end = _write(db, mode, n, threads, "p0")
        spans = [(start, end)]
    else:
        go = time.time() + 2.0  # every worker imports first, then all start together
        cmd = [sys.executable, __file__, "--worker", db, mode, str(n), str(threads), f"{go}"]
        workers = [subprocess.Popen([*cmd, f"p{i}"], stdout=subprocess.PIPE, text=True) for i in range(procs)]
        spans = [tuple(json.loads(w.communicate()[0])) for w in workers]
        if any(w.returncode for w in workers):
            raise SystemExit(f"a {mode} worker failed")
    total = n * procs if mode != "group" else (n // threads) * threads * procs
    elapsed = max(e for _, e in spans) - min(s for s, _ in spans)
    log = AuditLog(open_store(db))
    t = time.perf_counter()
    result = log.verify()
    verify_s = time.perf_counter() - t
    if not result.ok or result.count != total:
        raise SystemExit(f"{mode}: chain broken or records lost: {result.summary()}")
    return {
        "mode": mode,
        "processes": procs,
        "in_flight": threads if mode == "group" else 1,
        "records": total,
        "seconds": round(elapsed, 3),
        "appends_per_s": round(total / elapsed),
        "verify_per_s": round(total / verify_s),
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        db, mode, n, threads, go, tag = sys.argv[2:8]
        time.sleep(max(0.0, float(go) - time.time()))
        print(json.dumps(_write(db, mode, int(n), int(threads), tag)))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=5000, help="records per process (default 5000)")
    ap.add_argument("--procs", type=int, default=4, help="processes in the multi-process cases (default 4)")
    ap.add_argument("--in-flight", dest="threads", type=int, default=16, help="calls in flight per process for 'group'")
    ap.add_argument("--dir", help="where to put the databases (default: a temporary folder)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        rows = [disk_baseline(root, min(args.records, 2000))]
        rows += [
            case(root, mode, procs, args.records, args.threads)
            for procs in (1, args.procs)
            for mode in ("full", "normal", "group")
        ]
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "load_avg_1min": load, "cases": rows}, indent=2))
        return 0
    print(f"{'mode':<8}{'procs':>6}{'in flight':>10}{'records':>9}{'seconds':>9}{'appends/s':>11}{'verify/s':>10}")
    for r in rows:
        print(
            f"{r['mode']:<8}{r['processes']:>6}{r['in_flight']:>10}{r['records']:>9}{r['seconds']:>9}"
            f"{r['appends_per_s']:>11}{r['verify_per_s'] or '-':>10}"
        )
    print(f"({os.cpu_count()} CPUs, load average {load:.2f} at the end)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
