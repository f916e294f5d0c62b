"""`serve` with `share = "all"`: one upstream process for many client sessions, judged per session."""

from __future__ import annotations

import json
import subprocess
import sys

import anyio
import pytest
from mcp import types
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from mcp_guard.config import parse_config
from mcp_guard.errors import ConfigError
from tests.clients import GUARD, fixture, pid_alive, serving, upstream_toml, wait_gone, write_config
from tests.support import REPO

pytestmark = pytest.mark.anyio

SHARED = fixture("shared_server.py")


@pytest.fixture
def anyio_backend():
    return "asyncio"


def _config(tmp_path, extra: str = 'trust = "tofu"\nshare = "all"', name: str = "shared", command=SHARED):
    # These tests tell the server's processes apart by the pid each reports: a plain child, since an
    # isolated one is pid 1 of its own namespace (tests/test_lifecycle.py follows those from outside).
    return write_config(tmp_path / "mcp-guard.toml", upstream_toml(name, command, extra + "\nisolate = false"))


def _session(base: str, token: str | None = None, **callbacks):
    """An initialized SDK client session over streamable HTTP to `serve`."""
    import contextlib

    @contextlib.asynccontextmanager
    async def opened():
        headers = {"Authorization": f"Bearer {token}"} if token else None
        async with create_mcp_http_client(headers=headers) as http, \
                streamable_http_client(f"{base}/mcp", http_client=http) as (read, write), \
                ClientSession(read, write, **callbacks) as s:
            await s.initialize()
            yield s

    return opened()


async def _pid(s: ClientSession) -> int:
    return int((await s.call_tool("pid", {})).structured_content["result"])


async def test_two_sessions_share_one_process_and_get_their_own_results_and_progress(tmp_path, home):
    config = _config(tmp_path)
    progress: dict[str, list[str | None]] = {"a": [], "b": []}

    def on_progress(who: str):
        async def record(value: float, total: float | None, message: str | None) -> None:
            progress[who].append(message)
        return record

    with serving(config) as base:
        async with _session(base) as a, _session(base) as b:
            pid = await _pid(a)
            assert await _pid(b) == pid  # one process for both
            results: dict[str, str] = {}

            async def call(who: str, s: ClientSession) -> None:
                r = await s.call_tool("progress", {"tag": who, "steps": 5}, progress_callback=on_progress(who))
                results[who] = r.content[0].text

            async with anyio.create_task_group() as tg:  # at once: same ids, same progress tokens
                tg.start_soon(call, "a", a)
                tg.start_soon(call, "b", b)
            assert results == {"a": "a", "b": "b"}
            assert progress["a"] == ["a"] * 5 and progress["b"] == ["b"] * 5
        async with _session(base) as c:  # the sessions ended; the server stays for the next one
            assert await _pid(c) == pid
    assert await anyio.to_thread.run_sync(wait_gone, pid)  # and ends with serve


async def test_one_session_cancelling_its_call_leaves_the_other_sessions_same_id_alone(tmp_path, home):
    config = _config(tmp_path)
    with serving(config) as base:
        async with _session(base) as a, _session(base) as b:
            done: dict[str, str] = {}

            async def cancelled() -> None:
                with anyio.move_on_after(0.5):  # the SDK client sends notifications/cancelled for it
                    await a.call_tool("wait", {"seconds": 2, "tag": "a"})
                    done["a"] = "answered"

            async def waits() -> None:
                done["b"] = (await b.call_tool("wait", {"seconds": 2, "tag": "b"})).content[0].text

            async with anyio.create_task_group() as tg:  # both clients number this request alike
                tg.start_soon(cancelled)
                tg.start_soon(waits)
            assert done == {"b": "b"}
            assert (await a.call_tool("echo", {"text": "still here"})).content[0].text == "still here"


async def test_list_changed_reaches_every_session_and_a_log_only_the_session_it_is_about(tmp_path, home):
    config = _config(tmp_path)
    heard: dict[str, list[str]] = {"a": [], "b": []}
    logs: dict[str, list[str]] = {"a": [], "b": []}

    def handler(who: str):
        async def on_message(message) -> None:
            if isinstance(message, types.ToolListChangedNotification):
                heard[who].append("tools")
        return on_message

    def logger(who: str):
        async def on_log(params: types.LoggingMessageNotificationParams) -> None:
            logs[who].append(str(params.data))
        return on_log

    with serving(config) as base:
        async with _session(base, message_handler=handler("a"), logging_callback=logger("a")) as a, \
                _session(base, message_handler=handler("b"), logging_callback=logger("b")) as b:
            await a.call_tool("log", {"text": "a's secret"})
            await b.set_logging_level("debug")  # answered by mcp-guard: it would be every session's level
            assert (await a.call_tool("changed", {})).content[0].text == "told"
            with anyio.fail_after(20):
                while heard != {"a": ["tools"], "b": ["tools"]}:
                    await anyio.sleep(0.05)
    assert logs == {"a": ["a's secret"], "b": []}


