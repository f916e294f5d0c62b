"""Class: a message shape that crashes the relay (issue 10, finding 12).

No message of any shape, from the client or from an upstream, ends `mcp-guard run` (or `serve`) or
stops it answering: the cases found (`notifications/cancelled` with list params or an unhashable
`requestId`) and a property-based fuzz over random, JSON-RPC-shaped and mutated valid messages,
with a fixed budget and a fixed seed so that CI is reproducible. After every message, a valid
request must still be answered.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.attacks.client import ALL_CAPABILITIES, Attacker, Scripted, write_config

TOOL = {"name": "lookup", "description": "Look a word up.", "inputSchema": {"type": "object"}}
FOUND = [
    {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": [1, "x"]},
    {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": [1]}},
    {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": {"a": 1}}},
    {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": "x"},
    {"jsonrpc": "2.0", "method": "notifications/initialized", "params": [1]},
    {"jsonrpc": "2.0", "id": 50, "method": "tools/call",
     "params": {"name": "lookup", "arguments": {}, "_meta": {"progressToken": {"a": [1]}}}},
    {"jsonrpc": "2.0", "id": 51, "method": "tools/call", "params": [{"name": "lookup"}]},
    {"jsonrpc": "2.0", "id": 52, "method": "completion/complete", "params": {"ref": "x"}},
    {"jsonrpc": "2.0", "id": 53, "method": "resources/templates/list", "params": {"cursor": {"a": 1}}},
    {"jsonrpc": "2.0", "id": [1], "result": {}},
]


def _proxy(tmp_path, server: Scripted | None = None) -> Attacker:
    server = server or Scripted(tmp_path / "spec.json", tools=[TOOL])
    config = write_config(tmp_path / "mcp-guard.toml", {"words": (server.command, 'trust = "tofu"\n')},
                          '[intent]\nmode = "off"\n')
    client = Attacker(config, "--upstream", "words")
    client.open(ALL_CAPABILITIES)
    return client


def _still_serving(client: Attacker, n: int) -> None:
    answer = client.exchange({"jsonrpc": "2.0", "id": f"probe-{n}", "method": "ping"})
    assert answer.get("result") == {}, answer
    client.others.clear()


def test_relay_message_shapes_found(tmp_path):
    client = _proxy(tmp_path)
    try:
        for n, msg in enumerate(FOUND):
            client.send(msg)
            _still_serving(client, n)
        assert not client.call("lookup", {"q": "x"})["result"].get("isError")
    finally:
        assert client.close() == 0, client.stderr()[-2000:]


# --- fuzz -----------------------------------------------------------------------------------------

METHODS = ["initialize", "ping", "tools/list", "tools/call", "prompts/list", "prompts/get", "resources/list",
           "resources/read", "resources/subscribe", "resources/unsubscribe", "resources/templates/list",
           "completion/complete", "logging/setLevel", "notifications/cancelled", "notifications/initialized",
           "notifications/progress", "notifications/roots/list_changed", "sampling/createMessage"]
SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=12))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=10)
IDS = SCALARS | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
PARAMS = JSON | st.fixed_dictionaries({}, optional={
    "name": JSON | st.just("lookup"), "arguments": JSON, "uri": JSON | st.just("file:///x"), "ref": JSON,
    "requestId": IDS, "progressToken": IDS, "_meta": st.fixed_dictionaries({}, optional={"progressToken": IDS}),
    "cursor": JSON, "capabilities": JSON, "clientInfo": JSON, "level": JSON, "argument": JSON,
})


def _message(jsonrpc: Any, rid: Any, method: Any, params: Any, shape: str) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": jsonrpc}
    if shape in ("request", "notification"):
        msg["method"] = method
        if params is not None:
            msg["params"] = params
    if shape in ("request", "response", "error"):
        msg["id"] = rid
    if shape == "response":
        msg["result"] = params
    if shape == "error":
        msg["error"] = params
    return msg


SHAPED = st.builds(_message, st.sampled_from(["2.0", "2.0", "2.0", "1.0", None]), IDS,
                   st.sampled_from(METHODS) | st.text(max_size=15), PARAMS,
                   st.sampled_from(["request", "notification", "response", "error"]))


def _mutate(msg: dict[str, Any], key: str, value: Any, drop: bool) -> dict[str, Any]:
    out = json.loads(json.dumps(msg))
    target = out["params"] if key.startswith("params.") and isinstance(out.get("params"), dict) else out
    key = key.removeprefix("params.")
    if drop:
        target.pop(key, None)
    else:
        target[key] = value
    return out


MUTATED = st.builds(_mutate, st.sampled_from(FOUND + [
    {"jsonrpc": "2.0", "id": 60, "method": "tools/call", "params": {"name": "lookup", "arguments": {"q": "x"}}},
    {"jsonrpc": "2.0", "id": 61, "method": "resources/read", "params": {"uri": "file:///x"}},
    {"jsonrpc": "2.0", "id": 62, "method": "prompts/get", "params": {"name": "p", "arguments": {}}},
]), st.sampled_from(["jsonrpc", "id", "method", "params", "params.name", "params.arguments", "params.uri",
                     "params.requestId", "params._meta", "params.ref"]), JSON, st.booleans())
RAW = (st.binary(max_size=120) | JSON.map(lambda v: json.dumps(v).encode())).map(lambda b: b.replace(b"\n", b" "))
MESSAGES = SHAPED.map(lambda m: json.dumps(m).encode()) | MUTATED.map(lambda m: json.dumps(m).encode()) | RAW


def test_relay_message_shapes_fuzz(tmp_path):
    client = _proxy(tmp_path)
    counter = iter(range(10**9))
    culprit: list[bytes] = []  # one process serves every example: the first that breaks it is the finding

    @settings(max_examples=400, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(MESSAGES)
    def drive(line: bytes) -> None:
        if culprit:
            return
        try:
            client.send_raw(line + b"\n")
            _still_serving(client, next(counter))
        except (AssertionError, OSError, EOFError, TimeoutError):
            culprit.append(line)

    try:
        drive()
        assert not culprit, f"the relay stopped answering after {culprit[0]!r}"
        assert next(counter) >= 200  # the fuzz did run its examples
        assert not client.call("lookup", {"q": "after the fuzz"})["result"].get("isError")
    finally:
        assert client.close() == 0, client.stderr()[-2000:]


def test_relay_message_shapes_fuzz_from_upstream(tmp_path):
    """A server that sends anything before it answers a call: the call is still answered."""
    server = Scripted(tmp_path / "spec.json", tools=[TOOL])
    client = _proxy(tmp_path, server)
    counter = iter(range(10**9))
    culprit: list[list[str]] = []

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(MESSAGES.map(lambda b: b.decode("utf-8", "replace")), min_size=1, max_size=3))
    def drive(lines: list[str]) -> None:
        if culprit:
            return
        server.update(before_answer_raw=lines)
        try:
            n = next(counter)
            answer = client.exchange({"jsonrpc": "2.0", "id": f"call-{n}", "method": "tools/call",
                                      "params": {"name": "lookup", "arguments": {}}})
            assert "result" in answer or "error" in answer
            _still_serving(client, n)
        except (AssertionError, OSError, EOFError, TimeoutError):
            culprit.append(lines)

    try:
        drive()
        assert not culprit, f"the relay stopped answering after the server sent {culprit[0]!r}"
    finally:
        assert client.close() == 0, client.stderr()[-2000:]


def _answer_of(response: Any, rid: str) -> dict[str, Any] | None:
    """The JSON-RPC answer with id `rid` in a streamable-HTTP response (JSON or an SSE stream)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        return body if isinstance(body, dict) and body.get("id") == rid else None
    for line in response.text.splitlines():
        if line.startswith("data:"):
            msg = json.loads(line[5:])
            if isinstance(msg, dict) and msg.get("id") == rid:
                return msg
    return None


