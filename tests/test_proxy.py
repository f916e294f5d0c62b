"""The stdio proxy (`mcp-guard run`) in front of real SDK servers: transparency, relayed features, faults."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import pytest
from mcp import types
from mcp.shared.exceptions import MCPError

from tests.clients import (
    GUARD,
    RawClient,
    fixture,
    guard_raw,
    guarded,
    host_pid,
    pid_alive,
    upstream_toml,
    wait_gone,
    write_config,
)

pytestmark = pytest.mark.anyio

ECHO = fixture("echo_server.py")
FAULTY = fixture("faulty_server.py")
CONFORMANCE = fixture("conformance_server.py")


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def _isolated(home):
    """Every proxy here runs with an empty HOME: its database and config are the test's own."""


def open_trust(tmp_path, *upstreams: tuple[str, list[str], str]) -> str:
    """A config whose upstreams trust their tools on first use, so calls reach them."""
    text = "".join(upstream_toml(name, cmd, 'trust = "tofu"\n' + extra) for name, cmd, extra in upstreams)
    return str(write_config(tmp_path / "mcp-guard.toml", text))


def test_transparent_for_what_it_does_not_govern(tmp_path):
    """Responses through the proxy equal the server's own, unknown fields and methods included."""
    config = open_trust(tmp_path, ("echo", ECHO, ""))
    answers = []
    for argv in (ECHO, [*GUARD, "--config", config, "run", "--upstream", "echo"]):
        client = RawClient(argv)
        try:
            init = client.handshake()
            listed = client.request("tools/list", {"_meta": {"vendor.example/trace": "abc"}})
            called = client.request("tools/call", {"name": "echo", "arguments": {"text": "é ✓ \u2028"},
                                                   "_meta": {"progressToken": 7}}, x_vendor={"keep": True})
            unknown = client.request("vendor/unknown", {"a": 1})
            ping = client.request("ping")
            answers.append((init["result"]["serverInfo"], listed, called, unknown["error"]["code"], ping))
        finally:
            client.close()
    assert answers[0] == answers[1]


async def test_tools_and_results_through_proxy(tmp_path):
    config = open_trust(tmp_path, ("echo", ECHO, ""))
    async with guarded(["--upstream", "echo"], env={"MCP_GUARD_CONFIG": config}) as s:
        names = [t.name for t in (await s.list_tools()).tools]
        assert names == ["echo", "blob"]
        result = await s.call_tool("blob", {"size": 65536})
        assert len(result.content[0].text) == 65536


async def test_sampling_elicitation_roots_progress_logging_relayed(tmp_path):
    config = open_trust(tmp_path, ("conf", CONFORMANCE, ""), ("faulty", FAULTY, ""))
    seen: dict[str, object] = {}

    async def sampling(ctx, params: types.CreateMessageRequestParams):
        seen["sampling"] = params.messages[0].content.text
        return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="42"),
                                         model="test-model")

    async def elicitation(ctx, params):
        seen["elicitation"] = params.message
        return types.ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.com"})

    async def roots(ctx):
        return types.ListRootsResult(roots=[types.Root(uri="file:///srv/project", name="project")])

    logs: list[str] = []

    async def logging_cb(params: types.LoggingMessageNotificationParams):
        logs.append(str(params.data))

    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None):
        progress.append(value)

    async with guarded([], env={"MCP_GUARD_CONFIG": config}, sampling_callback=sampling,
                       elicitation_callback=elicitation, list_roots_callback=roots,
                       logging_callback=logging_cb) as s:
        r = await s.call_tool("conf__test_sampling", {"prompt": "six times seven?"})
        assert r.content[0].text == "LLM response: 42" and seen["sampling"] == "six times seven?"
        r = await s.call_tool("conf__test_elicitation", {"message": "who are you?"})
        # the server's question reaches the person saying whose it is
        assert "ada@example.com" in r.content[0].text and seen["elicitation"] == "The server 'conf' asks: who are you?"
        r = await s.call_tool("conf__test_tool_with_progress", {}, progress_callback=on_progress)
        assert progress == [0, 50, 100]
        await s.call_tool("conf__test_tool_with_logging", {})
        assert logs[-3:] == ["Tool execution started", "Tool processing data", "Tool execution completed"]
    # The client's roots answer reaches the server with the call, judged like its arguments (without
    # a declared intent, an unnamed location is withheld): here a profile allows the tool.
    allowed = tmp_path / "roots.toml"
    allowed.write_text(Path(config).read_text() + '\n[profiles.roots]\nowner = "me@example.com"\n'
                       'allow = ["faulty/roots"]\n')
    async with guarded(["--profile", "roots"], env={"MCP_GUARD_CONFIG": str(allowed)},
                       list_roots_callback=roots) as s:
        r = await s.call_tool("faulty__roots", {})
        assert r.content[0].text == "file:///srv/project"


