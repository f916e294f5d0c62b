"""`serve`: who a tokenless request is, the per-credential cap on open response streams, and shutdown
with stalled or long-lived connections open (session 8, attacker B's findings as classes)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from urllib.parse import urlparse

import httpx2 as httpx

from tests.clients import GUARD, fixture, serving, start_serve, upstream_toml, write_config
from tests.test_eras import ENVELOPE, HTTP_HEADERS

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def _config(tmp_path, serve: str = ""):
    return write_config(tmp_path / "mcp-guard.toml",
                        upstream_toml("echo", fixture("echo_server.py"), 'trust = "tofu"\n')
                        + f'[storage]\npath = "{tmp_path / "g.db"}"\n[serve]\n{serve}')


def _guard(config, *args: str) -> str:
    return subprocess.run([*GUARD, "--config", str(config), *args], capture_output=True, text=True,
                          timeout=60, check=True).stdout


def _listen(base: str, token: str, rid: int) -> socket.socket:
    """A 2026-07-28 listen stream on a raw socket, left open."""
    url = urlparse(base)
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "subscriptions/listen",
                       "params": {"notifications": {"toolsListChanged": True}, "_meta": ENVELOPE}}).encode()
    headers = {**HTTP_HEADERS, "mcp-method": "subscriptions/listen", "authorization": f"Bearer {token}"}
    s = socket.create_connection((url.hostname, url.port))
    s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
              + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return s


def _status(s: socket.socket) -> bytes:
    s.settimeout(30)
    return s.recv(400).split(b"\r\n", 1)[0]


def test_tokenless_requests_are_refused_while_session_tokens_are_live(tmp_path):
    config = _config(tmp_path)
    with serving(config) as base:
        assert httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS, timeout=30).status_code == 200
        started = json.loads(_guard(config, "session", "start", "--intent", "echo what I say", "--json"))
        refused = httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS, timeout=30)
        assert refused.status_code == 401 and "session start" in refused.json()["error_description"]
        with_token = httpx.post(f"{base}/mcp", json=INIT, timeout=30,
                                headers={**HEADERS, "authorization": f"Bearer {started['token']}"})
        assert with_token.status_code == 200
        _guard(config, "session", "end", started["session"])
        assert httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS, timeout=30).status_code == 200


def test_open_streams_are_capped_per_credential(tmp_path):
    config = _config(tmp_path, "max_streams_per_client = 2\n")
    agent = json.loads(_guard(config, "session", "start", "--intent", "read the weather", "--json"))["token"]
    other = json.loads(_guard(config, "session", "start", "--intent", "my notes", "--json"))["token"]
    with serving(config) as base:
        held = [_listen(base, agent, 1), _listen(base, agent, 2)]
        try:
            assert all(_status(s).endswith(b"200 OK") for s in held)
            third = _listen(base, agent, 3)
            third.settimeout(30)
            answer = b"".join(iter(lambda: third.recv(2000), b""))  # refused, and the connection closed
            assert b" 429 " in answer.split(b"\r\n", 1)[0] and b"max_streams_per_client" in answer, answer
            third.close()
            mine = _listen(base, other, 1)  # another credential's streams are its own
            held.append(mine)
            assert _status(mine).endswith(b"200 OK")
            held.pop(0).close()  # a closed stream gives its place back
            for rid in range(10, 70):
                again = _listen(base, agent, rid)
                if _status(again).endswith(b"200 OK"):
                    held.append(again)
                    break
                again.close()
                time.sleep(0.5)
            else:
                raise AssertionError("a closed stream's place was never given back")
        finally:
            for s in held:
                s.close()


def test_sigterm_ends_serve_with_stalled_and_streaming_connections_open(tmp_path):
    config = _config(tmp_path, "socket_timeout = 3\n")
    token = json.loads(_guard(config, "session", "start", "--intent", "read the weather", "--json"))["token"]
    proc, base = start_serve(config)
    url = urlparse(base)
    held = []
    try:
        stream = _listen(base, token, 1)
        held.append(stream)
        assert _status(stream).endswith(b"200 OK")
        for _ in range(3):  # headers, then a body that never comes
            s = socket.create_connection((url.hostname, url.port))
            s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Authorization: Bearer " + token.encode() + b"\r\nContent-Length: 4000\r\n\r\n{")
            held.append(s)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            raise AssertionError("serve did not exit after SIGTERM with connections open") from None
    finally:
        for s in held:
            s.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(15)


def test_forwarded_for_is_believed_only_from_a_configured_proxy(tmp_path):
    """With `forwarded_allow_ips` naming the proxy in front (here: loopback), its X-Forwarded-For is
    the client's address: four addresses are four clients, and they fill `max_sessions`."""
    config = _config(tmp_path, 'max_sessions = 4\nmax_sessions_per_client = 2\nforwarded_allow_ips = ["127.0.0.1"]\n')
    with serving(config) as base:
        for i in range(4):
            answer = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "x-forwarded-for": f"10.0.0.{i}"},
                                timeout=30)
            assert answer.status_code == 200
        full = httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "x-forwarded-for": "10.0.0.9"}, timeout=30)
        assert full.status_code == 503 and "too many sessions" in full.json()["error"]["message"]
