"""A team gateway: three `mcp-guard serve` replicas on one PostgreSQL behind a round-robin client.

Every request goes to the next replica, 2026-07-28 requests (no session to stick to) and handshake-era
sessions alike (a replica rebuilds a session another opened from the store). What one replica holds
is held on all; a review approval or a held call's approval made with the CLI against the database is
honoured by the others at their next request; a `session start` token works on every replica; a
replica killed mid-run costs the client nothing (its next requests go to the others, and every
answered call is in the audit chain), and the merged chain verifies. Two replicas on one SQLite file
(one host) serve a handshake-era session the same way.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx2 as httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.clients import GUARD, fixture, start_serve, upstream_toml, write_config
from tests.postgres import pg_url, postgres_cluster  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

ECHO = fixture("echo_server.py")
VERSION = "io.modelcontextprotocol/protocolVersion"
ENVELOPE = {VERSION: "2026-07-28", "io.modelcontextprotocol/clientInfo": {"name": "rr", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {}}


@contextlib.contextmanager
def replicas(config: Path, n: int) -> Iterator[list[tuple[subprocess.Popen, str]]]:
    """`n` serve processes on free ports; yields (process, base URL) pairs."""
    procs: list[tuple[subprocess.Popen, str]] = []
    try:
        for _ in range(n):
            procs.append(start_serve(config, group=True))
        yield procs
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


class RoundRobin:
    """A raw HTTP client sending each request to the next replica; a replica that refuses the
    connection is dropped and the request goes to the next one."""

    def __init__(self, bases: list[str], token: str) -> None:
        self.bases = list(bases)
        self.token = token
        self._turn = itertools.count()
        self._ids = itertools.count(1)
        self.served_by: list[str] = []

    def request(self, method: str, params: dict, name: str | None = None) -> dict:
        headers = {"accept": "application/json, text/event-stream", "content-type": "application/json",
                   "mcp-protocol-version": "2026-07-28", "mcp-method": method,
                   "authorization": f"Bearer {self.token}"}
        if name is not None:
            headers["mcp-name"] = name
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": {**params, "_meta": ENVELOPE}}
        while self.bases:
            base = self.bases[next(self._turn) % len(self.bases)]
            try:
                answer = httpx.post(f"{base}/mcp", json=body, headers=headers, timeout=90)
            except httpx.TransportError:
                self.bases.remove(base)  # gone: the load balancer's health check would do the same
                continue
            self.served_by.append(base)
            assert answer.status_code == 200, answer.text
            return answer.json()
        raise AssertionError("no replica left")

    def call(self, tool: str, arguments: dict) -> dict:
        return self.request("tools/call", {"name": tool, "arguments": arguments}, tool)["result"]

    def tools(self) -> list[str]:
        return [t["name"] for t in self.request("tools/list", {})["result"]["tools"]]


def cli(config: Path, *argv: str) -> str:
    done = subprocess.run([*GUARD, "--config", str(config), *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def team_config(tmp_path: Path, url: str, extra: str = "") -> Path:
    """The echo fixture on a shared PostgreSQL, held calls asked of a person, and a `team` profile
    that allows `echo` and asks about `blob`."""
    return write_config(tmp_path / "mcp-guard.toml", upstream_toml("echo", ECHO) + f"""
[storage]
url = "{url}"

[intent]
ask = "person"

[profiles.team]
owner = "team@example.com"
allow = ["echo/echo"]
ask = ["echo/blob"]
""" + extra)


def test_three_replicas_on_one_postgresql(tmp_path, pg_url):  # noqa: F811
    config = team_config(tmp_path, pg_url, """
