"""Both protocol eras through `mcp-guard run`: the initialize handshake and 2026-07-28 (stateless).

An SDK `Client` in its default mode must negotiate through mcp-guard the revision it negotiates with
the server directly; a client that speaks only 2026-07-28 must be served in front of a server that
speaks only the handshake; and the revision's rules (versions, removed methods, list caching,
subscriptions/listen) must hold at the proxy.
"""

from __future__ import annotations

import os
import threading

import anyio
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from tests.clients import GUARD, RawClient, fixture, upstream_toml, write_config
from tests.support import npm_bin

pytestmark = pytest.mark.anyio

ECHO = fixture("echo_server.py")
VERSION = "io.modelcontextprotocol/protocolVersion"
CAPS = "io.modelcontextprotocol/clientCapabilities"
SUB = "io.modelcontextprotocol/subscriptionId"
ENVELOPE = {VERSION: "2026-07-28", "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"}, CAPS: {}}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def _isolated(home):
    """Every proxy here runs with an empty HOME: its database and config are the test's own."""


def everything() -> list[str]:
    return [*npm_bin("mcp-server-everything"), "stdio"]


def trusting(tmp_path, name: str, command: list[str]) -> str:
    return str(write_config(tmp_path / "mcp-guard.toml", upstream_toml(name, command, 'trust = "tofu"\n')))


async def negotiate(command: list[str], mode: str = "auto") -> tuple[str, list[str]]:
    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    with anyio.fail_after(60):
        async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
            tools = [t.name for t in (await client.list_tools()).tools]
            return client.protocol_version, tools


@pytest.mark.parametrize(("server", "expected"), [("sdk", "2026-07-28"), ("everything", "2025-11-25")])
async def test_sdk_client_negotiates_the_same_revision_through_mcp_guard(tmp_path, server, expected):
    command = ECHO if server == "sdk" else everything()
    config = trusting(tmp_path, server, command)
    direct = await negotiate(command)
    proxied = await negotiate([*GUARD, "--config", config, "run"])
    assert direct[0] == proxied[0] == expected
    assert proxied[1] == direct[1]  # tofu: every tool is served, under its own name


async def test_a_client_of_the_new_revision_only_is_served_by_a_handshake_server(tmp_path):
    """A client pinned to 2026-07-28 sends no discover and no initialize: mcp-guard opens an initialize
    session with the server for it and translates each request and result."""
    config = trusting(tmp_path, "everything", everything())
    params = StdioServerParameters(command=GUARD[0], args=[*GUARD[1:], "--config", config, "run"],
                                   env=dict(os.environ))
    with anyio.fail_after(60):
        async with Client(params, mode="2026-07-28") as client:
            assert "echo" in [t.name for t in (await client.list_tools()).tools]
            result = await client.call_tool("echo", {"message": "both eras"})
            assert not result.is_error and "both eras" in result.content[0].text


def test_the_revision_rules_hold_at_the_proxy(tmp_path):
    config = trusting(tmp_path, "everything", everything())
    client = RawClient([*GUARD, "--config", config, "run"])
    try:
        listed = client.request("tools/list", {"_meta": ENVELOPE})["result"]
        # the handshake server says nothing about caching: the proxy forbids reuse of a list review can change
        assert listed["ttlMs"] == 0 and listed["cacheScope"] == "private" and listed["resultType"] == "complete"
        again = client.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                              "clientInfo": {"name": "raw", "version": "1"}})
        assert again["error"]["code"] == -32022 and again["error"]["data"]["supported"] == ["2026-07-28"]
        future = client.request("tools/list", {"_meta": {**ENVELOPE, VERSION: "2099-01-01"}})
        assert future["error"]["code"] == -32022 and future["error"]["data"]["requested"] == "2099-01-01"
        bare = client.request("tools/list", {})
        assert bare["error"]["code"] == -32602 and CAPS in bare["error"]["message"]
        for removed in ("logging/setLevel", "resources/subscribe"):
            refused = client.request(removed, {"level": "info", "uri": "demo://x", "_meta": ENVELOPE})
            assert refused["error"]["code"] == -32601 and "2026-07-28" in refused["error"]["message"]

        pinged = client.request("ping")  # still answered without an envelope
        assert pinged["result"] == {"resultType": "complete"}
    finally:
        client.close()