async def test_several_upstreams_are_namespaced_and_routed(tmp_path):
    config = open_trust(tmp_path, ("echo", ECHO, ""), ("conf", CONFORMANCE, ""))
    async with guarded([], env={"MCP_GUARD_CONFIG": config}) as s:
        names, cursor = [], None
        while True:
            page = await s.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
            names += [t.name for t in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        assert {"echo__echo", "echo__blob", "conf__test_simple_text"} <= set(names)
        assert all(n.startswith(("echo__", "conf__")) for n in names)
        # Neither upstream paginates, so one page holds both: clients that ignore cursors miss nothing.
        assert cursor is None and len(names) == len(set(names))
        assert (await s.call_tool("echo__echo", {"text": "routed"})).content[0].text == "routed"
        prompts = [p.name for p in (await s.list_prompts()).prompts]
        assert "conf__test_simple_prompt" in prompts
        got = await s.get_prompt("conf__test_simple_prompt")
        assert got.messages[0].content.text
        await s.list_resources()
        read = await s.read_resource("test://static-text")
        assert read.contents[0].text
        with pytest.raises(MCPError, match="Unknown tool: nobody__echo"):
            await s.call_tool("nobody__echo", {"text": "x"})
        with pytest.raises(MCPError, match=r"named UPSTREAM__TOOL: 'echo__echo'\)"):
            await s.call_tool("echo", {"text": "x"})  # the tool's own name: the error says how it is named here


async def test_list_changed_from_upstream_is_forwarded(tmp_path):
    config = open_trust(tmp_path, ("faulty", FAULTY, ""))
    changed = anyio.Event()

    async def handler(message):
        if isinstance(message, types.ServerNotification) or getattr(message, "method", None):
            if "list_changed" in str(message):
                changed.set()

    async with guarded([], env={"MCP_GUARD_CONFIG": config}, message_handler=handler) as s:
        await s.call_tool("add_tool", {"name": "fresh"})
        with anyio.fail_after(10):
            await changed.wait()
        # Trust on first use covers what the server had at first sight; a tool added later is held.
        names = [t.name for t in (await s.list_tools()).tools]
        assert "add_tool" in names and "fresh" not in names
        held = await s.call_tool("fresh", {})
        assert held.is_error and "awaits review" in held.content[0].text


def test_cancellation_reaches_the_upstream(tmp_path):
    config = open_trust(tmp_path, ("faulty", FAULTY, ""))
    marker = tmp_path / "cancelled"
    # the path is a value of the call: the session's intent names it (an unnamed path is refused)
    client = guard_raw(["--upstream", "faulty", "--intent", f"hang, marking {marker}"],
                       env={"MCP_GUARD_CONFIG": config})
    try:
        client.handshake()
        client.send({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                     "params": {"name": "hang", "arguments": {"marker": str(marker)}}})
        anyio.run(anyio.sleep, 0.5)
        client.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 99}})
        for _ in range(100):
            if marker.exists():
                break
            anyio.run(anyio.sleep, 0.1)
        assert marker.read_text() == "cancelled"
        assert client.request("ping")["result"] == {}
    finally:
        client.close()


