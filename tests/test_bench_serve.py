"""scripts/bench_serve on a short budget: every figure for both modes, and sharing visible in the process count.

No figure is asserted: speed on a shared machine is measured by the script, never by a test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import REPO

BENCH = REPO / "scripts" / "bench_serve"
FIGURES = {"first_session_s", "ready_p50_s", "ready_max_s", "tree_rss_mib", "processes", "call_p50_ms",
           "call_p99_ms", "calls", "cpu_s"}


def bench(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO)


@pytest.mark.slow  # a real run of both modes: a benchmark, left out of the fast tests as the README says
def test_a_short_run_reports_every_figure_shared_and_per_session():
    done = bench("--sessions", "1,3", "--calls", "2", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for mode in ("all", "per-session"):
        for n in ("1", "3"):
            row = report["modes"][mode][n]
            assert set(row) == FIGURES, (mode, n, row)
            assert row["calls"] == int(n) * 2 and row["tree_rss_mib"] > 0
    # One upstream process for every session when shared; one per session otherwise.
    assert report["modes"]["all"]["3"]["processes"] == 2
    assert report["modes"]["per-session"]["3"]["processes"] >= 4


def test_per_session_runs_past_the_cap_are_skipped_with_a_reason_and_bad_input_is_one_line():
    done = bench("--sessions", "5", "--modes", "per-session", "--max-per-session", "2", "--json")
    assert done.returncode == 0, done.stderr
    assert "over --max-per-session 2" in json.loads(done.stdout)["modes"]["per-session"]["5"]["skipped"]
    bad = bench("--sessions", "x")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--sessions" in bad.stderr
