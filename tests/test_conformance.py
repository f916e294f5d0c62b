"""The official MCP conformance suite against mcp-guard, through `scripts/conformance`.

One run of the script (about a minute and a half) feeds every assertion: the suite's server scenarios
against `mcp-guard serve` fronting the project's fixture server and server-everything, each next to the
same server reached directly, and the suite's client scenarios through `mcp-guard run`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support import NODE_MODULES, PYTHON, REPO, node

# The whole script runs once for the module; on a loaded 2-core machine that can take several minutes.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SUITE = NODE_MODULES / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
EVERYTHING = NODE_MODULES / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"


@pytest.fixture(scope="module")
def report() -> dict:
    node()  # skips without Node >= 22
    for path in (SUITE, EVERYTHING):
        if not path.exists():
            pytest.skip(f"{path.parent.parent.name} not installed: run scripts/install-test-deps")
    proc = subprocess.run(
        [PYTHON, str(REPO / "scripts" / "conformance"), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.stdout, f"scripts/conformance printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}"
    result = json.loads(proc.stdout)
    result["exit"] = proc.returncode
    return result


def run(report: dict, name: str) -> dict:
    r = report["runs"][name]
    assert "error" not in r, f"{name} did not complete: {r['error']}"
    return r


def test_fixture_server_passes_every_check_directly(report):
    direct = run(report, "fixture-direct")
    assert direct["failed"] == 0, direct["failed_checks"]
    assert direct["scenarios"] >= 32 and direct["passed"] >= 44


def test_fixture_through_mcp_guard_serve_has_no_failures(report):
    direct, proxied = run(report, "fixture-direct"), run(report, "fixture-proxy")
    assert proxied["failed"] == 0, proxied["failed_checks"]
    assert proxied["passed"] == direct["passed"]


def test_server_everything_through_proxy_matches_direct_except_dns_rebinding(report):
    direct = run(report, "everything-direct")
    run(report, "everything-proxy")
    # The baseline really does fail the DNS check, so passing it through the proxy means something.
    assert "dns-rebinding-protection: localhost-host-rebinding-rejected" in direct["failed_checks"]
    target = report["targets"]["everything-proxy: same results as direct, DNS rebinding passed"]
    assert target["dns_rebinding_passed"]
    assert target["differences"] == []


def test_client_scenarios_through_mcp_guard_run(report):
    direct, proxied = run(report, "client-direct"), run(report, "client-proxy")
    assert direct["failed"] == 0, direct["failed_checks"]
    assert proxied["failed"] == 0, proxied["failed_checks"]
    assert proxied["scenarios"] == direct["scenarios"] == 4
    assert proxied["passed"] == direct["passed"]


def test_script_exit_status_reflects_targets(report):
    assert report["ok"] is True
    assert report["exit"] == 0


# --- the 2026-07-28 revision: the suite's 0.2 alpha (npm alias conformance-next) -----------------------

SUITE_NEXT = NODE_MODULES / "@modelcontextprotocol" / "conformance-next" / "dist" / "index.js"


@pytest.fixture(scope="module")
def report_next() -> dict:
    import os

    node()
    suite = Path(os.environ.get("MCP_GUARD_CONFORMANCE_NEXT") or SUITE_NEXT)
    if not suite.exists() or not EVERYTHING.exists():
        pytest.skip("the conformance suite for 2026-07-28 is not installed: run scripts/install-test-deps")
    proc = subprocess.run([PYTHON, str(REPO / "scripts" / "conformance"), "--json", "--spec-version", "2026-07-28"],
                          capture_output=True, text=True, timeout=900)
    assert proc.stdout, f"scripts/conformance printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


def test_2026_fixture_server_has_no_failures_directly_or_through_mcp_guard(report_next):
    direct, proxied = run(report_next, "fixture-direct"), run(report_next, "fixture-proxy")
    assert direct["failed"] == 0, direct["failed_checks"]
    assert proxied["failed"] == 0, proxied["failed_checks"]
    # The revision's own scenarios ran (input_required rounds, Mcp-Param headers, stateless), not only the old ones.
    assert direct["scenarios"] >= 40 and proxied["scenarios"] == direct["scenarios"]
    assert proxied["passed"] >= direct["passed"]


def test_2026_server_everything_through_mcp_guard_is_the_same_as_direct_or_better(report_next):
    for name in ("fixture-proxy", "everything-proxy"):
        target = report_next["targets"][f"{name}: every check passed directly passes"]
        assert target["ok"], target["differences"]
    # server-everything speaks only the handshake: it fails the revision directly, mcp-guard translates
    assert run(report_next, "everything-proxy")["passed"] > run(report_next, "everything-direct")["passed"]


def test_2026_client_scenarios_through_mcp_guard_run(report_next):
    direct, proxied = run(report_next, "client-direct"), run(report_next, "client-proxy")
    assert direct["failed"] == 0 and proxied["failed"] == 0, proxied["failed_checks"]
    assert proxied["passed"] >= direct["passed"]
