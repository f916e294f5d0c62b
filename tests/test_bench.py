"""scripts/bench: it runs, reports every metric for every target it could start, and fails cleanly.

No figure is asserted: speed on a shared machine is measured by the script, never by a test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import REPO

BENCH = REPO / "scripts" / "bench"
METRICS = {
    "call_p50_ms",
    "call_p99_ms",
    "throughput_per_s",
    "list_p50_ms",
    "blob_64k_p50_ms",
    "blob_1m_p50_ms",
    "cold_start_ms",
    "cold_start_cpu_ms",
    "cpu_ms_per_call",
    "proxy_cpu_ms_per_call",
    "rss_tree_mib",
    "rss_proxy_mib",
    "peak_rss_proxy_mib",
}
# nothing to measure when there is no proxy
PROXY_ONLY = {"rss_proxy_mib", "peak_rss_proxy_mib", "proxy_cpu_ms_per_call"}


def bench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


@pytest.mark.slow
@pytest.mark.timeout(900)  # the first run also creates fastmcp's virtual environment
def test_quick_json_has_every_metric_for_each_available_target():
    done = bench("--quick", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    targets = report["targets"]
    assert set(targets) == {"direct", "mcp-guard", "fastmcp"}
    assert targets["direct"]["available"]
    for name, target in targets.items():
        if not target["available"]:
            assert target["skipped"], f"{name} unavailable without a reason"
            assert name not in report["ratios"]
            continue
        metrics = target["metrics"]
        assert set(metrics) == METRICS, name
        for key, value in metrics.items():
            if name == "direct" and key in PROXY_ONLY:
                assert value is None
            else:
                assert isinstance(value, float), (name, key, value)
                # CPU is counted in clock ticks: a lean proxy may not use one in a quick run
                assert value >= 0 if "cpu" in key else value > 0, (name, key, value)
        if name != "direct":
            ratios = report["ratios"][name]
            assert {"call_p50_ms", "call_p50_paired", "throughput_per_s", "cold_start_added_ms"} <= set(ratios)
            assert ratios["call_p50_ms"] == pytest.approx(
                metrics["call_p50_ms"] / targets["direct"]["metrics"]["call_p50_ms"]
            )
    if targets["mcp-guard"]["available"]:
        assert set(report["goals"]) == {
            "call_p50 <= 1.2x direct",
            "throughput >= 0.9x direct",
            "1 MiB result <= 1.5x direct",
            "cold start adds <= 200 ms",
        }


def test_a_target_that_cannot_start_is_skipped_with_its_reason():
    done = bench(
        "--json",
        "--targets",
        "direct,mcp-guard",
        "--mcp-guard-args=--no-such-option",
        "--rounds",
        "1",
        "--block",
        "2",
        "--cold-starts",
        "1",
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    guard = report["targets"]["mcp-guard"]
    assert not guard["available"]
    assert "--no-such-option" in guard["skipped"]
    assert report["targets"]["direct"]["available"]
    assert report["ratios"] == {} and report["goals"] is None


def test_a_baseline_tree_runs_beside_this_one(tmp_path):
    """--baseline: the other tree's mcp-guard is what the base: target runs (here a copy of this one's
    package that only says which it is, and stops)."""
    import shutil

    shutil.copytree(REPO / "mcp_guard", tmp_path / "mcp_guard", ignore=shutil.ignore_patterns("__pycache__"))
    main = tmp_path / "mcp_guard" / "__main__.py"
    main.write_text("raise SystemExit('the baseline tree')\n")
    done = bench("--json", "--targets", "direct,mcp-guard", "--baseline", str(tmp_path),
                 "--rounds", "1", "--block", "2", "--cold-starts", "1", timeout=300)
    assert done.returncode == 0, done.stderr
    targets = json.loads(done.stdout)["targets"]
    assert set(targets) == {"direct", "mcp-guard", "base:mcp-guard"}
    assert "the baseline tree" in targets["base:mcp-guard"]["skipped"]
    assert targets["mcp-guard"]["available"]
    # its bytecode was written first, as installing it would: no cold start compiles the package
    # (the baseline stops at its __main__: only the bench can have compiled a module it never imports)
    assert list((tmp_path / "mcp_guard" / "proxy" / "__pycache__").glob("runner.*.pyc"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--targets", "direct,nginx"], "unknown target(s) nginx"),
        (["--targets", "fastmcp"], "must include direct"),
        (["--rounds", "0"], "must be at least 1"),
        (["--mcp-guard-config", "no-such-file.toml"], "--mcp-guard-config: cannot read it"),
        (["--baseline", "no-such-tree"], "--baseline: no-such-tree holds no mcp_guard package"),
    ],
)
def test_bad_options_get_one_line_and_a_non_zero_exit(args, message):
    done = bench(*args, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_call_path_script_reports_every_hop_of_a_call(tmp_path):
    """scripts/bench_call_path: every hop of the call's path is timed in the proxy, and a tree without
    the package is refused in one line."""
    script = REPO / "scripts" / "bench_call_path"
    # (CPU is read in the kernel's 10 ms ticks: enough calls that the proxy's share is a few ticks)
    run = subprocess.run([sys.executable, str(script), "--calls", "400", "--config", "relay", "--json"],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert len(report["hops_us"]) == 4 and all(v > 0 for v in report["hops_us"].values())
    assert report["proxy_cpu_ms_per_call"] > 0
    bad = subprocess.run([sys.executable, str(script), "--tree", str(tmp_path)], capture_output=True, text=True,
                         timeout=60, cwd=REPO)
    assert bad.returncode == 2 and "mcp_guard package" in bad.stderr and "Traceback" not in bad.stderr
