"""The audit trail of a Claude Code session starts at the intent it is judged by: the person's prompts
that the `UserPromptSubmit` hook recorded, through the real hook command and a real `mcp-guard run`."""

from __future__ import annotations

import json
import subprocess

import pytest

from mcp_guard.audit.log import AuditLog
from mcp_guard.config import load_config
from mcp_guard.store import open_store
from tests.clients import ERAS, GUARD, fixture, guarded, upstream_toml, write_config

pytestmark = pytest.mark.anyio
NOTES = fixture("intent_server.py")


@pytest.fixture
def anyio_backend():
    return "asyncio"


def hook(cfg: str, session: str, prompt: str, cwd: str) -> None:
    """What Claude Code runs on each prompt the person submits."""
    done = subprocess.run([*GUARD, "--config", cfg, "intent", "hook"], capture_output=True, text=True, timeout=60,
                          input=json.dumps({"session_id": session, "prompt": prompt, "cwd": cwd,
                                            "hook_event_name": "UserPromptSubmit"}))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("era", ERAS)
async def test_the_hooks_intent_is_in_the_audit_trail_before_the_calls_it_judges(tmp_path, home, era):
    text = upstream_toml("notes", NOTES, 'trust = "tofu"\n') + '[storage]\npath = "guard.db"\n'
    cfg = str(write_config(tmp_path / "mcp-guard.toml", text))
    first = "Find the note about Q3 and send it to kai@corp.example"
    second = "Also send it to lee@corp.example"
    hook(cfg, "cc-7", first, str(tmp_path))  # typed before Claude Code's first call to the server
    env = {"MCP_GUARD_CONFIG": cfg, "CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "cc-7"}
    async with guarded(["--upstream", "notes"], env=env, era=era) as s:
        ok = await s.call_tool("send_note", {"to": "kai@corp.example", "body": "Q3"})
        assert not ok.is_error
        hook(cfg, "cc-7", second, str(tmp_path))  # the person's next prompt widens what is asked
        ok = await s.call_tool("send_note", {"to": "lee@corp.example", "body": "Q3"})
        assert not ok.is_error
    log = AuditLog(open_store(load_config(cfg).db_path))
    trail = [(r.kind, r.data) for r in log.records() if r.kind in ("session.start", "intent.declared", "call")]
    kinds = [k for k, _ in trail]
    # Known at the start: the start carries it; each new prompt is a record before the call it judges.
    assert kinds == ["session.start", "call", "intent.declared", "call"], kinds
    assert trail[0][1]["intent"] == first and trail[0][1]["intent_from"] == "hook"
    assert trail[2][1] == {"intent": first + "\n\n" + second, "intent_from": "hook"}
    assert log.verify().ok

    report = subprocess.run([*GUARD, "--config", cfg, "report"], capture_output=True, text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    assert "lee@corp.example" in report.stdout  # the intent the session is judged by now
    shown = subprocess.run([*GUARD, "--config", cfg, "audit", "show"], capture_output=True, text=True, timeout=60)
    assert shown.stdout.count("intent=") == 2 and "Also send it to lee@corp.example" in shown.stdout


async def test_a_prompt_typed_after_the_start_is_declared_before_the_first_call(tmp_path, home):
    """Claude Code starts its servers before the person types anything: the start has no intent, and
    the prompt is recorded when it arrives, before the call it judges."""
    text = upstream_toml("notes", NOTES, 'trust = "tofu"\n') + '[storage]\npath = "guard.db"\n'
    cfg = str(write_config(tmp_path / "mcp-guard.toml", text))
    env = {"MCP_GUARD_CONFIG": cfg, "CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "cc-8"}
    async with guarded(["--upstream", "notes"], env=env) as s:
        hook(cfg, "cc-8", "Search my notes for Q3", str(tmp_path))
        assert not (await s.call_tool("search_notes", {"query": "Q3"})).is_error
    log = AuditLog(open_store(load_config(cfg).db_path))
    trail = [(r.kind, r.data.get("intent")) for r in log.records()
             if r.kind in ("session.start", "intent.declared", "call")]
    assert trail == [("session.start", None), ("intent.declared", "Search my notes for Q3"), ("call", None)]