[profiles.tight]
owner = "team@example.com"
allow = ["echo/*"]
budget = { per_tool = { "echo/echo" = 2 } }
""")
    started = json.loads(cli(config, "session", "start", "--intent", "echo what I say", "--profile", "team",
                             "--json"))
    with replicas(config, 3) as procs:
        rr = RoundRobin([base for _, base in procs], started["token"])

        # Held on one, held on all: each replica lists and refuses the unreviewed tools.
        held_ids = set()
        for _ in range(3):
            assert "echo" not in rr.tools()
            refused = rr.call("echo", {"text": "early"})
            assert refused["isError"]
            held_ids.update(re.findall(r"awaits review \(id ([0-9a-f]+)\)", refused["content"][0]["text"]))
        assert len(set(rr.served_by)) == 3 and len(held_ids) == 1

        # Approved with the CLI against the database: the next request on each replica is served.
        listed = json.loads(cli(config, "review", "list", "--json"))
        ids = [i["id"] for i in listed if i["upstream"] == "echo"]
        cli(config, "review", "approve", *ids, "--reason", "echo only echoes")
        for i in range(3):
            answer = rr.call("echo", {"text": f"after {i}"})
            assert not answer["isError"] and answer["content"][0]["text"] == f"after {i}"
            assert "echo" in rr.tools()

        # A budget is the session's, not a replica's: two calls on two replicas use it up for the third.
        tight = json.loads(cli(config, "session", "start", "--intent", "echo twice", "--profile", "tight",
                               "--json"))
        other = RoundRobin(rr.bases, tight["token"])
        assert [other.call("echo", {"text": str(i)})["isError"] for i in range(3)] == [False, False, True]
        assert len(set(other.served_by)) == 3

        # A call the session's profile asks a person about: held on one replica, approved with the
        # CLI, passes once on another, and is held again after that.
        held = rr.call("blob", {"size": 3})
        assert held["isError"]
        approval = re.search(r"approvals approve (ap-[0-9a-f]+)", held["content"][0]["text"]).group(1)
        cli(config, "approvals", "approve", approval)
        passed = rr.call("blob", {"size": 3})
        assert not passed["isError"] and passed["content"][0]["text"] == "012"
        assert rr.call("blob", {"size": 3})["isError"]

        # One replica killed mid-run: the client's next requests succeed on the others.
        answered = 0
        for i in range(12):
            if i == 4:
                victim = procs[0][0]
                os.killpg(victim.pid, signal.SIGKILL)
                victim.wait(20)
            answer = rr.call("echo", {"text": f"run {i}"})
            assert not answer["isError"] and answer["content"][0]["text"] == f"run {i}"
            answered += 1
        assert answered == 12 and len(rr.bases) == 2

    # Nothing lost: every call answered through any replica is in the one chain, which verifies.
    log = [json.loads(line) for line in cli(config, "audit", "show", "--session", started["session"],
                                             "--kind", "call", "--json").splitlines()]
    texts = [r["data"]["arguments"].get("text") for r in log if r["data"].get("decision") == "allow"
             and r["data"].get("tool") == "echo"]
    assert [f"run {i}" for i in range(12)] == [t for t in texts if t and t.startswith("run ")]
    assert [f"after {i}" for i in range(3)] == [t for t in texts if t and t.startswith("after ")]
    verified = json.loads(cli(config, "audit", "verify", "--json"))
    assert verified["ok"] and verified["problems"] == [] and verified["records"] >= len(log)


# -- handshake-era sessions (initialize, Mcp-Session-Id) ---------------------------------------------


@pytest.fixture
def anyio_backend():
    return "asyncio"


class RoundRobinTransport(httpx.AsyncBaseTransport):
    """Sends each HTTP request of one client to the next replica, as a load balancer that is not
    sticky on Mcp-Session-Id would; a replica that refuses the connection is dropped."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = list(bases)
        self._turn = itertools.count()
        self._inner = httpx.AsyncHTTPTransport()
        self.served: list[tuple[str, str]] = []  # (HTTP method, replica) of each request answered
        self.session_id: str | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        while self.bases:
            base = self.bases[next(self._turn) % len(self.bases)]
            target = httpx.URL(base)
            request.url = request.url.copy_with(host=target.host, port=target.port)
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.ConnectError:
                self.bases.remove(base)
                continue
            self.served.append((request.method, base))
            self.session_id = response.headers.get("mcp-session-id", self.session_id)
            return response
        raise httpx.ConnectError("no replica left", request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def posts(self) -> set[str]:
        return {base for method, base in self.served if method == "POST"}


@contextlib.asynccontextmanager
async def handshake_client(bases: list[str], token: str | None = None
                           ) -> AsyncIterator[tuple[ClientSession, RoundRobinTransport]]:
    """The SDK's handshake-era client (initialize, then the session id on every request) behind a
    round-robin balancer over `bases`."""
    rr = RoundRobinTransport(bases)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=rr, headers=headers, timeout=httpx.Timeout(90, read=300)) as http, \
            streamable_http_client(f"{bases[0]}/mcp", http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        yield session, rr


def raw(method: str, base: str, session_id: str, token: str | None = None) -> httpx.Response:
    """One plain request of a handshake session to one replica: tools/list, or a DELETE."""
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json",
               "mcp-session-id": session_id, "mcp-protocol-version": "2025-11-25"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    if method == "DELETE":
        return httpx.delete(f"{base}/mcp", headers=headers, timeout=90)
    return httpx.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 99, "method": "tools/list"}, headers=headers,
                      timeout=90)


def session_kinds(config: Path, session: str) -> list[str]:
    return [json.loads(line)["kind"] for line in cli(config, "audit", "show", "--session", session,
                                                      "--json").splitlines()]


async def echo_through(session: ClientSession, text: str) -> None:
    answer = await session.call_tool("echo", {"text": text})
    assert not answer.is_error and answer.content[0].text == text, answer