async def test_a_held_tool_is_held_for_every_session(tmp_path, home):
    config = _config(tmp_path, 'share = "all"')  # trust = "review": every tool awaits review
    with serving(config) as base:
        async with _session(base) as a, _session(base) as b:
            for s in (a, b):
                assert (await s.list_tools()).tools == []
                refused = await s.call_tool("echo", {"text": "hi"})
                assert refused.is_error and "awaits review" in refused.content[0].text


async def test_intent_of_one_session_does_not_apply_to_another(tmp_path, home):
    config = _config(tmp_path, name="notes", command=fixture("intent_server.py"))
    started = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent",
                              "Send a note to ada@example.com saying hello", "--json"],
                             capture_output=True, text=True, timeout=60, check=True)
    token = json.loads(started.stdout)["token"]
    # (B has a token too: while session tokens are live, a request without one is refused)
    other_token = json.loads(subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent",
                                             "Summarise my notes", "--json"], capture_output=True, text=True,
                                            timeout=60, check=True).stdout)["token"]
    note = {"to": "ada@example.com", "body": "hello"}
    with serving(config) as base:
        async with _session(base, token) as a, _session(base, other_token) as b:
            assert not (await a.call_tool("send_note", note)).is_error
            other = await b.call_tool("send_note", note)  # B's intent names no one: a destination nobody named
            assert other.is_error and "ada@example.com" in other.content[0].text
            stray = await a.call_tool("send_note", {"to": "eve@attacker.example", "body": "hello"})
            assert stray.is_error and "eve@attacker.example" in stray.content[0].text


async def test_a_server_request_goes_to_the_session_it_is_for(tmp_path, home):
    config = _config(tmp_path)
    asked: dict[str, list[str]] = {"a": [], "b": []}

    def answer(who: str):
        async def elicit(ctx, params):
            asked[who].append(params.message)
            return types.ElicitResult(action="accept", content={"name": who})
        return elicit

    with serving(config) as base:
        async with _session(base, elicitation_callback=answer("a")) as a, \
                _session(base, elicitation_callback=answer("b")) as b:
            assert (await a.call_tool("ask", {"question": "who is a?"})).content[0].text == "accept:a"
            assert (await b.call_tool("ask", {"question": "who is b?"})).content[0].text == "accept:b"
    said = "The server 'shared' asks: "  # a server's question says whose it is
    assert asked == {"a": [said + "who is a?"], "b": [said + "who is b?"]}


async def test_a_crash_fails_every_session_pending_call_and_the_server_restarts(tmp_path, home):
    config = _config(tmp_path)
    with serving(config) as base:
        async with _session(base) as a, _session(base) as b:
            first = await _pid(a)
            failures: list[str] = []

            async def pending(s: ClientSession) -> None:
                try:
                    r = await s.call_tool("wait", {"seconds": 60, "tag": "late"})
                    failures.append(f"answered: {r.content[0].text}")
                except MCPError as err:
                    failures.append(str(err))

            async with anyio.create_task_group() as tg:
                tg.start_soon(pending, a)
                tg.start_soon(pending, b)
                await anyio.sleep(0.5)
                with pytest.raises(MCPError):
                    await a.call_tool("crash", {})
            assert len(failures) == 2 and all("exited" in f and "shared" in f for f in failures), failures
            assert not pid_alive(first)
            with anyio.fail_after(30):
                while True:  # restarted with backoff, once for both sessions
                    try:
                        again_a = await _pid(a)
                        break
                    except MCPError:
                        await anyio.sleep(0.2)
            assert again_a != first and await _pid(b) == again_a


async def test_a_timed_out_call_restarts_the_server_only_if_it_stopped_answering(tmp_path, home):
    """A call past `call_timeout` is followed by a ping: this server serves requests concurrently and
    answers it, so it keeps running for every session (a stuck one is restarted: tests/attacks)."""
    config = _config(tmp_path, 'trust = "tofu"\nshare = "all"\ncall_timeout = 2')
    with serving(config) as base:
        async with _session(base) as a, _session(base) as b:
            first = await _pid(a)
            with pytest.raises(MCPError, match="did not answer"):
                await a.call_tool("wait", {"seconds": 30, "tag": "slow"})
            await anyio.sleep(3)  # the ping, answered
            assert pid_alive(first) and await _pid(b) == first


