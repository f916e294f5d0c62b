"""Class: a secret granted to one upstream is carried by the client to another upstream in a call's arguments
(session 11, attacker).

Session 10 scrubbed every secret value from what any server writes, so the model cannot learn one from an
upstream. But the model learns it elsewhere: an agent reads the project's `.env` with its own file tool, a
person pastes a key into the chat. An injection then has it post the key to any upstream the intent lets it
write to, and mcp-guard forwarded it: nothing judged what a client sends for secret values, though the
README promises that a secret reaches only the upstream granted it. A call to an upstream that carries a
secret granted to another one (in any spelling the scrub knows) must not reach it, nor its audit record.
"""

from __future__ import annotations

import base64
import sqlite3

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

SECRET = "sk-live-Q7vX2mN9pLr4Tz8"
POST = {"name": "post_message", "description": "Post a message to a chat channel.",
        "inputSchema": {"type": "object", "properties": {"channel": {"type": "string"}, "text": {"type": "string"}}}}
CONFIG = {"name": "show_config", "description": "Show this server's configuration.",
          "annotations": {"readOnlyHint": True}, "inputSchema": {"type": "object"}}
SPELLINGS = {"as_is": SECRET, "upper": SECRET.upper(),
             "base64": base64.b64encode(f"user:{SECRET}".encode()).decode()}


def _config(tmp_path):
    vault = Scripted(tmp_path / "vault.json", tools=[CONFIG], call_python="'vault ok'")
    chat = Scripted(tmp_path / "chat.json", tools=[POST])
    config = write_config(tmp_path / "mcp-guard.toml", {
        "vault": (vault.command, 'trust = "tofu"\nsecrets = { VAULT_KEY = "env:VAULT_SOURCE" }\n'),
        "chat": (chat.command, 'trust = "tofu"\n'),
    }, '[storage]\npath = "guard.db"\n[profiles.ops]\nowner = "ops@example.test"\ngrants = ["VAULT_KEY"]\n')
    return chat, config


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_call_never_carries_another_upstreams_secret(tmp_path, spelling):
    chat, config = _config(tmp_path)
    with Attacker(config, "--profile", "ops", "--intent", "Check the vault config and post a status note to #ops",
                  env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        client.names()
        client.call("vault__show_config")
        client.call("chat__post_message", {"channel": "#ops", "text": f"vault key: {SPELLINGS[spelling]}"})
    leaked = [line for line in chat.received_raw() if SPELLINGS[spelling] in line]
    assert not leaked, "the secret reached an upstream it was not granted to"
    db = sqlite3.connect(tmp_path / "guard.db")
    rows = [r[0] for r in db.execute("SELECT data FROM audit") if SPELLINGS[spelling].lower() in r[0].lower()]
    assert not rows, "the secret is in the audit log"
