"""`mcp-guard serve` under a raw HTTP client: nothing starts before a request proves itself, bodies,
sessions and idle time are bounded, every session gets the default profile, and a session answers
only to the credential that opened it (streamable HTTP and SSE alike)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time

import httpx2 as httpx
import pytest

from tests.clients import GUARD, fixture, host_pid, start_serve, upstream_toml, wait_gone, write_config

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@contextlib.contextmanager
def served(config):
    """`mcp-guard serve` on a free port: (process, base URL)."""
    proc, url = start_serve(config)
    try:
        yield proc, url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (the upstream servers `serve` started)."""
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out.extend(int(p) for p in f.read().split())
    return out


def write(tmp_path, serve: str = "", extra: str = ""):
    return write_config(tmp_path / "mcp-guard.toml",
                        f"[serve]\n{serve}\n{extra}\n" + upstream_toml("faulty", fixture("faulty_server.py"),
                                                                       'trust = "tofu"'))


def events(response: httpx.Response) -> list[dict]:
    """The JSON-RPC messages of an answer, whether JSON or an SSE stream."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return [response.json()]
    return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]


def open_session(base: str, headers: dict | None = None) -> str:
    answer = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, **(headers or {})}, timeout=60)
    assert answer.status_code == 200, answer.text
    session = answer.headers["mcp-session-id"]
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert httpx.post(f"{base}/mcp", json=note, headers={**HEADERS, **(headers or {}), "mcp-session-id": session}
                      ).status_code == 202
    return session


def call(base: str, session: str, tool: str, headers: dict | None = None) -> dict:
    msg = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": tool, "arguments": {}}}
    answer = httpx.post(f"{base}/mcp", json=msg, headers={**HEADERS, **(headers or {}), "mcp-session-id": session},
                        timeout=60)
    assert answer.status_code == 200, answer.text
    return next(m for m in events(answer) if m.get("id") == 2)


def start_token(config, intent: str = "look around") -> str:
    done = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent", intent, "--json"],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)["token"]


JUNK: list[tuple[bytes, dict]] = [
    (b"", {}), (b"not json", {}), (b"\xff\xfe\x00", {}), (b"[]", {}), (b"null", {}), (b"42", {}),
    (b'"initialize"', {}), (b"{}", {}), (b'{"jsonrpc":"2.0"}', {}),
    (json.dumps([INIT]).encode(), {}),  # a batch
    (json.dumps({**INIT, "jsonrpc": "1.0"}).encode(), {}),
    (json.dumps({k: v for k, v in INIT.items() if k != "id"}).encode(), {}),  # a notification
    (json.dumps({**INIT, "id": True}).encode(), {}),
    (json.dumps({**INIT, "id": {"x": 1}}).encode(), {}),
    (json.dumps({**INIT, "params": []}).encode(), {}),
    (json.dumps({**INIT, "params": {}}).encode(), {}),
    (json.dumps({**INIT, "params": {**INIT["params"], "protocolVersion": 7}}).encode(), {}),
    (json.dumps({**INIT, "method": "tools/list"}).encode(), {}),
    (json.dumps({**INIT, "method": "server/discover"}).encode(), {}),
    (json.dumps({"jsonrpc": "2.0", "id": 1, "result": {}}).encode(), {}),  # a response
    (json.dumps(INIT).encode(), {"content-type": "text/plain"}),
    (json.dumps(INIT).encode(), {"accept": "application/json"}),
    (b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":' + b"[" * 5000, {}),
]


def test_junk_posts_start_no_upstream(tmp_path, home):
    """40 requests that are not a well-formed initialize are refused before anything is started."""
    config = write(tmp_path)
    with served(config) as (proc, base):
        for i in range(40):
            body, headers = JUNK[i % len(JUNK)]
            answer = httpx.post(f"{base}/mcp", content=body, headers={**HEADERS, **headers})
            assert 400 <= answer.status_code < 500, (body[:60], answer.status_code)
            assert "mcp-session-id" not in answer.headers
            if answer.headers.get("content-type", "").startswith("application/json"):
                assert "error" in answer.json()
        assert children(proc.pid) == []
        # A real initialize still works afterwards, and is the one that starts a server.
        open_session(base)
        assert len(children(proc.pid)) == 1


def test_bodies_over_the_limit_are_refused_on_every_endpoint(tmp_path, home):
    config = write(tmp_path, "max_body_bytes = 65536")
    big = json.dumps({**INIT, "params": {**INIT["params"], "pad": "x" * 100_000}}).encode()
    with served(config) as (proc, base):
        assert httpx.post(f"{base}/mcp", content=big, headers=HEADERS).status_code == 413
        # Without a Content-Length (chunked): counted as it arrives.
        chunked = httpx.post(f"{base}/mcp", content=iter([big[:50_000], big[50_000:]]), headers=HEADERS)
        assert chunked.status_code == 413
        assert children(proc.pid) == []
        session = open_session(base)
        in_session = httpx.post(f"{base}/mcp", content=big, headers={**HEADERS, "mcp-session-id": session})
        assert in_session.status_code == 413
        with sse_session(base) as endpoint:
            assert httpx.post(f"{base}{endpoint}", content=big, headers=HEADERS).status_code == 413
            assert httpx.post(f"{base}{endpoint}", json=INIT, headers=HEADERS).status_code == 202


@contextlib.contextmanager
def sse_session(base: str, headers: dict | None = None):
    """An SSE session, open for the block: yields its endpoint (the URL to POST to). The stream and
    its line iterator live until the block ends: httpx closes a response once the iterator reading it
    is dropped, and the server then ends the session (under load, before the test's POSTs arrive)."""
    with httpx.stream("GET", f"{base}/sse", headers={"accept": "text/event-stream", **(headers or {})},
                      timeout=60) as stream:
        lines = stream.iter_lines()
        for line in lines:
            if line.startswith("data:"):
                yield line[5:].strip()
                return
    raise AssertionError("no endpoint event")


def test_a_client_at_its_limit_gives_up_its_least_recently_used_idle_session(tmp_path, home):
    config = write(tmp_path, "max_sessions_per_client = 2")
    with served(config) as (proc, base):
        first = open_session(base)  # its server found while it is the only one (each is pid 1 of its own)
        first_pid = host_pid(int(call(base, first, "pid")["result"]["structuredContent"]["result"]), proc.pid)
        second = open_session(base)
        call(base, second, "pid")  # the second is now the more recently used
        third = open_session(base)
        assert wait_gone(first_pid)
        gone = httpx.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "ping"},
                          headers={**HEADERS, "mcp-session-id": first})
        assert gone.status_code == 404
        assert call(base, second, "pid") and call(base, third, "pid")
        assert len(children(proc.pid)) == 2


