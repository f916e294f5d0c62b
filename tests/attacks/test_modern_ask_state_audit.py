"""Class: audit trail. A 2026-07-28 tools/call that carries a `requestState` of the proxy's form
("mcp-guard:…") with `inputResponses` that is not an object fails AFTER the guards judged it and
BEFORE the decision is recorded: the call is refused with an internal error and the denied attempt
(here: a tool held for review) leaves no audit record, while the same call without the state does.

Expected: every judged call is recorded (or the malformed state is refused before judging).
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.attacks.client import Attacker, Scripted, envelope, write_config
from tests.clients import GUARD

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope()


def _records(config, home) -> str:
    out = subprocess.run([*GUARD, "--config", str(config), "audit", "show"], capture_output=True, text=True,
                         env={**os.environ, "HOME": str(home)}, timeout=60)
    return out.stdout


def test_malformed_proxy_state_still_records_the_denied_call(tmp_path, home):
    server = Scripted(tmp_path / "s.json", tools=[{"name": "wipe_disk", "inputSchema": {"type": "object"}}])
    config = write_config(tmp_path / "c.toml", {"m": (server.command, "")})  # held for review: denied
    with Attacker(config, env={"HOME": str(home)}) as a:
        answer = a.request("tools/call", {"name": "wipe_disk", "arguments": {"probe": "marker-7f3a"},
                                          "requestState": "mcp-guard:forged", "inputResponses": "x",
                                          "_meta": ENV})
    assert "internal error" not in json.dumps(answer), answer
    assert "marker-7f3a" in _records(config, home), "the denied call left no audit record"
