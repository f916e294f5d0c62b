"""Sessions bound to an intent: bearer tokens, the Claude Code hook, and flag/env/config precedence."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest

from mcp_guard.cli import main
from mcp_guard.config import load_config, parse_config
from mcp_guard.errors import ConfigError
from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard
from mcp_guard.intent.sessions import (
    INTENT_ENV,
    SessionError,
    declared_intent,
    hook_intent,
    hook_intent_source,
    resolve_token,
    token_hash,
)
from mcp_guard.store import open_store


@pytest.fixture
def cfg_file(home, tmp_path):
    f = tmp_path / "mcp-guard.toml"
    f.write_text(
        '[storage]\npath = "guard.db"\n[intent]\ntext = "from config"\n'
        '[profiles.support]\nowner = "team-support"\nallow = ["*"]\n'
    )
    return f


def test_session_start_issues_a_token_bound_to_the_intent(cfg_file, capsys):
    assert (
        main(
            [
                "--config",
                str(cfg_file),
                "session",
                "start",
                "--profile",
                "support",
                "--intent",
                "Answer ticket 42",
                "--ttl",
                "2h",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    store = open_store(load_config(cfg_file).db_path)
    bound = resolve_token(store, "Bearer " + out["token"])
    assert (bound.session_id, bound.intent, bound.profile, bound.owner) == (
        out["session"],
        "Answer ticket 42",
        "support",
        "team-support",
    )
    raw = sqlite3.connect(load_config(cfg_file).db_path).execute("SELECT token_hash FROM sessions").fetchall()
    assert raw == [(token_hash(out["token"]),)]  # only the digest is stored
    assert main(["--config", str(cfg_file), "session", "end", out["session"]]) == 0
    with pytest.raises(SessionError, match="expired"):
        resolve_token(store, out["token"])
    with pytest.raises(SessionError, match="unknown"):
        resolve_token(store, "mcpg_forged")


def test_session_start_bad_input(cfg_file, capsys):
    assert main(["--config", str(cfg_file), "session", "start", "--intent", "x", "--profile", "ghost"]) == 2
    assert "no profile named 'ghost'" in capsys.readouterr().err
    assert main(["--config", str(cfg_file), "session", "start", "--intent", "x", "--ttl", "soon"]) == 2


def test_hook_records_the_persons_prompts(cfg_file, tmp_path, monkeypatch):
    project = tmp_path / "proj"
    project.mkdir()
    for prompt in ("Fix the failing test in parser.py", "Then email the diff to lee@corp.example"):
        hook_input = {
            "session_id": "cc-1",
            "prompt": prompt,
            "cwd": str(project),
            "hook_event_name": "UserPromptSubmit",
            "transcript_path": "/dev/null",
        }
        monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(hook_input)))
        assert main(["--config", str(cfg_file), "intent", "hook"]) == 0
    store = open_store(load_config(cfg_file).db_path)
    by_id = hook_intent(store, session_id="cc-1")
    by_cwd = hook_intent(store, cwd=str(project))
    assert by_id == by_cwd
    assert "parser.py" in by_id.intent and "lee@corp.example" in by_id.intent
    assert hook_intent(store, cwd=str(tmp_path)) is None
    # the guard reads it before each call, so a new prompt widens the scope only because a person typed it
    guard = IntentGuard(load_config(cfg_file), intent_source=hook_intent_source(store, str(project)))
    s = SessionInfo(id="run-1")
    send = ToolCall(s, "mail", "send_email", "send_email", {"to": "lee@corp.example"})
    assert guard.decide(send).action == "allow"
    other = ToolCall(s, "mail", "send_email", "send_email", {"to": "zed@corp.example"})
    assert guard.decide(other).rule == "ungrounded"
    monkeypatch.setattr("sys.stdin", io.StringIO("not json"))
    assert main(["--config", str(cfg_file), "intent", "hook"]) == 1  # never 2: that would block the prompt


def test_the_hooks_prompts_are_for_the_claude_code_session_that_started_the_proxy(cfg_file, tmp_path, monkeypatch):
    """A `run` that Claude Code did not start takes no prompts from the folder it runs in; one that
    Claude Code started takes those of its own session (named in its environment), not the newest
    prompt of the project."""
    project = tmp_path / "proj"
    project.mkdir()
    prompts = (("cc-a", "Email the notes to lee@corp.example"), ("cc-b", "Email the notes to kim@corp.example"))
    for sid, prompt in prompts:
        monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(
            {"session_id": sid, "prompt": prompt, "cwd": str(project), "hook_event_name": "UserPromptSubmit"})))
        assert main(["--config", str(cfg_file), "intent", "hook"]) == 0
    store = open_store(load_config(cfg_file).db_path)
    session = SessionInfo(id="run-1")
    assert hook_intent_source(store, environ={"CLAUDE_PROJECT_DIR": str(project)}) is None
    own = hook_intent_source(store, environ={"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "cc-a",
                                             "CLAUDE_PROJECT_DIR": str(project)})
    assert own is not None and "lee@corp.example" in own(session)
    older = hook_intent_source(store, environ={"CLAUDECODE": "1", "CLAUDE_PROJECT_DIR": str(project)})
    assert older is not None and "kim@corp.example" in older(session)  # no session named: the project's newest


def test_only_run_takes_the_hooks_prompts(cfg_file, monkeypatch):
    """The hook's prompts are one person's, for the `run` sessions their Claude Code starts; a `serve`
    Proxy (anyone's sessions) never reads them."""
    from mcp_guard.proxy.runner import Proxy

    monkeypatch.setenv("CLAUDECODE", "1")
    for hooked in (True, False):
        proxy = Proxy(load_config(cfg_file), [], hook_intent=hooked)
        try:
            assert proxy.intent is not None and (proxy.intent.intent_source is not None) is hooked
        finally:
            proxy.close()


def test_declared_intent_precedence(cfg_file, monkeypatch):
    cfg = load_config(cfg_file)
    monkeypatch.delenv(INTENT_ENV, raising=False)
    assert declared_intent(cfg).intent == "from config"
    monkeypatch.setenv(INTENT_ENV, "from env")
    assert declared_intent(cfg).intent == "from env"
    assert declared_intent(cfg, "from flag", "support").intent == "from flag"
    assert declared_intent(cfg, None, "support").owner == "team-support"
    with pytest.raises(ConfigError):
        declared_intent(parse_config({}), "x", "ghost")


def test_intent_check_command(cfg_file, tmp_path, capsys):
    tools = tmp_path / "tools.json"
    # (a name that leaves its effect open: the annotation settles it; `post` marked read-only still posts)
    tools.write_text(json.dumps({"tools": [{"name": "frob", "annotations": {"readOnlyHint": True}}]}))
    base = ["--config", str(cfg_file), "intent", "check", "--intent", "Send the notes to kai@corp.example"]
    assert main([*base, "--tool", "mail/send_email", "--args", '{"to": "kai@corp.example"}']) == 0
    assert main([*base, "--tool", "mail/send_email", "--args", '{"to": "x@evil.example"}']) == 1
    assert "x@evil.example" in capsys.readouterr().out
    assert main([*base, "--tool", "mail/frob", "--args", '{"query": "x"}']) == 1  # unknown: a write
    assert main([*base, "--tool", "mail/frob", "--tools", str(tools), "--args", '{"query": "x"}']) == 0
    assert main([*base, "--tool", "mail/send_email", "--args", "[1]"]) == 2
    assert "JSON object" in capsys.readouterr().err
