#!/usr/bin/env python3
"""Time to verify an artifact: p50 / p90 over N runs, cold (a fresh process: imports, trust root)
and warm (in-process, trust root loaded), for a sigstore-bundled wheel and a PEP 740 sdist. The cold
figure also shows how much of it is importing mcp_guard.provenance (sigstore, cryptography, pydantic).

Usage: scripts/bench_provenance.py [-n 20] [--json]. Reads the signed fixtures from ../shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MCP_GUARD_SHARED", REPO.parent / "shared")) / "fixtures" / "supply-chain"
GITHUB = "https://token.actions.githubusercontent.com"

CASES = {
    "wheel+sigstore-bundle": (
        "sigstore-python-assets/bundle_v3_github.whl",
        "sigstore-python-assets/bundle_v3_github.whl.sigstore",
        {"issuer": GITHUB, "repository": "trailofbits/rfc8785.py", "workflow": "release.yml"},
    ),
    "sdist+pep740": (
        "pypi-attestations-assets/pypi_attestations-0.0.19.tar.gz",
        "pypi-attestations-assets/pypi_attestations-0.0.19.tar.gz.provenance",
        {"issuer": GITHUB, "repository": "trailofbits/pypi-attestations", "workflow": "release.yml"},
    ),
}

# Run in a fresh interpreter: everything a launch pays for the first verification.
_COLD = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from mcp_guard.provenance import IdentityPolicy, check
t1 = time.perf_counter()
artifact, evidence, policy = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
r = check(Path(artifact).read_bytes(), artifact=artifact, evidence=Path(evidence), identity=IdentityPolicy(**policy))
assert r.outcome == "verified", r.detail
print(time.perf_counter() - t0, t1 - t0)
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench(name: str, n: int) -> dict:
    from mcp_guard.provenance import IdentityPolicy, check

    artifact, evidence, policy = CASES[name]
    a, e = SHARED / artifact, SHARED / evidence
    cold, imports = [], []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", _COLD, str(a), str(e), json.dumps(policy)], capture_output=True)
        if out.returncode != 0:
            raise SystemExit(f"{name}: cold run failed: {out.stderr.decode().strip().splitlines()[-1]}")
        total, imported = map(float, out.stdout.split())
        cold.append(total)
        imports.append(imported)
    identity = IdentityPolicy(**policy)
    check(a.read_bytes(), artifact=a.name, evidence=e, identity=identity)  # load the trust root once
    warm = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = check(a.read_bytes(), artifact=a.name, evidence=e, identity=identity)
        warm.append(time.perf_counter() - t0)
        assert r.outcome == "verified", r.detail
    ms = lambda v: round(v * 1000, 2)  # noqa: E731
    return {
        "case": name,
        "runs": n,
        "cold_p50_ms": ms(statistics.median(cold)),
        "cold_p90_ms": ms(pct(cold, 0.9)),
        "cold_imports_p50_ms": ms(statistics.median(imports)),
        "warm_p50_ms": ms(statistics.median(warm)),
        "warm_p90_ms": ms(pct(warm, 0.9)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"bench_provenance: signed fixtures not found in {SHARED}", file=sys.stderr)
        return 2
    rows = [bench(name, args.runs) for name in CASES]
    if args.json:
        print(json.dumps({"benchmark": "provenance-verify", "results": rows}, indent=2))
    else:
        head = ("case", "runs", "cold p50", "imports p50", "cold p90", "warm p50", "warm p90")
        print(f"{head[0]:24} {head[1]:>5} " + " ".join(f"{h:>13}" for h in head[2:]))
        for r in rows:
            keys = ("cold_p50_ms", "cold_imports_p50_ms", "cold_p90_ms", "warm_p50_ms", "warm_p90_ms")
            print(f"{r['case']:24} {r['runs']:>5} " + " ".join(f"{r[k]:>11.1f}ms" for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
