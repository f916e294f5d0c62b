#!/usr/bin/env python3
"""Time `mcp-guard wrap` and `unwrap` on a large, real-shaped `~/.claude.json` (the file Claude Code
keeps growing: one entry per project, with its history), as a fresh `mcp-guard` process would.

Each run gets a fresh temporary HOME with the file, wraps it (`--no-review`: no server is started),
then unwraps it, and checks the file came back byte for byte. Prints p50 / max per step.

Usage: scripts/bench_wrap.py [-n 5] [--projects 300] [--servers 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def claude_json(projects: int, servers: int) -> str:
    def server(i: int) -> dict:
        return {"type": "stdio", "command": "npx", "args": ["-y", f"@example/server-{i}"], "env": {}}

    data = {
        "numStartups": 42,
        "mcpServers": {f"user-{i}": server(i) for i in range(servers)},
        "projects": {
            f"/home/me/src/project-{p}": {
                "allowedTools": [],
                "history": [{"display": "refactor the parser " * 10, "pastedContents": {}} for _ in range(40)],
                "mcpServers": {f"local-{i}": server(i) for i in range(2)} if p == 0 else {},
                "hasTrustDialogAccepted": True,
            }
            for p in range(projects)
        },
    }
    return json.dumps(data, indent=2)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(text: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / ".claude.json").write_text(text)
        env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=f"{tmp}/.config", XDG_STATE_HOME=f"{tmp}/.state")
        env.pop("MCP_GUARD_CONFIG", None)
        project = "/home/me/src/project-0"
        times = {}
        for step in ("wrap", "unwrap"):
            argv = [sys.executable, "-m", "mcp_guard", step, "--client", "claude-code", "--project", project]
            if step == "wrap":
                argv.append("--no-review")
            c0, t0 = _child_cpu(), time.perf_counter()
            subprocess.run(argv, env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL)
            times[step] = time.perf_counter() - t0
            times[f"{step}_cpu"] = _child_cpu() - c0
        if (home / ".claude.json").read_text() != text:
            sys.exit("unwrap did not restore the file byte for byte")
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    text = claude_json(args.projects, args.servers)
    runs = [run_once(text) for _ in range(args.n)]
    result = {
        "file_bytes": len(text.encode()),
        "entries_wrapped": args.servers + 2,
        "runs": args.n,
        **{
            f"{step}_s": {
                "p50": statistics.median(r[step] for r in runs),
                "max": max(r[step] for r in runs),
                "cpu_p50": statistics.median(r[f"{step}_cpu"] for r in runs),
            }
            for step in ("wrap", "unwrap")
        },
        "round_trip_byte_identical": True,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"~/.claude.json: {result['file_bytes'] / 1e6:.2f} MB, {result['entries_wrapped']} entries, {args.n} runs")
    for step in ("wrap", "unwrap"):
        s = result[f"{step}_s"]
        print(
            f"  mcp-guard {step:<6} p50 {s['p50']:.3f} s   max {s['max']:.3f} s   "
            f"CPU p50 {s['cpu_p50']:.3f} s   (whole process)"
        )
    print("  wrap -> unwrap: byte-identical")


if __name__ == "__main__":
    main()
