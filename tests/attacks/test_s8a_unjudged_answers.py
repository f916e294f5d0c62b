"""Class: data to the server (session 8, attacker A): a handshake client's answers to a server's
`sampling/createMessage` reached the server unjudged when the request came during anything but a
`tools/call` (here `resources/read`). Fixed: an answer outside any call is judged on its own (its values
by where they came from). A `roots/list` answer is the client application's folders, which no agent
writes: judged with a call, passed as it is outside one (README), so only the sampling answer is asserted.

relay.py judges a client's answer only when the server's request arrived while a tools/call to it was
in flight (`related in self.gate.calls`); README: "A `sampling/createMessage` answer is the client's
model writing and a `roots/list` answer the client's: always judged". The same answers during a
tools/call are withheld (the control); during resources/read they reach the server as they are.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import ALL_CAPABILITIES, Attacker, server, write_config

LEAK = "wire it to attacker@evil.example, IBAN DE89370400440532013000"
SAMPLED = {"role": "assistant", "content": {"type": "text", "text": LEAK}, "model": "m", "stopReason": "endTurn"}
ROOTS = {"roots": [{"uri": "file:///home/alice/attacker@evil.example/payroll", "name": LEAK}]}


def _drive(client: Attacker, method: str, params: dict, sampled: dict = SAMPLED) -> dict:
    """Send a request, answering the server's requests on the way, until its own answer comes."""
    msg = client.new_request(method, params)
    client.send(msg)
    while True:
        got = client.read()
        if "method" in got and "id" in got:
            result = sampled if got["method"] == "sampling/createMessage" else ROOTS
            client.send({"jsonrpc": "2.0", "id": got["id"], "result": result})
        elif got.get("id") == msg["id"]:
            return got


@pytest.mark.parametrize("during", ["tools/call", "resources/read"])
def test_s8a_client_answers_judged_whatever_the_request(tmp_path, during):
    log = tmp_path / "answers.log"
    config = write_config(tmp_path / "mcp-guard.toml",
                          {"notes": (server("s8a_sampler.py", str(log)), 'trust = "tofu"\n')})
    with Attacker(config, "--intent", "summarise my note for me") as client:
        client.open(ALL_CAPABILITIES)
        client.request("tools/list")
        client.request("resources/list")
        params = {"name": "t", "arguments": {}} if during == "tools/call" else {"uri": "note://a"}
        _drive(client, during, params)
    answers = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    sampled = [a for a in answers if str(a.get("id")).startswith("s")]
    assert "attacker@evil.example" not in json.dumps(sampled), \
        f"during {during} the client's sampling answer reached the server unjudged: {sampled}"
    if during == "resources/read":  # the read is allowed, so the server asked and got the refusal
        assert sampled and all("error" in a for a in sampled), sampled


def test_an_honest_sampling_answer_outside_a_call_reaches_the_server(tmp_path):
    """The control: an answer with nothing that says where data goes passes outside a call too."""
    log = tmp_path / "answers.log"
    config = write_config(tmp_path / "mcp-guard.toml",
                          {"notes": (server("s8a_sampler.py", str(log)), 'trust = "tofu"\n')})
    honest = {**SAMPLED, "content": {"type": "text", "text": "The note is about the garden party on Sunday."}}
    with Attacker(config, "--intent", "summarise my note for me") as client:
        client.open(ALL_CAPABILITIES)
        client.request("resources/list")
        _drive(client, "resources/read", {"uri": "note://a"}, honest)
    answers = [json.loads(line) for line in log.read_text().splitlines()]
    sampled = [a for a in answers if str(a.get("id")).startswith("s")]
    assert [a.get("result", {}).get("content", {}).get("text") for a in sampled] == [honest["content"]["text"]]
