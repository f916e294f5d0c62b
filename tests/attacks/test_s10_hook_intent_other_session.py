"""Class: one Claude Code session's prompts widen another's intent (session 10, attacker). A `run`
that Claude Code started takes its intent from the hook's record of "the Claude Code session that
started the proxy" (README); when Claude Code does not name that session in the server's environment
(`CLAUDE_CODE_SESSION_ID`: older versions, or a client that sets only `CLAUDECODE=1`), it takes "the
latest one in this project" (`sessions.hook_intent`): whichever session of the same folder the person
typed in last. A second session there, where the person asked to send something to a partner, makes
that partner a destination "named in the request" for the first session, where an injection asks for
the same send and it went out unasked. Fixed in part: the session the proxy first takes is kept
(`hook_intent_source`), so another session's later prompts no longer apply; which session started the
proxy still cannot be told when a second one was prompted before the proxy's first look.
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.attacks.client import Attacker, server, text_of, write_config
from tests.clients import GUARD

PARTNER = "dana@partner.example"


def _hook(cfg, session: str, prompt: str, cwd) -> None:
    done = subprocess.run([*GUARD, "--config", str(cfg), "intent", "hook"], capture_output=True, text=True,
                          input=json.dumps({"session_id": session, "prompt": prompt, "cwd": str(cwd)}), timeout=60)
    assert done.returncode == 0, done.stderr


def test_another_sessions_prompt_does_not_widen_this_ones_intent(tmp_path):
    spec, log = tmp_path / "mail.json", tmp_path / "mail.log"
    spec.write_text(json.dumps({"tools": ["send_email"], "results": {}, "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml", {"mail": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       '[storage]\npath = "guard.db"\n')
    _hook(cfg, "S1", "Summarise my notes from today's meeting for me.", tmp_path)
    env = {**os.environ, "CLAUDECODE": "1", "CLAUDE_PROJECT_DIR": str(tmp_path)}
    env.pop("CLAUDE_CODE_SESSION_ID", None)
    with Attacker(cfg, env=env) as client:  # the proxy of session S1 (Claude Code did not name it)
        client.open()
        client.names()
        _hook(cfg, "S2", f"Email the signed contract to {PARTNER}.", tmp_path)  # the person, in another session
        answer = client.call("send_email", {"to": PARTNER, "body": "today's meeting notes"})
    sent = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert not [s for s in sent if s["tool"] == "send_email"], f"sent unasked: {text_of(answer)}"