def _rpc(base: str, headers: dict[str, str], rid: int, method: str, params: dict | None = None) -> dict:
    """One raw JSON-RPC request over streamable HTTP; its answer (JSON or SSE), the session id kept in `headers`."""
    import httpx2 as httpx

    msg = {"jsonrpc": "2.0", "id": rid, "method": method, **({"params": params} if params is not None else {})}
    resp = httpx.post(f"{base}/mcp", json=msg, headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    headers.setdefault("mcp-session-id", resp.headers.get("mcp-session-id", ""))
    bodies = [line[5:] for line in resp.text.splitlines() if line.startswith("data:")] or [resp.text]
    return next(m for m in map(json.loads, bodies) if m.get("id") == rid)


def _open(base: str) -> dict[str, str]:
    import httpx2 as httpx

    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    _rpc(base, headers, 1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                          "clientInfo": {"name": "t", "version": "1"}})
    httpx.post(f"{base}/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
    return headers


def test_tasks_and_the_logging_level_stay_with_their_session(tmp_path, home):
    """A server's task is reached only by the session whose call created it; `tasks/list` (every
    session's tasks) and `logging/setLevel` (every session's level) never reach a shared server."""
    received = tmp_path / "received.log"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({
        "log": str(received), "tools": [{"name": "start", "inputSchema": {"type": "object"}}],
        "call": {"result": {"task": {"taskId": "task-a", "status": "working", "createdAt": "2026-12-06T00:00:00Z",
                                     "lastUpdatedAt": "2026-12-06T00:00:00Z", "ttl": None}}},
        "methods": {"tasks/get": {"result": {"taskId": "task-a", "status": "working",
                                             "createdAt": "2026-12-06T00:00:00Z",
                                             "lastUpdatedAt": "2026-12-06T00:00:00Z", "ttl": None}}},
    }))
    scripted = [sys.executable, str(REPO / "tests" / "attacks" / "servers" / "scripted.py"), str(spec)]
    config = _config(tmp_path, command=scripted)
    with serving(config) as base:
        a, b = _open(base), _open(base)
        _rpc(base, a, 2, "tools/list")
        created = _rpc(base, a, 3, "tools/call", {"name": "start", "arguments": {}})
        assert created["result"]["task"]["taskId"] == "task-a"
        assert _rpc(base, a, 4, "tasks/get", {"taskId": "task-a"})["result"]["status"] == "working"
        for method, params in (("tasks/get", {"taskId": "task-a"}), ("tasks/result", {"taskId": "task-a"}),
                               ("tasks/list", {})):
            refused = _rpc(base, b, 2, method, params)
            assert refused["error"]["code"] == -32602 and "this session created" in refused["error"]["message"]
        assert _rpc(base, b, 3, "logging/setLevel", {"level": "debug"})["result"] == {}
    methods = [json.loads(line).get("method") for line in received.read_text().splitlines()]
    assert methods.count("tasks/get") == 1 and "tasks/result" not in methods and "tasks/list" not in methods
    assert "logging/setLevel" not in methods and methods.count("initialize") == 1


def test_subscriptions_are_counted_per_session(tmp_path, home):
    """The shared server is subscribed while any session is: the first subscribe and the last
    unsubscribe of a URI reach it, and a session cannot unsubscribe another's."""
    received = tmp_path / "received.log"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"log": str(received), "resources": [{"uri": "test://x", "name": "x"}]}))
    config = _config(tmp_path, command=[sys.executable, str(REPO / "tests" / "attacks" / "servers" / "scripted.py"),
                                        str(spec)])
    with serving(config) as base:
        a, b = _open(base), _open(base)
        _rpc(base, a, 2, "resources/list")
        _rpc(base, b, 2, "resources/list")

        def sent() -> list[str]:
            lines = received.read_text().splitlines()
            return [m["method"] for m in map(json.loads, lines) if m.get("method", "").startswith("resources/")
                    and m["method"].endswith("subscribe")]

        for rid, (headers, method) in enumerate([(a, "resources/subscribe"), (b, "resources/subscribe"),
                                                 (b, "resources/unsubscribe"), (b, "resources/unsubscribe")], 3):
            assert "result" in _rpc(base, headers, rid, method, {"uri": "test://x"})
        assert sent() == ["resources/subscribe"]  # B's subscribe and its two unsubscribes stayed here
        assert "result" in _rpc(base, a, 9, "resources/unsubscribe", {"uri": "test://x"})
        assert sent() == ["resources/subscribe", "resources/unsubscribe"]


def test_a_shared_upstream_may_not_receive_session_secrets():
    with pytest.raises(ConfigError, match="share = \"all\" cannot be used with secrets"):
        parse_config({"upstreams": {"crm": {"url": "http://127.0.0.1:9/mcp", "share": "all",
                                            "secrets": {"CRM_TOKEN": "env:CRM_TOKEN"}}}})
    with pytest.raises(ConfigError, match="stateful = true"):
        parse_config({"upstreams": {"memory": {"command": "x", "share": "all", "stateful": True}}})
    assert parse_config({"upstreams": {"time": {"command": "x"}}}).upstreams["time"].share == "per-session"