@pytest.mark.anyio
async def test_a_handshake_session_is_served_by_any_replica(tmp_path, pg_url):  # noqa: F811
    config = team_config(tmp_path, pg_url)
    started = json.loads(cli(config, "session", "start", "--intent", "echo what I say", "--profile", "team",
                             "--json"))
    stranger = json.loads(cli(config, "session", "start", "--intent", "anything", "--json"))["token"]
    with replicas(config, 3) as procs:
        bases = [base for _, base in procs]
        async with handshake_client(bases, started["token"]) as (session, rr):
            sid = rr.session_id
            assert sid is not None

            # Held on every replica until reviewed; approved with the CLI, listed and callable on all.
            for _ in range(3):
                assert "echo" not in [t.name for t in (await session.list_tools()).tools]
            ids = [i["id"] for i in json.loads(cli(config, "review", "list", "--json")) if i["upstream"] == "echo"]
            await anyio.to_thread.run_sync(lambda: cli(config, "review", "approve", *ids, "--reason", "echoes"))
            for i in range(6):
                await echo_through(session, f"rr {i}")
                assert "echo" in [t.name for t in (await session.list_tools()).tools]
            assert rr.posts() == set(bases)

            # A call the profile asks a person about: held through one replica, approved with the CLI,
            # passes once through another.
            held = await session.call_tool("blob", {"size": 3})
            assert held.is_error
            held_by = rr.served[-1][1]
            approval = re.search(r"approvals approve (ap-[0-9a-f]+)", held.content[0].text).group(1)
            await anyio.to_thread.run_sync(lambda: cli(config, "approvals", "approve", approval))
            passed = await session.call_tool("blob", {"size": 3})
            assert not passed.is_error and passed.content[0].text == "012" and rr.served[-1][1] != held_by
            assert (await session.call_tool("blob", {"size": 3})).is_error  # once

            # The session id seen on the wire lets no other credential in, on any replica.
            for base in bases:
                assert raw("POST", base, sid, stranger).status_code == 404
                assert raw("DELETE", base, sid, stranger).status_code == 404

            # One replica killed: the session goes on through the others.
            os.killpg(procs[0][0].pid, signal.SIGKILL)
            procs[0][0].wait(20)
            for i in range(6):
                await echo_through(session, f"after kill {i}")
            assert bases[0] not in rr.bases and rr.posts() == set(bases)

            # DELETE through one replica ends the session on every one (those holding it included).
            assert raw("DELETE", bases[1], sid, started["token"]).status_code == 200
            for base in bases[1:]:
                assert raw("POST", base, sid, started["token"]).status_code == 404

    # One session in the audit log: opened once, rebuilt on the others, every call under its id.
    kinds = session_kinds(config, started["session"])
    assert kinds.count("session.start") == 1 and kinds.count("session.resume") >= 2
    log = [json.loads(line) for line in cli(config, "audit", "show", "--session", started["session"],
                                             "--kind", "call", "--json").splitlines()]
    texts = [r["data"]["arguments"].get("text") for r in log if r["data"].get("decision") == "allow"]
    assert [f"rr {i}" for i in range(6)] + [f"after kill {i}" for i in range(6)] == [t for t in texts if t]
    assert json.loads(cli(config, "audit", "verify", "--json"))["ok"]


@pytest.mark.anyio
async def test_two_replicas_on_one_sqlite_file_share_a_handshake_session(tmp_path, home):
    """`serve` replicas on one host may share one SQLite file (WAL; writers queue on its lock)."""
    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("echo", ECHO, 'trust = "tofu"')
                          + '[storage]\npath = "guard.db"\n')
    with replicas(config, 2) as procs:
        bases = [base for _, base in procs]
        async with handshake_client(bases) as (session, rr):
            sid = rr.session_id
            for i in range(4):
                await echo_through(session, f"sqlite {i}")
            assert rr.posts() == set(bases)
            assert raw("DELETE", bases[0], sid).status_code == 200
            for base in bases:
                assert raw("POST", base, sid).status_code == 404
    calls = [json.loads(line) for line in cli(config, "audit", "show", "--kind", "call", "--json").splitlines()]
    sessions = {r["session"] for r in calls if r["data"].get("tool") == "echo"}
    assert len(sessions) == 1  # no token: the id recorded for the session, on both replicas
    kinds = session_kinds(config, sessions.pop())
    assert kinds.count("session.start") == 1 and kinds.count("session.resume") >= 1


def test_a_rebuilt_session_counts_against_the_session_limits(tmp_path, home):
    """Replica B is full (max_sessions = 1, its own session open): a session opened on A is not
    rebuilt on B beyond the limit (503, as for a new one), and goes on through A. A DELETE through B,
    which never held it, ends it on A too."""
    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("echo", ECHO, 'trust = "tofu"')
                          + '[storage]\npath = "guard.db"\n[serve]\nmax_sessions = 1\n')
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "limits", "version": "1"}}}
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    with replicas(config, 2) as procs:
        (_, a), (_, b) = procs
        opened = [httpx.post(f"{base}/mcp", json=init, headers=headers, timeout=90) for base in (a, b)]
        assert [o.status_code for o in opened] == [200, 200]
        on_a = opened[0].headers["mcp-session-id"]
        assert raw("POST", b, on_a).status_code == 503
        assert raw("POST", a, on_a).status_code == 200
        assert raw("DELETE", b, on_a).status_code == 200
        assert raw("POST", a, on_a).status_code == 404
        assert raw("DELETE", b, on_a).status_code == 404
