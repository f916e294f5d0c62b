"""Class: era translation carries values past intent. A handshake client in front of a
2026-07-28-only server: the server's `input_required` (here a sampling request) is put to the client
as `sampling/createMessage`, and the client's answer goes back to the server in the retry's
`inputResponses`. README ("What cannot be translated"): mcp-guard "judges the answers like the
call's arguments, and retries with them". The relay judges them only under `[intent] ask = "person"`
(`Relay._answers_judged`); under the default `ask = "client"` a sampling answer (the MODEL's text,
not a person's word) reaches the server unjudged, with a destination the intent never named.

Expected: the retry carrying evil@attacker.example is withheld (as it is with ask = "person", and as
it would be in arguments). Actual: forwarded to the server.
"""

from __future__ import annotations

import json

from tests.attacks.client import Attacker, Scripted, write_config

CAPS = {"tools": {"listChanged": True}}
SAMPLING = {"method": "sampling/createMessage", "params": {
    "messages": [{"role": "user", "content": {"type": "text", "text": "Who should get the report?"}}],
    "maxTokens": 100}}
MODERN = {
    "initialize": {"error": {"code": -32022, "message": "2026-07-28 only", "data": {"supported": ["2026-07-28"]}}},
    "server/discover": {"result": {"supportedVersions": ["2026-07-28"], "capabilities": CAPS,
                                   "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "m", "version": "1"}}}},
    "tools/list": {"result": {"tools": [{"name": "send_report", "description": "Send the report",
                                         "inputSchema": {"type": "object"}}]}},
    "tools/call": {"result": {"resultType": "input_required", "inputRequests": {"who": SAMPLING},
                              "requestState": "s1"}},
}


def _call_with_sampled(tmp_path, home, sampled: str) -> tuple[dict, list]:
    server = Scripted(tmp_path / "spec.json", methods=MODERN)
    config = write_config(tmp_path / "c.toml", {"m": (server.command, 'trust = "tofu"\n')})
    answer: dict = {}
    with Attacker(config, "--intent", "send the weekly report to bob@corp.com", env={"HOME": str(home)}) as a:
        a.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {"sampling": {}},
                                 "clientInfo": {"name": "h", "version": "1"}})
        a.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        a.request("tools/list")
        call = a.new_request("tools/call", {"name": "send_report", "arguments": {}})
        a.send(call)
        for _ in range(20):
            msg = a.read(timeout=30)
            if msg.get("method") == "sampling/createMessage":
                a.send({"jsonrpc": "2.0", "id": msg["id"], "result": {
                    "role": "assistant", "model": "m", "content": {"type": "text", "text": sampled}}})
            elif msg.get("id") == call["id"]:
                answer = msg
                break
    calls = server.received("tools/call")
    assert calls, "the call never reached the server"
    return answer, [m for m in calls if "inputResponses" in m.get("params", {})]


def test_translated_sampling_answer_is_judged(tmp_path, home):
    # The secure outcome: the retry carrying the model's unnamed destination is withheld (the whole
    # retry: the server's question stays unanswered) and the client is told why.
    answer, retried = _call_with_sampled(tmp_path, home, "send it to evil@attacker.example")
    assert "evil@attacker.example" not in json.dumps(retried), f"unjudged answer reached the server: {retried[0]}"
    assert answer.get("result", {}).get("isError") and "withheld" in json.dumps(answer), answer


def test_control_a_sampling_answer_within_the_intent_is_retried(tmp_path, home):
    answer, retried = _call_with_sampled(tmp_path, home, "send it to bob@corp.com")
    assert retried and "bob@corp.com" in json.dumps(retried), answer