def test_sessions_are_bounded_per_client_and_in_total(tmp_path, home):
    """Sessions busy answering are never ended for another: beyond the limits, 429 (per client) and 503."""
    config = write(tmp_path, "max_sessions = 3\nmax_sessions_per_client = 2")
    with served(config) as (_, base):
        hang = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "hang", "arguments": {}}}
        with contextlib.ExitStack() as calls:
            for session in (open_session(base), open_session(base)):  # each answering a call that never ends
                answer = calls.enter_context(httpx.stream("POST", f"{base}/mcp", json=hang, timeout=120,
                                                          headers={**HEADERS, "mcp-session-id": session}))
                assert answer.status_code == 200  # its answer has begun: the session is busy
            third = httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS)
            assert third.status_code == 429 and "already has 2 sessions busy" in third.json()["error"]["message"]
            tokens = [start_token(config), start_token(config)]  # (once live, no token is refused: not before)
            open_session(base, {"authorization": f"Bearer {tokens[0]}"})  # another credential: its own count
            full = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "authorization": f"Bearer {tokens[1]}"})
            assert full.status_code == 503 and "too many sessions" in full.json()["error"]["message"]


def test_idle_session_ends_with_its_upstream(tmp_path, home):
    # (3 s: the session must outlive the gap between its opening and its first call on a loaded machine)
    config = write(tmp_path, "idle_timeout = 3")
    with served(config) as (proc, base):
        session = open_session(base)
        pid = host_pid(int(call(base, session, "pid")["result"]["structuredContent"]["result"]), proc.pid)
        assert wait_gone(pid, timeout=30)
        gone = httpx.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "ping"},
                          headers={**HEADERS, "mcp-session-id": session})
        assert gone.status_code == 404
        assert children(proc.pid) == []


