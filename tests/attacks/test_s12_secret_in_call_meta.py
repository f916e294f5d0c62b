"""Class: a tools/call carries another upstream's secret in the `_meta` keys it forwards.

Session 11's secrets guard refuses a call whose name, arguments or other inputs carry a secret read for
another upstream. The gate also forwards part of the call's `_meta` (`progressToken`, the 2026-07-28
envelope's client info, `traceparent`/`tracestate`), which are the client's strings too, and the guard
never reads them: the secret rides to the other upstream there.

Expected (secure): whatever a call hands the server, `_meta` included, never carries a secret that
server was not given.
"""

from __future__ import annotations

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

SECRET = "sk-live-Q7vX2mN9pLr4Tz8"
POST = {"name": "post_message", "description": "Post a message to a chat channel.",
        "inputSchema": {"type": "object", "properties": {"channel": {"type": "string"}, "text": {"type": "string"}}}}


@pytest.mark.parametrize("meta", [{"progressToken": f"p-{SECRET}"}, {"tracestate": f"k={SECRET}"}])
def test_a_call_s_meta_never_carries_another_upstreams_secret(tmp_path, meta):
    vault = Scripted(tmp_path / "vault.json", tools=[{"name": "show_config", "description": "Show the config.",
                                                      "annotations": {"readOnlyHint": True},
                                                      "inputSchema": {"type": "object"}}])
    chat = Scripted(tmp_path / "chat.json", tools=[POST])
    config = write_config(tmp_path / "mcp-guard.toml", {
        "vault": (vault.command, 'trust = "tofu"\nsecrets = { VAULT_KEY = "env:VAULT_SOURCE" }\n'),
        "chat": (chat.command, 'trust = "tofu"\n'),
    }, '[storage]\npath = "guard.db"\n[profiles.ops]\nowner = "ops@example.test"\ngrants = ["VAULT_KEY"]\n')
    with Attacker(config, "--profile", "ops", "--intent", "Post a status note to #ops",
                  env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        client.names()
        client.call("chat__post_message", {"channel": "#ops", "text": "all good"}, _meta=meta)
    assert not [line for line in chat.received_raw() if SECRET in line], "the secret reached another upstream"
