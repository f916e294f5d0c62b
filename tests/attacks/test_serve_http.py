"""Class: `mcp-guard serve` over HTTP: session binding, body limits, session floods.

1. SSE: `POST /messages/?session_id=…` answers to any admitted credential, so a client holding one
   session token can drive a session opened with another token (and its intent); streamable HTTP
   binds a session to the token that opened it, SSE does not.
2. Bodies are read whole, without a limit (stdio refuses messages over `max_message_bytes`).
3. Every POST to /mcp without a session id starts a session, and with it every upstream process,
   before the body is even parsed: garbage bodies each leave an upstream process alive (30 minutes
   of idle timeout), unauthenticated on loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.attacks.client import Scripted, write_config
from tests.clients import GUARD

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@contextlib.contextmanager
def serving(config: Path, env: dict[str, str] | None = None):
    """`mcp-guard serve` on a free port: (base URL, its process)."""
    proc = subprocess.Popen([*GUARD, "--config", str(config), "serve", "--port", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            found = re.search(r"at (http://[^/]+)/mcp", line)
            if found:
                yield found.group(1), proc
                break
        else:
            raise RuntimeError("mcp-guard serve did not start")
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        p, pp = map(int, line.split())
        children.setdefault(pp, []).append(p)
    found, stack = [], [pid]
    while stack:
        for c in children.get(stack.pop(), []):
            found.append(c)
            stack.append(c)
    return found


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@pytest.fixture
def config(tmp_path):
    server = Scripted(tmp_path / "spec.json", tools=[{"name": "t", "inputSchema": {"type": "object"}}])
    return write_config(tmp_path / "mcp-guard.toml", {"words": (server.command, 'trust = "tofu"\n')},
                        '[intent]\nmode = "off"\n')


def _token(config: Path, intent: str) -> str:
    done = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent", intent, "--json"],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)["token"]


def test_sse_session_answers_only_to_its_own_token(config):
    alice = _token(config, "Read the weather for Paris")
    mallory = _token(config, "Summarise my notes")
    with serving(config) as (base, _), httpx.Client(timeout=10) as http, \
            http.stream("GET", f"{base}/sse", headers={"authorization": f"Bearer {alice}"}) as stream:
        endpoint = None
        lines = stream.iter_lines()  # held: a dropped iterator closes the stream, and the session with it
        for line in lines:
            if line.startswith("data:") and "session_id" in line:
                endpoint = line.split(":", 1)[1].strip()
                break
        assert endpoint
        # Mallory, holding another token, posts into Alice's session.
        posted = http.post(f"{base}{endpoint}", json=INIT, headers={"authorization": f"Bearer {mallory}"})
        assert posted.status_code in (403, 404), f"another token drove this SSE session: {posted.status_code}"
        ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}  # the session is there, for Alice
        owned = http.post(f"{base}{endpoint}", json=ping, headers={"authorization": f"Bearer {alice}"})
        assert owned.status_code == 202


def test_http_body_is_limited(config):
    big = json.dumps({**INIT, "params": {**INIT["params"],
                                         "clientInfo": {"name": "x" * (48 * 1024 * 1024), "version": "1"}}})
    with serving(config) as (base, proc):
        before = _rss_kib(proc.pid)
        answer = httpx.post(f"{base}/mcp", content=big, headers=HEADERS, timeout=120)
        grew = _rss_kib(proc.pid) - before
        assert answer.status_code == 413 or "exceeds" in answer.text, (answer.status_code, answer.text[:200])
        assert grew < 32 * 1024, f"the proxy grew by {grew} KiB for one request"


def test_garbage_posts_do_not_start_upstreams(config):
    with serving(config) as (base, proc), httpx.Client(timeout=10) as http:
        for _ in range(10):
            http.post(f"{base}/mcp", content=b"not json", headers=HEADERS)
        for _ in range(10):
            http.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=HEADERS)
        time.sleep(3)
        alive = _descendants(proc.pid)
        assert len(alive) == 0, f"{len(alive)} upstream processes alive after 20 requests that opened no session"


def _post(http, base, sid, msg):
    headers = {**HEADERS, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18"}
    return http.post(f"{base}/mcp", json=msg, headers=headers)


def test_unrepresentable_upstream_answer_still_answers_the_http_client(tmp_path):
    """An upstream answer the SDK's HTTP transport cannot carry (a `result` that is not an object) is
    dropped with a log line: the HTTP client's request is never answered and its stream stays open."""
    server = Scripted(tmp_path / "spec.json", tools=[{"name": "t", "inputSchema": {"type": "object"}}],
                      call={"result": "not an object"})
    config = write_config(tmp_path / "mcp-guard.toml", {"words": (server.command, 'trust = "tofu"\n')},
                          '[intent]\nmode = "off"\n')
    with serving(config) as (base, _), httpx.Client(timeout=httpx.Timeout(20, read=5)) as http:
        opened = http.post(f"{base}/mcp", json=INIT, headers=HEADERS)
        sid = opened.headers["mcp-session-id"]
        _post(http, base, sid, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        _post(http, base, sid, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        import concurrent.futures

        pool = concurrent.futures.ThreadPoolExecutor(1)
        pending = pool.submit(_post, http, base, sid, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                                        "params": {"name": "t", "arguments": {}}})
        try:
            text = pending.result(timeout=15).text
        except (concurrent.futures.TimeoutError, httpx.ReadTimeout):
            text = ""
        pool.shutdown(wait=False, cancel_futures=True)
        assert '"id":3' in text.replace(" ", ""), "no answer at all to the call"