def test_idle_sse_session_ends_with_its_upstream(tmp_path, home):
    config = write(tmp_path, "idle_timeout = 1")
    with served(config) as (proc, base), sse_session(base) as endpoint:
        assert httpx.post(f"{base}{endpoint}", json=INIT, headers=HEADERS).status_code == 202
        deadline = time.monotonic() + 30
        while not children(proc.pid):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        upstream = children(proc.pid)[0]
        assert wait_gone(upstream, timeout=30)


def test_silent_and_slow_connections_are_closed(tmp_path, home):
    config = write(tmp_path, "socket_timeout = 1")
    with served(config) as (_, base):
        host, port = base.removeprefix("http://").rsplit(":", 1)
        silent = socket.create_connection((host, int(port)))
        silent.settimeout(30)
        assert silent.recv(1) == b""  # closed by the server, not by our timeout (that would raise)
        slow = socket.create_connection((host, int(port)))
        slow.settimeout(30)
        with pytest.raises(OSError):  # headers one byte at a time never finish
            for byte in b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 200:
                slow.sendall(bytes([byte]))
                time.sleep(0.05)
            assert slow.recv(1) == b""
            raise OSError("closed")
        silent.close()
        slow.close()


def test_sse_session_answers_only_to_the_credential_that_opened_it(tmp_path, home):
    config = write(tmp_path)
    owner, other = start_token(config), start_token(config)
    with served(config) as (_, base), sse_session(base, {"authorization": f"Bearer {owner}"}) as endpoint:
        ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
        assert httpx.post(f"{base}{endpoint}", json=ping,
                          headers={**HEADERS, "authorization": f"Bearer {other}"}).status_code == 404
        assert httpx.post(f"{base}{endpoint}", json=ping, headers=HEADERS).status_code == 401  # tokens are live
        assert httpx.post(f"{base}{endpoint}", json=ping,
                          headers={**HEADERS, "authorization": f"Bearer {owner}"}).status_code == 202


def test_streamable_session_answers_only_to_the_credential_that_opened_it(tmp_path, home):
    config = write(tmp_path)
    owner, other = start_token(config), start_token(config)
    with served(config) as (_, base):
        session = open_session(base, {"authorization": f"Bearer {owner}"})
        ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
        for headers, status in (({"authorization": f"Bearer {other}"}, 404), ({}, 401)):  # 401: tokens are live
            assert httpx.post(f"{base}/mcp", json=ping,
                              headers={**HEADERS, **headers, "mcp-session-id": session}).status_code == status


def test_default_profile_applies_to_every_session(tmp_path, home):
    profile = ('[intent]\ndefault_profile = "locked"\n'
               '[profiles.locked]\nowner = "sec@example.com"\ndeny = ["faulty/pid"]\n')
    config = write(tmp_path, extra=profile)
    with served(config) as (_, base):
        for headers in ({}, "token"):  # no token (before any is live); a token with no profile of its own
            if headers == "token":
                headers = {"authorization": f"Bearer {start_token(config)}"}
            session = open_session(base, headers)
            answer = call(base, session, "pid", headers)["result"]
            assert answer["isError"], answer
            assert "pid" in answer["content"][0]["text"]