def test_a_change_reaches_the_listen_stream_after_the_guards_relisted(tmp_path):
    """A 2026-07-28 server says list_changed only on a listen stream: the proxy keeps its own, its
    guards relist (the changed tool is held), then the client's stream hears it, stamped as its own."""
    config = trusting(tmp_path, "weather", fixture("rugpull_server.py"))
    client = RawClient([*GUARD, "--config", config, "run"])
    try:
        assert "supportedVersions" in client.request("server/discover", {"_meta": ENVELOPE})["result"]
        client.send({"jsonrpc": "2.0", "id": "listen-1", "method": "subscriptions/listen",
                     "params": {"notifications": {"toolsListChanged": True, "resourceSubscriptions": ["x"]},
                                "_meta": ENVELOPE}})
        ack = client.read()
        assert ack["method"] == "notifications/subscriptions/acknowledged"
        assert ack["params"] == {"notifications": {"toolsListChanged": True}, "_meta": {SUB: "listen-1"}}
        client.send({"jsonrpc": "2.0", "id": "call-1", "method": "tools/call",  # the server pulls the rug
                     "params": {"name": "get_forecast", "arguments": {"city": "Oslo"}, "_meta": ENVELOPE}})
        seen = [client.read(), client.read()]  # the result and the change, in either order
        ran = next(m for m in seen if m.get("id") == "call-1")
        assert ran["result"]["isError"] is False
        assert {"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
                "params": {"_meta": {SUB: "listen-1"}}} in seen
        refused = client.request("tools/call", {"name": "get_forecast", "arguments": {"city": "Oslo"},
                                                "_meta": ENVELOPE})
        text = refused["result"]["content"][0]["text"]
        assert refused["result"]["isError"] and "changed since it was approved" in text
        listed = client.request("tools/list", {"_meta": ENVELOPE})["result"]
        assert [t["name"] for t in listed["tools"]] == ["pull_rug"] and listed["ttlMs"] == 0
    finally:
        client.close()


def test_a_handshake_session_refuses_the_new_envelope(tmp_path):
    config = trusting(tmp_path, "echo", ECHO)
    client = RawClient([*GUARD, "--config", config, "run"])
    try:
        assert client.handshake()["result"]["protocolVersion"] == "2025-06-18"
        refused = client.request("tools/list", {"_meta": ENVELOPE})
        assert refused["error"]["code"] == -32600 and "initialize" in refused["error"]["message"]
        assert [t["name"] for t in client.request("tools/list")["result"]["tools"]] == ["echo", "blob"]
        client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    finally:
        client.close()


# --- streamable HTTP (`mcp-guard serve`) -------------------------------------------------------------


async def negotiate_http(url: str, argument: str) -> tuple[str, list[str], str]:
    with anyio.fail_after(60):
        async with Client(url) as client:
            tools = [t.name for t in (await client.list_tools()).tools]
            called = await client.call_tool("echo", {argument: "over http"})
            return client.protocol_version, tools, called.content[0].text


@pytest.mark.parametrize(("server", "expected"), [("sdk", "2026-07-28"), ("everything", "2025-11-25")])
async def test_sdk_client_negotiates_the_same_revision_through_serve(tmp_path, server, expected):
    """Directly the SDK server is served by the SDK's own streamable HTTP app; server-everything by its
    own streamableHttp mode. Through `serve` the revision must be the same."""
    from tests.clients import serving

    command = ECHO if server == "sdk" else everything()
    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml(server, command, 'trust = "tofu"\n'))
    with serving(config) as base:
        version, tools, text = await negotiate_http(f"{base}/mcp", "text" if server == "sdk" else "message")
    assert version == expected and "over http" in text
    assert "echo" in tools


