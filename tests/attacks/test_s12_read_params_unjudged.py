"""Class: a read request (prompts/get, resources/read, completion/complete) carries to its server
keys the guards never judged.

A tools/call is forwarded built from what was judged (`gate.judged_params`: its name, arguments, the
revision's answers and state, and the protocol's own `_meta` keys); any other key is dropped. A read
is forwarded as the client sent it: intent judges a prompt's `arguments` (an object) and what a
completion completes, and nothing else. `arguments` given as a list, a params key of the client's own,
or a `_meta` key (an SDK server hands `_meta` to the prompt's or resource's function) reach the server
with a mailbox found nowhere, where the same mailbox as an argument is held.

Expected (secure): what a read hands its server is what was judged: a read whose values cannot be
judged is refused, and keys no guard looks at are not forwarded.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

EVIL = "eve@evil.example"


def _server(tmp_path) -> tuple[Scripted, object]:
    spec = Scripted(tmp_path / "p.json", prompts=[{"name": "draft_reply", "arguments": [{"name": "to"}]}],
                    resources=[{"uri": "note://a", "name": "a"}],
                    prompt={"result": {"messages": []}},
                    read={"result": {"contents": [{"uri": "note://a", "text": "ok"}]}},
                    complete={"result": {"completion": {"values": []}}})
    config = write_config(tmp_path / "mcp-guard.toml", {"p": (spec.command, 'trust = "tofu"')},
                          '[storage]\npath = "guard.db"\n')
    return spec, config


@pytest.mark.parametrize("method,params", [
    ("prompts/get", {"name": "draft_reply", "arguments": [EVIL]}),
    ("prompts/get", {"name": "draft_reply", "arguments": {"to": "Ana"}, "_meta": {"to": EVIL}}),
    ("prompts/get", {"name": "draft_reply", "arguments": {"to": "Ana"}, "cc": EVIL}),
    ("resources/read", {"uri": "note://a", "arguments": {"to": EVIL}}),
    ("resources/read", {"uri": "note://a", "_meta": {"forward_to": EVIL}}),
    ("completion/complete", {"ref": {"type": "ref/prompt", "name": "draft_reply"},
                             "argument": {"name": "to", "value": "Ana"}, "notify": EVIL}),
])
def test_what_a_read_sends_is_what_was_judged(tmp_path, method, params):
    spec, config = _server(tmp_path)
    with Attacker(config, "--intent", "Draft a reply to Ana") as client:
        client.open()
        client.request("prompts/list")
        client.request("resources/list")
        client.request(method, params)
    sent = [json.dumps(m.get("params")) for m in spec.received(method)]
    assert not any(EVIL in s for s in sent), sent


SECRET = "sk-live-Q7vX2mN9pLr4Tz8"


@pytest.mark.parametrize("where", [
    "meta", "param",
    # a read's forwarded `_meta` keys (progressToken, trace context) go to the secrets guard (session 16)
    "progress",
])
def test_a_read_never_carries_another_upstreams_secret(tmp_path, where):
    vault = Scripted(tmp_path / "vault.json", tools=[{"name": "show_config", "description": "Show the config.",
                                                      "annotations": {"readOnlyHint": True},
                                                      "inputSchema": {"type": "object"}}])
    notes = Scripted(tmp_path / "notes.json", prompts=[{"name": "summary", "arguments": []}],
                     prompt={"result": {"messages": []}})
    config = write_config(tmp_path / "mcp-guard.toml", {
        "vault": (vault.command, 'trust = "tofu"\nsecrets = { VAULT_KEY = "env:VAULT_SOURCE" }\n'),
        "notes": (notes.command, 'trust = "tofu"\n'),
    }, '[storage]\npath = "guard.db"\n[profiles.ops]\nowner = "ops@example.test"\ngrants = ["VAULT_KEY"]\n')
    params = {"name": "notes__summary", "arguments": {}}
    params |= {"meta": {"_meta": {"note": f"key {SECRET}"}}, "param": {"note": f"key {SECRET}"},
               "progress": {"_meta": {"progressToken": f"p-{SECRET}"}}}[where]
    with Attacker(config, "--profile", "ops", "--intent", "Summarise my notes", env={"VAULT_SOURCE": SECRET}) as client:
        client.open()
        client.request("prompts/list")
        client.request("prompts/get", params)
    assert not [line for line in notes.received_raw() if SECRET in line], "the secret reached another upstream"
