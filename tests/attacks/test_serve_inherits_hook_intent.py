"""Class: one session's intent applying to another (serve). The Proxy gives every session that
declared no intent the Claude Code hook's intent of the folder `serve` runs in
(`hook_intent_source`: CLAUDE_PROJECT_DIR or the cwd), a `run`-only mechanism per the README (the
person's prompts become THAT Claude Code session's intent). Under `serve`, every HTTP client without
a `session start` token (any local process on loopback) is then judged against the person's latest
prompt: an agent that was told nothing may send to the recipient the person named elsewhere.

Expected: a serve session with no declared intent is judged as one ("side effects to destinations
nobody named are denied or held"). Actual: the person's hook prompt applies and the call passes.
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.attacks.client import SEND_EMAIL, Scripted
from tests.clients import GUARD, serving, upstream_toml, write_config
from tests.test_eras import handshake_call, handshake_session

TOOL = SEND_EMAIL


def test_a_serve_session_does_not_take_the_hooks_intent(tmp_path, home):
    project = tmp_path / "project"
    project.mkdir()
    upstream = Scripted(tmp_path / "s.json", tools=[TOOL])
    config = write_config(tmp_path / "c.toml", upstream_toml("mail", upstream.command, 'trust = "tofu"\n'))
    env = {**os.environ, "HOME": str(home), "CLAUDE_PROJECT_DIR": str(project)}
    hook = {"session_id": "claude-code-1", "prompt": "email alice@corp.example the quarterly report",
            "cwd": str(project)}
    with serving(config, env={"CLAUDE_PROJECT_DIR": str(project)}) as base:
        sid = handshake_session(base)  # another agent: no token, no intent of its own
        handshake_call(base, sid, "send_email", {"to": "alice@corp.example", "body": "report"})
        assert not upstream.received("tools/call")  # control: nobody named alice, so it is refused
        # The person, in Claude Code in the same folder, types a prompt (the hook records it).
        subprocess.run([*GUARD, "--config", str(config), "intent", "hook"], input=json.dumps(hook), text=True,
                       env=env, capture_output=True, timeout=60, check=True)
        handshake_call(base, sid, "send_email", {"to": "alice@corp.example", "body": "report"})
    sent = [m for m in upstream.received("tools/call")]
    assert not sent, f"the person's Claude Code prompt authorised a serve session's call: {sent}"