def test_stateless_http_checks_the_headers_and_keeps_one_relay_per_credential(tmp_path):
    import httpx2 as httpx

    from tests.clients import serving

    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("echo", ECHO, 'trust = "tofu"\n'))
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "hi"}, "_meta": ENVELOPE}}
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json",
               "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo"}
    with serving(config) as base:
        ok = httpx.post(f"{base}/mcp", json=body, headers=headers, timeout=60)
        assert ok.status_code == 200 and "mcp-session-id" not in ok.headers
        assert ok.json()["id"] == 7 and ok.json()["result"]["content"][0]["text"] == "hi"
        mismatches = (("mcp-name", "blob"), ("mcp-method", "tools/list"), ("mcp-protocol-version", "2025-11-25"))
        for header, value in mismatches:
            bad = httpx.post(f"{base}/mcp", json=body, headers={**headers, header: value}, timeout=60)
            assert bad.status_code == 400 and bad.json()["error"]["code"] == -32020, header
        future = {**body, "params": {**body["params"], "_meta": {**ENVELOPE, VERSION: "2099-01-01"}}}
        bad = httpx.post(f"{base}/mcp", json=future, headers={**headers, "mcp-protocol-version": "2099-01-01"},
                         timeout=60)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == -32022
        # Two requests with the same id and the same (absent) credential: one relay, both answered.
        again = httpx.post(f"{base}/mcp", json=body, headers=headers, timeout=60)
        assert again.json()["result"]["content"][0]["text"] == "hi"


def test_a_stateless_request_is_judged_by_the_intent_its_token_carries(tmp_path):
    """No session in the revision: the `session start` token is what binds the declared intent."""
    import json
    import subprocess

    import httpx2 as httpx

    from tests.clients import serving

    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("notes", fixture("intent_server.py"), 'trust = "tofu"\n'))
    started = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent",
                              "Send a note to ada@example.com saying hello", "--json"],
                             capture_output=True, text=True, timeout=60, check=True)
    token = json.loads(started.stdout)["token"]
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json",
               "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "send_note",
               "authorization": f"Bearer {token}"}

    def send_note(to: str, rid: int) -> dict:
        body = {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                "params": {"name": "send_note", "arguments": {"to": to, "body": "hello"}, "_meta": ENVELOPE}}
        return httpx.post(f"{base}/mcp", json=body, headers=headers, timeout=60).json()["result"]

    with serving(config) as base:
        assert not send_note("ada@example.com", 1)["isError"]
        stray = send_note("eve@attacker.example", 2)
        assert stray["isError"] and "eve@attacker.example" in stray["content"][0]["text"]
        headers["authorization"] = "Bearer mcpg_forged"
        forged = httpx.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "tools/list",
                                                 "params": {"_meta": ENVELOPE}}, headers=headers, timeout=60)
        assert forged.status_code == 401


@pytest.mark.parametrize("era", ["handshake", "2026-07-28"])
def test_server_requests_pass_in_the_handshake_era_and_are_refused_in_the_new_one(tmp_path, era):
    """server-everything asks a client that declared `roots` for its roots: relayed to a handshake
    client; refused to the server for a 2026-07-28 client (the revision has no server requests)."""
    config = trusting(tmp_path, "everything", everything())
    client = RawClient([*GUARD, "--config", config, "run"])
    caps = {"roots": {"listChanged": True}}
    try:
        if era == "handshake":
            client.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": caps,
                                          "clientInfo": {"name": "raw", "version": "1"}})
            client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            while (asked := client.read()).get("method") != "roots/list":
                pass
            assert asked["id"].startswith("mcp-guard-")
            return
        meta = {**ENVELOPE, CAPS: caps}
        assert "tools" in client.request("tools/list", {"_meta": meta})["result"]
        echoed = client.request("tools/call", {"name": "echo", "arguments": {"message": "still served"},
                                               "_meta": meta})
        assert "still served" in echoed["result"]["content"][0]["text"]
        refused = threading.Event()  # the server asks when it gets to it: watch the proxy's log for it

        def watch() -> None:
            assert client.proc.stderr is not None
            for line in client.proc.stderr:
                if b"refused roots/list from upstream 'everything'" in line:
                    refused.set()
                    return

        threading.Thread(target=watch, daemon=True).start()
        assert refused.wait(30)
    finally:
        client.close()


