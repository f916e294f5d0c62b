"""A team gateway: three `mcp-guard serve` replicas on one PostgreSQL behind a round-robin client.

Every request goes to the next replica (2026-07-28 requests: no session to stick to). What one
replica holds is held on all; a review approval or a held call's approval made with the CLI against
the database is honoured by the others at their next request; a `session start` token works on
every replica; a replica killed mid-run costs the client nothing (its next requests go to the
others, and every answered call is in the audit chain), and the merged chain verifies.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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
        import httpx2 as httpx

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

        # A handshake-era session lives in the replica that opened it (sticky on Mcp-Session-Id): another
        # replica answers 404 and the client starts a new session, as the specification says.
        import httpx2 as httpx

        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "hs", "version": "1"}}}
        headers = {"accept": "application/json, text/event-stream", "authorization": f"Bearer {started['token']}"}
        opened = httpx.post(f"{procs[1][1]}/mcp", json=init, headers=headers, timeout=90)
        sid = opened.headers["mcp-session-id"]
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        elsewhere = httpx.post(f"{procs[2][1]}/mcp", json=listing, headers={**headers, "mcp-session-id": sid},
                               timeout=90)
        assert opened.status_code == 200 and elsewhere.status_code == 404

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
