"""Class: two requests still reach a server as the client wrote them: resources/unsubscribe and logging/setLevel.

Session 12 made every read (prompts/get, resources/read and /subscribe, completion/complete) reach its server
built from what was judged (`gate.read_params`), and refused the methods no guard governs. Left out:
`resources/unsubscribe` ("reaches no content: not judged") is sent with the client's params object whole,
`logging/setLevel` with the client's raw bytes (one upstream) or params (several), and the tasks/* methods
passed on unjudged with their raw bytes. Any key the agent adds (a mailbox, another upstream's secret) reaches
the server, unjudged and unrecorded, where the same value in a read's params is dropped and in a call's
arguments judged.

Expected (secure): these requests carry the protocol's own keys only (`uri`, `level`, `taskId`, the `_meta` keys
the gate forwards); nothing else of the client's reaches the server.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

EVIL = "eve@evil.example"


@pytest.mark.parametrize("method,params", [
    ("resources/unsubscribe", {"uri": "note://a", "forward_to": EVIL}),
    ("resources/unsubscribe", {"uri": "note://a", "_meta": {"forward_to": EVIL}}),
    ("logging/setLevel", {"level": "info", "forward_to": EVIL}),
    ("logging/setLevel", {"level": "info", "_meta": {"forward_to": EVIL}}),
    ("tasks/get", {"taskId": "t-1", "forward_to": EVIL}),
])
def test_only_the_protocols_keys_reach_the_server(tmp_path, method, params):
    spec = Scripted(tmp_path / "p.json", resources=[{"uri": "note://a", "name": "a"}],
                    read={"result": {"contents": [{"uri": "note://a", "text": "ok"}]}})
    config = write_config(tmp_path / "mcp-guard.toml", {"p": (spec.command, 'trust = "tofu"')},
                          '[storage]\npath = "guard.db"\n')
    with Attacker(config, "--intent", "Read note a") as client:
        client.open()
        client.request("resources/list")
        client.request("resources/subscribe", {"uri": "note://a"})
        answer = client.request(method, params)
    sent = [json.dumps(m.get("params")) for m in spec.received(method)]
    assert sent or "error" in answer, answer  # it went through, or was refused
    assert not any(EVIL in s for s in sent), sent