def test_relay_message_shapes_fuzz_serve(tmp_path):
    """The same fuzz through `mcp-guard serve` (streamable HTTP): one session takes every message."""
    import httpx2 as httpx

    from tests.clients import serving

    server = Scripted(tmp_path / "spec.json", tools=[TOOL])
    config = write_config(tmp_path / "mcp-guard.toml", {"words": (server.command, 'trust = "tofu"\n')},
                          '[intent]\nmode = "off"\n')
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    culprit: list[bytes] = []
    counter = iter(range(10**9))
    with serving(config) as base, httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        init = http.post("/mcp", json={"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}})
        assert init.status_code == 200, init.text
        http.headers["mcp-session-id"] = init.headers["mcp-session-id"]
        http.headers["mcp-protocol-version"] = "2025-06-18"
        http.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"})

        def probe(n: int) -> None:
            rid = f"probe-{n}"
            answer = _answer_of(http.post("/mcp", json={"jsonrpc": "2.0", "id": rid, "method": "ping"}), rid)
            assert answer is not None and answer.get("result") == {}, answer

        @settings(max_examples=100, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(MESSAGES)
        def drive(body: bytes) -> None:
            if culprit:
                return
            try:
                http.post("/mcp", content=body)
                probe(next(counter))
            except (AssertionError, httpx.HTTPError, ValueError):
                culprit.append(body)

        drive()
        assert not culprit, f"serve stopped answering after {culprit[0]!r}"
        assert next(counter) >= 50  # the fuzz did run its examples
        rid = "last"
        called = _answer_of(http.post("/mcp", json={"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                                                   "params": {"name": "lookup", "arguments": {"q": "x"}}}), rid)
        assert called is not None and not called["result"].get("isError"), called