def test_crashing_upstream_errors_its_pending_call_and_restarts(tmp_path):
    config = open_trust(tmp_path, ("faulty", FAULTY, ""))
    client = guard_raw(["--upstream", "faulty"], env={"MCP_GUARD_CONFIG": config})
    try:
        client.handshake()
        first_pid = client.request("tools/call", {"name": "pid", "arguments": {}})["result"]["structuredContent"]
        first_pid = host_pid(first_pid["result"], client.proc.pid)
        crashed = client.request("tools/call", {"name": "crash", "arguments": {"code": 7}})
        assert crashed["error"]["message"].startswith("upstream 'faulty' exited with code 7")
        for _ in range(50):  # restarted with backoff (0.5 s first)
            again = client.request("tools/call", {"name": "pid", "arguments": {}})
            if "result" in again:
                break
            anyio.run(anyio.sleep, 0.2)
        assert host_pid(again["result"]["structuredContent"]["result"], client.proc.pid) != first_pid
        assert wait_gone(first_pid)
    finally:
        client.close()


def test_hung_upstream_call_times_out(tmp_path):
    config = open_trust(tmp_path, ("faulty", FAULTY, "call_timeout = 1\n"))
    client = guard_raw(["--upstream", "faulty"], env={"MCP_GUARD_CONFIG": config})
    try:
        client.handshake()
        answer = client.request("tools/call", {"name": "hang", "arguments": {}})
        assert answer["error"]["message"] == "upstream 'faulty' did not answer tools/call within 1 s"
        assert client.request("ping")["result"] == {}
    finally:
        client.close()


def test_bad_messages_from_either_side_never_kill_the_proxy(tmp_path):
    config = open_trust(tmp_path, ("faulty", FAULTY, ""))
    config_path = tmp_path / "mcp-guard.toml"
    config_path.write_text("[proxy]\nmax_message_bytes = 100000\n" + config_path.read_text())
    client = guard_raw(["--upstream", "faulty"], env={"MCP_GUARD_CONFIG": config})
    try:
        client.handshake()
        client.send_raw(b"this is not json\n")
        assert client.read()["error"]["code"] == -32700
        client.send_raw(b'{"jsonrpc": "2.0", "id": 5, "method": 12}\n')
        bad = client.read()
        assert bad["id"] == 5 and bad["error"]["code"] == -32600
        client.send_raw(b'{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"x","pad":"'
                        + b"y" * 200_000 + b'"}}\n')
        big = client.read()
        assert big["id"] == 6 and "exceeds the limit of 100000 bytes" in big["error"]["message"]
        too_big = client.request("tools/call", {"name": "huge", "arguments": {"size": 300_000}})
        assert "sent an invalid response" in too_big["error"]["message"]
        fine = client.request("tools/call", {"name": "huge", "arguments": {"size": 1000}})
        assert len(fine["result"]["content"][0]["text"]) == 1000
    finally:
        client.close()


def test_client_going_away_mid_call_ends_the_upstream(tmp_path):
    config = open_trust(tmp_path, ("faulty", FAULTY, ""))
    client = guard_raw(["--upstream", "faulty"], env={"MCP_GUARD_CONFIG": config})
    client.handshake()
    pid = client.request("tools/call", {"name": "pid", "arguments": {}})["result"]["structuredContent"]["result"]
    pid = host_pid(pid, client.proc.pid)
    client.send({"jsonrpc": "2.0", "id": 50, "method": "tools/call", "params": {"name": "hang", "arguments": {}}})
    anyio.run(anyio.sleep, 0.3)
    assert pid_alive(pid)
    assert client.close() == 0
    assert wait_gone(pid)


def test_denied_tools_are_hidden_and_refused(tmp_path):
    config = open_trust(tmp_path, ("echo", ECHO, 'tools.deny = ["blob"]\n'))
    client = guard_raw(["--upstream", "echo"], env={"MCP_GUARD_CONFIG": config})
    try:
        client.handshake()
        listed = client.request("tools/list")
        assert [t["name"] for t in listed["result"]["tools"]] == ["echo"]
        refused = client.request("tools/call", {"name": "blob", "arguments": {"size": 1}})
        assert refused["result"]["isError"] is True
        assert "not allowed by the config (deny 'blob')" in refused["result"]["content"][0]["text"]
    finally:
        client.close()