async def test_an_http_upstream_of_the_new_revision_is_spoken_to_statelessly(tmp_path):
    """`run --url` in front of `serve`: the new revision only reaches the client if mcp-guard opened
    the HTTP upstream with server/discover and sent it stateless requests with their headers."""
    from tests.clients import serving

    served = write_config(tmp_path / "served.toml", upstream_toml("echo", ECHO, 'trust = "tofu"\n'))
    front = write_config(tmp_path / "front.toml", "")
    with serving(served) as base:
        version, tools = await negotiate([*GUARD, "--config", str(front), "run", "--url", f"{base}/mcp"])
    assert version == "2026-07-28"
    assert tools == []  # held: never reviewed by the front proxy


def test_an_answer_to_an_in_band_question_allows_that_call_once(tmp_path):
    """A 2026-07-28 client is asked with an input_required result; the state it returns only names the
    question: an approval is good for the call asked about, once, and never reaches the server."""
    text = upstream_toml("notes", fixture("intent_server.py"), 'trust = "tofu"\n') + '[storage]\npath = "g.db"\n'
    config = write_config(tmp_path / "mcp-guard.toml", text)
    client = RawClient([*GUARD, "--config", str(config), "run", "--intent", "Find the note about Q3"])
    meta = {**ENVELOPE, CAPS: {"elicitation": {"form": {}}}}
    yes = {"mcp-guard-approve": {"action": "accept", "content": {"approve": True}}}

    def delete(note: str, **retry) -> dict:
        return client.request("tools/call", {"name": "delete_note", "arguments": {"note_id": note},
                                             "_meta": meta, **retry})["result"]

    try:
        asked = delete("3")
        assert asked["resultType"] == "input_required" and "delete_note" in str(asked["inputRequests"])
        state = asked["requestState"]
        other = delete("4", requestState=state, inputResponses=yes)  # the answer is not about this call
        assert other["resultType"] == "input_required" and other["requestState"] != state
        assert delete("3", requestState=state, inputResponses=yes)["content"][0]["text"] == "deleted 3"
        again = delete("3", requestState=state, inputResponses=yes)  # used up
        assert again["resultType"] == "input_required"
        no = {"mcp-guard-approve": {"action": "decline"}}
        refused = delete("3", requestState=again["requestState"], inputResponses=no)
        assert refused["isError"] and "did not approve" in refused["content"][0]["text"]
    finally:
        client.close()


# --- serve's limits, Mcp-Param-* headers, one credential across eras --------------------------------

HTTP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json",
                "mcp-protocol-version": "2026-07-28"}


