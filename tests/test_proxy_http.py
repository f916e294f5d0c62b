"""`mcp-guard serve`: streamable HTTP and SSE for downstream clients, one upstream set per session, HTTP security."""

from __future__ import annotations

import subprocess

import anyio
import httpx2 as httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.clients import GUARD, fixture, serving, upstream_toml, wait_gone, write_config

pytestmark = pytest.mark.anyio

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def config(tmp_path, home):
    return write_config(tmp_path / "mcp-guard.toml",
                        # the servers are told apart by the pid each reports: plain children (not
                        # isolated, where each would be pid 1 of its own namespace)
                        upstream_toml("faulty", fixture("faulty_server.py"), 'trust = "tofu"\nisolate = false'))


async def _pid_over(client_cm) -> int:
    async with client_cm as streams, ClientSession(streams[0], streams[1]) as s:
        await s.initialize()
        result = await s.call_tool("pid", {})
        return int(result.structured_content["result"])


async def test_streamable_http_and_sse_clients_each_get_their_own_upstream(config):
    with serving(config) as base:
        pids = [
            await _pid_over(streamable_http_client(f"{base}/mcp")),
            await _pid_over(sse_client(f"{base}/sse")),
            await _pid_over(streamable_http_client(f"{base}/mcp")),
        ]
        assert len(set(pids)) == 3
        # A session that ended took its upstream with it.
        for pid in pids:
            assert await anyio.to_thread.run_sync(wait_gone, pid)


def test_dns_rebinding_is_refused(config):
    with serving(config) as base:
        bad_host = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "host": "evil.example:80"})
        assert bad_host.status_code == 421
        bad_origin = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "origin": "http://evil.example"})
        assert bad_origin.status_code == 403
        good = httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS)
        assert good.status_code == 200 and good.headers["mcp-session-id"]


def test_binding_beyond_loopback_needs_a_token(config):
    done = subprocess.run([*GUARD, "--config", str(config), "serve", "--host", "0.0.0.0", "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("mcp-guard: error: refusing to bind 0.0.0.0: anything but loopback needs "
                                   'serve.token (a bearer token, e.g. token = "env:MCP_GUARD_TOKEN")')


async def test_bearer_token_is_required_when_configured(config):
    config.write_text('[serve]\ntoken = "env:TEST_GUARD_TOKEN"\n' + config.read_text())
    with serving(config, env={"TEST_GUARD_TOKEN": "s3cret-token"}) as base:
        refused = httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS)
        assert refused.status_code == 401
        wrong = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "authorization": "Bearer nope"})
        assert wrong.status_code == 401
        async with create_mcp_http_client(headers={"Authorization": "Bearer s3cret-token"}) as http:
            pid = await _pid_over(streamable_http_client(f"{base}/mcp", http_client=http))
        assert pid > 0


def test_unknown_session_is_404(config):
    with serving(config) as base:
        answer = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "mcp-session-id": "no-such-session"})
        assert answer.status_code == 404


async def test_session_token_binds_an_http_session_to_its_intent(tmp_path, home):
    """`mcp-guard session start` issues a token; a client holding it is judged against that intent."""
    import json

    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("notes", fixture("intent_server.py"), 'trust = "tofu"'))
    started = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent",
                              "Send a note to ada@example.com saying hello", "--json"],
                             capture_output=True, text=True, timeout=60, check=True)
    token = json.loads(started.stdout)["token"]
    with serving(config) as base:
        assert httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "authorization": "Bearer mcpg_forged"}
                          ).status_code == 401
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http, \
                streamable_http_client(f"{base}/mcp", http_client=http) as (read, write), \
                ClientSession(read, write) as s:
            await s.initialize()
            sent = await s.call_tool("send_note", {"to": "ada@example.com", "body": "hello"})
            assert not sent.is_error
            stray = await s.call_tool("send_note", {"to": "eve@attacker.example", "body": "hello"})
            assert stray.is_error and "eve@attacker.example" in stray.content[0].text


def test_run_fronts_a_remote_upstream_by_url(tmp_path, home):
    """`run --url` in front of `serve`: the remote server is reached, and its unreviewed tools held."""
    import json

    from tests.clients import guard_raw

    served = write_config(tmp_path / "served.toml", upstream_toml("echo", fixture("echo_server.py"), 'trust = "tofu"'))
    with serving(served) as base:
        client = guard_raw(["--url", f"{base}/mcp", "--header", "X-Trace: test"])  # no config at all
        try:
            assert client.handshake()["result"]["serverInfo"]["name"] == "echo"
            assert client.request("tools/list")["result"]["tools"] == []  # held: never reviewed here
            refused = client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
            assert "awaits review" in refused["result"]["content"][0]["text"]
        finally:
            client.close()
    listed = subprocess.run([*GUARD, "review", "list", "--json"], capture_output=True, text=True, timeout=60,
                            check=True)
    pending = {(i["upstream"], i["name"]) for i in json.loads(listed.stdout) if i["kind"] == "tool"}
    assert pending == {("127.0.0.1", "echo"), ("127.0.0.1", "blob")}


def test_serve_refuses_an_address_it_cannot_listen_on_in_one_line(tmp_path, home):
    import socket

    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("echo", fixture("echo_server.py")))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        for port, expected in ((busy, "Address already in use"), (99999, "out of range")):
            done = subprocess.run([*GUARD, "--config", str(config), "serve", "--port", str(port)],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 2, done.stderr
            assert expected in done.stderr and "Traceback" not in done.stderr
            assert len(done.stderr.strip().splitlines()) == 1
