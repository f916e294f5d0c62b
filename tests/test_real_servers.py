"""The proxy in front of the real reference servers: npm server-everything over stdio, streamable HTTP
and SSE, and PyPI mcp-server-time over stdio. Slow: each starts Node or a PyPI server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import pytest
from mcp import types

from tests.clients import guarded, upstream_toml, write_config
from tests.support import npm_bin, python_bin

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def anyio_backend():
    return "asyncio"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def everything_http(request):
    """server-everything listening on a free port; the param names its transport."""
    port = _free_port()
    proc = subprocess.Popen([*npm_bin("mcp-server-everything"), request.param], env={**os.environ, "PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server-everything did not listen")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def _config(tmp_path, body: str) -> dict[str, str]:
    path = write_config(tmp_path / "mcp-guard.toml", body + 'trust = "tofu"\n')
    return {"MCP_GUARD_CONFIG": str(path)}


async def _exercise_everything(session) -> None:
    names = {t.name for t in (await session.list_tools()).tools}
    assert {"echo", "get-sum", "trigger-long-running-operation"} <= names
    echoed = await session.call_tool("echo", {"message": "through mcp-guard"})
    assert echoed.content[0].text == "Echo: through mcp-guard"
    total = await session.call_tool("get-sum", {"a": 2, "b": 40})
    assert "42" in total.content[0].text
    progress: list[float] = []

    async def on_progress(value, total, message):
        progress.append(value)

    done = await session.call_tool("trigger-long-running-operation", {"duration": 0.6, "steps": 3},
                                   progress_callback=on_progress)
    assert not done.is_error and progress == [1, 2, 3]
    resources = (await session.list_resources()).resources
    first = await session.read_resource(resources[0].uri)
    assert first.contents


async def test_server_everything_over_stdio_with_sampling(tmp_path, home):
    cmd = npm_bin("mcp-server-everything")
    env = _config(tmp_path, upstream_toml("everything", [*cmd, "stdio"]))
    asked: list[str] = []

    async def sampling(ctx, params):
        asked.append(params.messages[0].content.text)
        return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="pong"),
                                         model="test")

    async with guarded(["--upstream", "everything"], env=env, sampling_callback=sampling) as s:
        await _exercise_everything(s)
        # The server offers this tool only to clients that can sample: it saw our client's capabilities.
        answer = await s.call_tool("trigger-sampling-request", {"prompt": "ping?", "maxTokens": 10})
        assert len(asked) == 1 and "ping?" in asked[0] and "pong" in json.dumps(answer.model_dump(mode="json"))


@pytest.mark.parametrize("everything_http", ["streamableHttp"], indirect=True)
async def test_server_everything_as_streamable_http_upstream(tmp_path, home, everything_http):
    env = _config(tmp_path, f'[upstreams.everything]\nurl = "{everything_http}/mcp"\n')
    async with guarded(["--upstream", "everything"], env=env) as s:
        await _exercise_everything(s)


@pytest.mark.parametrize("everything_http", ["sse"], indirect=True)
async def test_server_everything_as_sse_upstream(tmp_path, home, everything_http):
    env = _config(tmp_path, f'[upstreams.everything]\nurl = "{everything_http}/sse"\ntransport = "sse"\n')
    async with guarded(["--upstream", "everything"], env=env) as s:
        await _exercise_everything(s)


async def test_mcp_server_time_from_pypi(tmp_path, home):
    env = _config(tmp_path, upstream_toml("time", [python_bin("mcp-server-time"), "--local-timezone", "UTC"]))
    async with guarded(["--upstream", "time"], env=env) as s:
        names = [t.name for t in (await s.list_tools()).tools]
        assert names == ["get_current_time", "convert_time"]
        now = await s.call_tool("get_current_time", {"timezone": "Europe/Paris"})
        assert json.loads(now.content[0].text)["timezone"] == "Europe/Paris"
        converted = await s.call_tool("convert_time", {"source_timezone": "UTC", "time": "12:00",
                                                       "target_timezone": "Asia/Tokyo"})
        assert json.loads(converted.content[0].text)["target"]["datetime"].startswith(
            json.loads(converted.content[0].text)["source"]["datetime"][:10])


async def test_filesystem_server_a_write_to_the_named_file_passes_and_another_is_asked(tmp_path, home):
    """The real filesystem server behind `run --intent`: the agent sends the named file's absolute path
    under the folder the configuration hands the server (no listing first): it passes; another file is
    held for a person."""
    root = tmp_path / "data"
    root.mkdir()
    cmd = npm_bin("mcp-server-filesystem")
    env = _config(tmp_path, upstream_toml("fs", [*cmd, str(root)]))
    (tmp_path / "mcp-guard.toml").write_text((tmp_path / "mcp-guard.toml").read_text() + '[intent]\nask = "person"\n')
    request = "get the time in tokyo and write it to tokyo.txt"
    async with guarded(["--upstream", "fs", "--intent", request], env=env) as session:
        named = await session.call_tool("write_file", {"path": str(root / "tokyo.txt"), "content": "10:42"})
        assert not named.is_error, named.content[0].text
        other = await session.call_tool("write_file", {"path": str(root / "osaka.txt"), "content": "10:42"})
        assert other.is_error and "held" in other.content[0].text, other.content[0].text
    assert (root / "tokyo.txt").read_text() == "10:42" and not (root / "osaka.txt").exists()