def stateless_call(base: str, name: str, arguments: dict, rid: int = 1, headers: dict | None = None):
    import httpx2 as httpx

    body = {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": name, "arguments": arguments, "_meta": ENVELOPE}}
    sent = {**HTTP_HEADERS, "mcp-method": "tools/call", "mcp-name": name, **(headers or {})}
    return httpx.post(f"{base}/mcp", json=body, headers=sent, timeout=60)


def handshake_session(base: str, headers: dict | None = None) -> str:
    """An initialize session over streamable HTTP, confirmed; returns its session id."""
    import httpx2 as httpx

    sent = {**HTTP_HEADERS, "mcp-protocol-version": "2025-11-25", **(headers or {})}
    opened = httpx.post(f"{base}/mcp", headers=sent, timeout=60, json={
        "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
    assert opened.status_code == 200, opened.text
    sid = opened.headers["mcp-session-id"]
    done = httpx.post(f"{base}/mcp", headers={**sent, "mcp-session-id": sid}, timeout=60,
                      json={"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert done.status_code == 202
    return sid


def handshake_call(base: str, sid: str, name: str, arguments: dict, headers: dict | None = None) -> dict:
    import json

    import httpx2 as httpx

    sent = {**HTTP_HEADERS, "mcp-protocol-version": "2025-11-25", "mcp-session-id": sid, **(headers or {})}
    answer = httpx.post(f"{base}/mcp", headers=sent, timeout=60, json={
        "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
    assert answer.status_code == 200, answer.text
    if answer.headers["content-type"].startswith("text/event-stream"):
        data = [line[5:] for line in answer.text.splitlines() if line.startswith("data:")]
        return json.loads(data[-1])
    return answer.json()


def test_a_stateless_relay_counts_against_serves_session_limits(tmp_path):
    """A client cannot pass serve's limits by going stateless: its relay takes a session slot."""
    import httpx2 as httpx

    from tests.clients import serving

    one_in_all = upstream_toml("echo", ECHO, 'trust = "tofu"\n') + "[serve]\nmax_sessions = 1\n"
    with serving(write_config(tmp_path / "total.toml", one_in_all)) as base:
        handshake_session(base)
        refused = stateless_call(base, "echo", {"text": "hi"})
        assert refused.status_code == 503 and "too many sessions" in refused.json()["error"]["message"]

    one_each = upstream_toml("echo", ECHO, 'trust = "tofu"\n') + "[serve]\nmax_sessions_per_client = 1\n"
    with serving(write_config(tmp_path / "each.toml", one_each)) as base:
        sid = handshake_session(base)
        served = stateless_call(base, "echo", {"text": "hi"})
        assert served.status_code == 200 and served.json()["result"]["content"][0]["text"] == "hi"
        # The client's one slot went to the stateless relay: its idle initialize session was ended for it.
        gone = httpx.post(f"{base}/mcp", headers={**HTTP_HEADERS, "mcp-session-id": sid}, timeout=60,
                          json={"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
        assert gone.status_code == 404
        handshake_session(base)  # and the other way round: the idle stateless relay gives its slot up
        again = stateless_call(base, "echo", {"text": "back"})
        assert again.json()["result"]["content"][0]["text"] == "back"


def test_a_stateless_relay_ended_for_another_session_takes_no_more_requests(tmp_path):
    """A credential's relay that serve's limits end goes on ending a while (its servers get time to
    exit); the credential's next request opens a new relay instead of going to the closed one (under
    load, the one before had not finished ending when the next request came: an error, not an answer)."""
    import shlex

    # Slow to end: ignores SIGTERM and lives on after its stdin closes, so the relay waits to kill it.
    slow = ["sh", "-c", f"trap '' TERM; {shlex.join(ECHO)}; sleep 5"]
    from tests.clients import serving

    one_each = upstream_toml("echo", slow, 'trust = "tofu"\n') + "[serve]\nmax_sessions_per_client = 1\n"
    with serving(write_config(tmp_path / "each.toml", one_each)) as base:
        assert stateless_call(base, "echo", {"text": "hi"}).status_code == 200
        handshake_session(base)  # takes the client's one slot: the stateless relay is ended for it
        again = stateless_call(base, "echo", {"text": "back"})
        assert again.status_code == 200, again.text
        assert again.json()["result"]["content"][0]["text"] == "back"


def test_mcp_param_headers_must_match_the_arguments(tmp_path):
    """A tool whose schema mirrors an argument into `Mcp-Param-Region`: the header and the body must agree
    (the revision's -32020 and 400 otherwise), whatever an intermediary before mcp-guard routed on."""
    import base64

    from tests.clients import serving

    conformance = fixture("conformance_server.py")
    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("fx", conformance, 'trust = "tofu"\n'))
    region = {"region": "eu-west"}
    with serving(config) as base:
        ok = stateless_call(base, "test_header_param", region, headers={"mcp-param-region": "eu-west"})
        assert ok.status_code == 200 and ok.json()["result"]["content"][0]["text"] == "region=eu-west"
        wrapped = "=?base64?" + base64.b64encode(b"eu-west").decode() + "?="
        ok = stateless_call(base, "test_header_param", region, headers={"Mcp-Param-Region": wrapped})
        assert ok.status_code == 200, ok.text
        for headers in ({}, {"mcp-param-region": "us-east"}, {"mcp-param-region": "=?base64?!!!?="}):
            bad = stateless_call(base, "test_header_param", region, headers=headers)
            assert bad.status_code == 400 and bad.json()["error"]["code"] == -32020, (headers, bad.text)
            assert bad.json()["id"] == 1
        extra = stateless_call(base, "test_header_param", {}, headers={"mcp-param-region": "eu-west"})
        assert extra.status_code == 400 and extra.json()["error"]["code"] == -32020
        # A tool without the annotation takes no such header into account.
        plain = stateless_call(base, "test_simple_text", {}, headers={"mcp-param-region": "anything"})
        assert plain.status_code == 200 and "simple text" in plain.json()["result"]["content"][0]["text"]


def test_a_session_tokens_budget_carries_across_eras(tmp_path):
    """One `session start` token is one session to the guards, whichever era a request speaks: calls
    made in an initialize session and stateless ones draw on the same budget."""
    import json
    import subprocess

    from tests.clients import serving

    text = upstream_toml("echo", ECHO, 'trust = "tofu"\n') + (
        '[profiles.twice]\nowner = "ops"\nallow = ["echo/echo"]\nbudget = { total = 2 }\n')
    config = write_config(tmp_path / "mcp-guard.toml", text)
    started = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent", "echo things",
                              "--profile", "twice", "--json"], capture_output=True, text=True, timeout=60, check=True)
    bearer = {"authorization": f"Bearer {json.loads(started.stdout)['token']}"}
    with serving(config) as base:
        sid = handshake_session(base, bearer)
        assert not handshake_call(base, sid, "echo", {"text": "one"}, bearer)["result"]["isError"]
        two = stateless_call(base, "echo", {"text": "two"}, headers=bearer).json()["result"]
        assert not two["isError"]
        three = stateless_call(base, "echo", {"text": "three"}, headers=bearer).json()["result"]
        assert three["isError"] and "budget" in three["content"][0]["text"]
        late = handshake_call(base, handshake_session(base, bearer), "echo", {"text": "four"}, bearer)["result"]
        assert late["isError"] and "budget" in late["content"][0]["text"]


@pytest.mark.parametrize(("email", "reaches"), [("ada@example.com", True), ("eve@attacker.example", False)])
def test_a_handshake_clients_elicitation_answer_is_judged_like_the_calls_arguments(tmp_path, email, reaches):
    """The handshake-era twin of a 2026-07-28 retry's inputResponses: where the client's answers are
    not the person's (`ask = "person"`), what it answers to the server's elicitation during a call
    reaches the server with that call, so a destination the declared intent never named is withheld
    from the server (and recorded), one it named passes. (With `ask = "client"` the answer is the
    person's word and is relayed: tests/test_proxy.py.)"""
    conformance = fixture("conformance_server.py")
    text = upstream_toml("fx", conformance, 'trust = "tofu"\n') + '[intent]\nask = "person"\n'
    config = write_config(tmp_path / "mcp-guard.toml", text)
    client = RawClient([*GUARD, "--config", str(config), "run", "--intent",
                                 "Run test_elicitation to sign me up as ada@example.com"])
    try:
        client.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {"elicitation": {"form": {}}},
                                      "clientInfo": {"name": "raw", "version": "1"}})
        client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        call = client.new_request("tools/call", {"name": "test_elicitation", "arguments": {"message": "Sign up"}})
        client.send(call)
        while (asked := client.read()).get("method") != "elicitation/create":
            assert asked.get("id") != call["id"], f"the call ended before its elicitation: {asked}"
        client.send({"jsonrpc": "2.0", "id": asked["id"], "result": {
            "action": "accept", "content": {"username": "ada", "email": email}}})
        while (answer := client.read()).get("id") != call["id"] or "method" in answer:
            pass
    finally:
        client.close()
    said = str(answer)
    if reaches:
        assert email in said and not answer["result"].get("isError"), said
    else:
        assert email not in said, said  # the server never saw it, so could not echo it
        assert "withheld" in said or answer.get("error") or answer["result"].get("isError"), said
    import json
    import subprocess

    shown = subprocess.run([*GUARD, "--config", str(config), "audit", "show", "--kind", "answer", "--json"],
                           capture_output=True, text=True, timeout=60, check=True)
    records = [json.loads(line) for line in shown.stdout.splitlines() if line.strip()]
    # A destination found nowhere is asked, not denied; either way the answer is withheld from the server.
    assert [r["data"]["decision"] for r in records] in ([["allow"]] if reaches else [["deny"], ["ask"]]), records


def test_a_handshake_client_answers_a_new_revision_servers_input_requests(tmp_path):
    """A server of 2026-07-28 only asks for input with `input_required` results; a handshake client
    takes server requests instead. mcp-guard puts each input request to the client as the request it
    stands for, and retries with the answers and the server's requestState, round after round."""
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([*fixture("conformance_server.py"), "--http", str(port), "--modern-only"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the fixture server did not listen"
                time.sleep(0.2)
        config = write_config(tmp_path / "mcp-guard.toml",
                              f'[upstreams.fx]\nurl = "http://127.0.0.1:{port}/mcp"\ntrust = "tofu"\n')
        client = RawClient([*GUARD, "--config", str(config), "run"])
        asked: list[str] = []
        try:
            client.request("initialize", {"protocolVersion": "2025-11-25",
                                          "capabilities": {"elicitation": {"form": {}}, "roots": {}},
                                          "clientInfo": {"name": "raw", "version": "1"}})
            client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            call = client.new_request("tools/call", {"name": "test_input_required_result_multi_round",
                                                     "arguments": {}})
            client.send(call)
            # each question says which server asks it (never mcp-guard, whose own questions open with its name)
            answers = {"The server 'fx' asks: Step 1: What is your name?": {"name": "Ada"},
                       "The server 'fx' asks: Step 2: What is your favorite color?": {"color": "teal"}}
            while (msg := client.read()).get("id") != call["id"] or "method" in msg:
                if msg.get("method") == "elicitation/create":
                    asked.append(msg["params"]["message"])
                    client.send({"jsonrpc": "2.0", "id": msg["id"], "result": {
                        "action": "accept", "content": answers[msg["params"]["message"]]}})
        finally:
            client.close()
    finally:
        server.terminate()
        server.wait(10)
    assert asked == list(answers)
    assert msg["result"]["content"][0]["text"] == "Ada likes teal", msg


def session_starts(config: str) -> list[dict]:
    from mcp_guard.audit.log import AuditLog
    from mcp_guard.config import load_config
    from mcp_guard.store import open_store

    return [r.data for r in AuditLog(open_store(load_config(config).db_path)).records(kind="session.start")]


@pytest.mark.parametrize(("server", "era"), [("sdk", "2026-07-28"), ("everything", "handshake")])
async def test_the_session_start_record_names_the_era_the_session_runs(tmp_path, server, era):
    """The SDK client probes `server/discover` first; in front of a handshake-only server it falls back
    to initialize. The audit's start record names the era the session then ran, not the probe's."""
    config = trusting(tmp_path, server, ECHO if server == "sdk" else everything())
    await negotiate([*GUARD, "--config", config, "run"])
    starts = session_starts(config)
    assert [s["era"] for s in starts] == [era]
    assert starts[0]["client"].get("name")  # the client that ran it, from whichever opening it used


def test_a_client_that_falls_back_from_its_probe_gets_a_handshake_version(tmp_path):
    """A client that probes `server/discover`, then sends `initialize` before the probe is answered
    (Claude Code does when its probe times out while the servers start), must get the handshake
    version it asked for, though the server was opened in the 2026-07-28 era for the probe."""
    config = trusting(tmp_path, "sdk", ECHO)
    client = RawClient([*GUARD, "--config", config, "run"])
    try:
        probe = client.new_request("server/discover", {"_meta": ENVELOPE})
        init = client.new_request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                                 "clientInfo": {"name": "raw", "version": "1"}})
        client.send(probe)
        client.send(init)
        answers = {}
        while len(answers) < 2:
            msg = client.read()
            if "method" not in msg:
                answers[msg["id"]] = msg
        assert answers[init["id"]]["result"]["protocolVersion"] == "2025-06-18"
        assert "error" in answers[probe["id"]]  # the session speaks the era its initialize opened
        client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools = client.request("tools/list")["result"]["tools"]
        assert [t["name"] for t in tools]  # the session works in the era the client chose
    finally:
        client.close()
    assert [s["era"] for s in session_starts(config)] == ["handshake"]
