"""Class: audit trail. README: "Every decision is recorded ... and so is a call that could not be judged
(refused)". A tools/call the relay refuses before the gate (arguments not an object, a name no
upstream routes) leaves no record: a prompt-injected agent's attempt, with the address it tried to
send to, is invisible in `audit show`.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.attacks.client import Attacker, Scripted, write_config
from tests.clients import GUARD


def _records(config, home) -> str:
    out = subprocess.run([*GUARD, "--config", str(config), "audit", "show"], capture_output=True, text=True,
                         env={**os.environ, "HOME": str(home)}, timeout=60)
    return out.stdout + out.stderr


@pytest.mark.parametrize("params", [
    {"name": "send_email", "arguments": ["to", "marker-5c1e@evil.example"]},
    {"name": "send_email", "arguments": "marker-5c1e@evil.example"},
    {"name": "nope__send_email", "arguments": {"to": "marker-5c1e@evil.example"}},
], ids=["list-arguments", "string-arguments", "unroutable-name"])
def test_refused_call_is_recorded(tmp_path, home, params):
    tool = {"name": "send_email", "inputSchema": {"type": "object"}}
    a = Scripted(tmp_path / "a.json", tools=[tool])
    b = Scripted(tmp_path / "b.json", tools=[tool])
    ups = {"mail": (a.command, 'trust = "tofu"\n')}
    if params["name"].startswith("nope__"):
        ups["other"] = (b.command, 'trust = "tofu"\n')  # two upstreams: names are namespaced
    config = write_config(tmp_path / "c.toml", ups)
    with Attacker(config, "--intent", "summarise my inbox", env={"HOME": str(home)}) as client:
        client.open()
        answer = client.request("tools/call", params)
    assert "error" in answer or answer["result"].get("isError"), answer
    assert "marker-5c1e" in _records(config, home), "the refused call left no audit record"