def test_upstream_that_cannot_start_is_a_clear_initialize_error(tmp_path):
    client = guard_raw(["--", "/nonexistent/server-binary", "--flag"])
    try:
        answer = client.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                               "clientInfo": {"name": "t", "version": "1"}})
        assert answer["error"]["message"] == ("mcp-guard cannot start: upstream 'server-binary' could not be "
                                              "started: command not found: /nonexistent/server-binary")
    finally:
        client.close()


@pytest.mark.parametrize("text, expected", [
    ("[upstreams.x]\ncomand = 'a'\n", "upstreams.x.comand: unknown key (did you mean 'command'?)"),
    ("[upstreams.x]\ncommand = 'a'\nurl = 'http://h'\n", "give exactly one of 'command'"),
    ("not = [valid", "not valid TOML"),
])
def test_config_mistakes_are_one_line_errors(tmp_path, text, expected):
    import subprocess

    path = write_config(tmp_path / "bad.toml", text)
    done = subprocess.run([*GUARD, "--config", str(path), "run"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"mcp-guard: error: {path}")


def test_notifications_are_held_until_the_client_is_initialized(tmp_path):
    """Logging sent by the upstream before notifications/initialized reaches the client only after it."""
    config = open_trust(tmp_path, ("conf", CONFORMANCE, ""))
    client = guard_raw(["--upstream", "conf"], env={"MCP_GUARD_CONFIG": config})
    try:
        client.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                      "clientInfo": {"name": "t", "version": "1"}})
        client.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                     "params": {"name": "test_tool_with_logging", "arguments": {}}})
        first = client.read()
        assert first["id"] == 2  # the response: the log notifications were held back
        client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        held = [client.read() for _ in range(3)]
        assert [m["method"] for m in held] == ["notifications/message"] * 3
        assert json.dumps(held[0]["params"]["data"]) == '"Tool execution started"'
    finally:
        client.close()


def test_requests_before_initialize_are_refused_and_pipelined_ones_wait(tmp_path):
    config = open_trust(tmp_path, ("echo", ECHO, ""))
    client = guard_raw(["--upstream", "echo"], env={"MCP_GUARD_CONFIG": config})
    try:
        early = client.request("tools/list")
        assert early["error"]["message"] == "mcp-guard: tools/list before initialize: send initialize first"
        # A client that does not wait for the initialize answer still gets a guarded list afterwards.
        client.send({"jsonrpc": "2.0", "id": "i", "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        client.send({"jsonrpc": "2.0", "id": "l", "method": "tools/list"})
        answers = {m["id"]: m for m in (client.read(), client.read())}
        assert answers["i"]["result"]["serverInfo"]["name"] == "echo"
        assert [t["name"] for t in answers["l"]["result"]["tools"]] == ["echo", "blob"]
    finally:
        client.close()


async def test_held_prompts_and_resources_cannot_be_fetched_directly(tmp_path):
    """Under review (the default) a new server's prompts and listed resources are hidden and refused."""
    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("conf", CONFORMANCE))
    async with guarded([], env={"MCP_GUARD_CONFIG": str(config)}) as s:
        assert (await s.list_prompts()).prompts == []
        with pytest.raises(MCPError, match="awaits review"):
            await s.get_prompt("test_simple_prompt")
        assert (await s.list_resources()).resources == []
        with pytest.raises(MCPError, match="awaits review"):
            await s.read_resource("test://static-text")


def test_server_instructions_are_withheld_until_reviewed(tmp_path):
    """Instructions reach the model: a new server's are withheld under review, passed once approved."""
    import subprocess

    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("faulty", FAULTY))
    env = {"MCP_GUARD_CONFIG": str(config)}

    def instructions() -> str | None:
        client = guard_raw(["--upstream", "faulty"], env=env)
        try:
            return client.handshake()["result"].get("instructions")
        finally:
            client.close()

    assert instructions() is None
    listed = subprocess.run([*GUARD, "review", "list", "--json"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, **env}, check=True)
    [server] = [i for i in json.loads(listed.stdout) if i["kind"] == "server"]
    subprocess.run([*GUARD, "review", "approve", server["id"], "--reason", "read them"], timeout=60,
                   env={**os.environ, **env}, check=True, capture_output=True)
    assert instructions() == "A server that fails on purpose."
