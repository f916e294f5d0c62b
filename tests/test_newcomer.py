"""A newcomer's first hour: the README's commands as written, with no virtual environment activated;
what the test runner prints when a test fails; help and README agreeing; readable audit output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_guard.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
BARE = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}  # a fresh shell: no venv on PATH


def quickstart_lines() -> list[str]:
    block = README.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_scripts_test_lists_failed_tests_at_the_end(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "def test_passes():\n    pass\n\n\ndef test_breaks():\n    assert 1 == 2\n", encoding="utf-8"
    )
    env = {**BARE, "HOME": str(tmp_path)}  # VIRTUAL_ENV unset: scripts/test finds ./.venv itself
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("no ./.venv here (tests run from another environment)")
    proc = subprocess.run(
        [str(REPO / "scripts" / "test"), "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(tmp_path / "test_sample.py")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    summary = proc.stdout.split("short test summary info", 1)[1]
    assert "FAILED" in summary and "test_breaks" in summary and "test_passes" not in summary


def test_ci_runs_the_readme_commands_with_no_venv_activated():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    tests_line = next(line for line in quickstart_lines() if "scripts/test" in line)
    code = [line.strip() for line in ci.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert any(line.startswith(tests_line) for line in code), tests_line  # word for word
    assert not any("activate" in line for line in code)
    assert "unset VIRTUAL_ENV" in ci  # even when CI's own shell had one
    assert any("bom check" in line for line in code)


def test_readme_way_to_put_mcp_guard_on_path_works(tmp_path):
    activate = re.search(r"^(\. \.venv/bin/activate)\b", README, re.M)
    assert activate, "README: no line activating .venv"
    if not (REPO / ".venv" / "bin" / "activate").exists():
        pytest.skip("no ./.venv here (tests run from another environment)")
    proc = subprocess.run(
        ["bash", "-c", f"{activate.group(1)} && command -v mcp-guard && mcp-guard --version"],
        cwd=REPO, env={**BARE, "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == str(REPO / ".venv" / "bin" / "mcp-guard")
    assert proc.stdout.splitlines()[1].startswith("mcp-guard ")


SEARCH_ORDER = ["$MCP_GUARD_CONFIG", "./mcp-guard.toml", "$XDG_CONFIG_HOME/mcp-guard/mcp-guard.toml"]


def _in_order(text: str, words: list[str]) -> bool:
    at = [text.find(w) for w in words]
    return all(i >= 0 for i in at) and at == sorted(at)


def test_help_readme_and_code_agree_on_the_config_search_order(tmp_path, home, monkeypatch):
    from mcp_guard.config import default_config_path

    help_text = next(a.help for a in build_parser()._actions if "--config" in a.option_strings)
    section = README.split("## Configuration", 1)[1].split("```", 1)[0]
    assert _in_order(help_text, SEARCH_ORDER), help_text
    assert _in_order(" ".join(section.split()), SEARCH_ORDER)
    # And the code looks in that order.
    env_cfg, local_cfg = tmp_path / "env.toml", tmp_path / "cwd" / "mcp-guard.toml"
    user_cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    for path in (env_cfg, local_cfg, user_cfg):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    monkeypatch.chdir(local_cfg.parent)
    monkeypatch.setenv("MCP_GUARD_CONFIG", str(env_cfg))
    assert default_config_path() == env_cfg
    monkeypatch.delenv("MCP_GUARD_CONFIG")
    assert default_config_path() == local_cfg
    local_cfg.unlink()
    assert default_config_path() == user_cfg


def test_held_call_message_says_approvals_are_per_session():
    from mcp_guard.approvals import held_message

    text = held_message("ap-1234", "a destructive call nobody asked for")
    assert "mcp-guard approvals approve ap-1234" in text and "this same session" in text


def test_audit_show_gives_each_record_a_block_at_full_width(tmp_path, home, capsys, monkeypatch):
    from mcp_guard.audit import AuditLog
    from mcp_guard.store import open_store

    monkeypatch.setenv("COLUMNS", "80")
    db = tmp_path / "guard.db"
    log = AuditLog(open_store(db))
    reason = "read-only: it lists the files of the folder the session named, nothing else at all"
    log.append("review", None, {"id": "abc", "decision": "approve", "reason": reason, "reviewer": "ana"})
    log.append("call", "s1", {"upstream": "fs", "tool": "read_file", "decision": "allow",
                              "arguments": {"path": "/srv/docs/a-rather-long-file-name-for-a-test.txt"}})
    assert main(["audit", "show", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(re.match(r"#1\s+\S+ \S+\s+review$", line) for line in lines)
    assert f"    reason: {json.dumps(reason)}" in lines  # one line, not wrapped into a column
    assert "    fs/read_file → allow" in lines
    assert '    args: {"path": "/srv/docs/a-rather-long-file-name-for-a-test.txt"}' in lines
    assert main(["audit", "show", "--db", str(db), "--json"]) == 0
    assert [json.loads(x)["seq"] for x in capsys.readouterr().out.splitlines()] == [1, 2]


@pytest.mark.skipif(sys.platform != "linux", reason="Linux paths")
def test_no_state_lands_in_the_current_folder(tmp_path, home, monkeypatch):
    """With no config file, every command keeps its files in the state folder, not where it runs."""
    from mcp_guard.config import load_config

    monkeypatch.chdir(tmp_path)
    config = load_config()
    state = Path(os.environ["XDG_STATE_HOME"]) / "mcp-guard"
    assert config.bom_path == state / "bom" / "aibom.cdx.json" and config.db_path == state / "guard.db"


def test_readme_python_client_runs_through_mcp_guard(tmp_path):
    """The README's Python example, as written, against the real time server: the tool is hidden
    until reviewed, then listed and called (the mcp 2.x names it shows are the SDK's own)."""
    from tests.support import python_bin

    block = README.split("```python", 1)[1].split("```", 1)[0]
    bin_dir = str(Path(python_bin("mcp-server-time")).parent)
    env = {**BARE, "HOME": str(tmp_path), "PATH": f"{bin_dir}:{BARE['PATH']}"}
    (tmp_path / "example.py").write_text(block, encoding="utf-8")

    def example() -> list[str]:
        proc = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout.splitlines()

    listed, called = example()
    assert listed == "[]" and called.startswith("True ") and "awaits review" in called
    approve = subprocess.run([f"{bin_dir}/mcp-guard", "review", "approve", "--upstream", "time", "--all", "--yes",
                              "--reason", "reads the clock"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=60)
    assert approve.returncode == 0, approve.stderr
    listed, called = example()
    assert "get_current_time" in listed and called.startswith("False {") and "'timezone': 'UTC'" in called
