"""`mcp-guard demo` end to end: a real client, the proxy, the bundled mailbox server, the CLI."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

STEPS = ("1 first connection", "2 review and AI-BOM", "3 declared intent", "4 rug pull", "5 audit trail")


def run_demo(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcp_guard", "demo", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow  # about 20-35 s: five CLI processes each import the CycloneDX validator (about 2 s apiece)
def test_demo_runs_every_step_as_expected(home, tmp_path):
    kept = tmp_path / "kept"
    done = run_demo("--keep", str(kept))
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for step in STEPS:
        assert re.search(rf"│ {re.escape(step)}\s+│.*│ ok │", out), f"{step} not ok in:\n{out}"
    assert "every step behaved as expected" in out
    # The proxy's own words reached the client (shown in panels, so ignore borders and line breaks).
    words = re.sub(r"[\s│]+", " ", out)
    assert "awaits review" in words
    assert ("injected: send_email to='attacker@evil.example' is found only inside text that reads as "
            "instructions to the model, in the result of") in words
    assert "mcp-guard approvals approve ap-" in words
    # The held call of the demo's ended session is shown as ended, not left looking open to approval.
    assert re.search(r"ap-[0-9a-f]+ ended .* mail/delete_email", words), words
    assert "<untrusted-data" in words
    # It ran in its own folder, never in the user's HOME.
    assert (kept / "guard.db").is_file() and (kept / "aibom.cdx.json").is_file()
    assert (kept / "mailbox" / "outbox.jsonl").read_text().count("\n") == 1
    assert not (home / ".local" / "state" / "mcp-guard").exists()


def test_demo_refuses_a_folder_in_use(home, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    done = run_demo("--keep", str(tmp_path / "busy"), timeout=60)
    assert done.returncode == 2
    busy = tmp_path / "busy"
    assert done.stderr.strip().splitlines() == [f"mcp-guard: error: --keep {busy}: give a new or empty folder"]
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_a_step_that_misbehaves_makes_the_demo_fail(tmp_path, capsys):
    from mcp_guard.demo import Demo

    demo = Demo(tmp_path, keep=False)
    assert demo.summary(0.1) == 1  # nothing ran: not a success
    demo.record("1 first connection", "tools hidden", [(True, "tools/list not empty")])
    assert demo.summary(0.1) == 0
    demo.record("3 declared intent", "attacker denied", [(True, "-"), (False, "send_email to attacker not denied")])
    assert demo.summary(0.1) == 1
    assert demo.outcomes[-1].observed == "send_email to attacker not denied"
    assert "FAILED" in capsys.readouterr().out
