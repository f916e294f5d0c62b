"""Class: `serve` over HTTP, session floods / DoS. Serve bounds sessions per credential
(`max_sessions_per_client`), but not the open response streams of one credential: every 2026-07-28
`subscriptions/listen` POST is a new SSE response on its own connection that lives until the client
closes it, all on the credential's one relay (one session slot). One agent's `session start` token opens
`max_connections` of them and every other credential is answered 503 by uvicorn (`limit_concurrency`),
for as long as the agent likes.

Secure behaviour asserted: one credential cannot hold every connection; another token's initialize is served.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from urllib.parse import urlparse

import httpx2 as httpx

from tests.clients import GUARD, fixture, serving, upstream_toml, write_config
from tests.test_eras import ENVELOPE, HTTP_HEADERS

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
STREAMS = 8


def _token(config, intent: str) -> str:
    done = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent", intent, "--json"],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)["token"]


def _listen(host: str, port: int, token: str, rid: int) -> socket.socket:
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "subscriptions/listen",
                       "params": {"notifications": {"toolsListChanged": True}, "_meta": ENVELOPE}}).encode()
    headers = {**HTTP_HEADERS, "mcp-method": "subscriptions/listen", "authorization": f"Bearer {token}"}
    s = socket.create_connection((host, port))
    s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
              + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return s


def test_one_token_cannot_hold_every_connection(tmp_path):
    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("echo", fixture("echo_server.py"), 'trust = "tofu"\n')
                          + f'[storage]\npath = "{tmp_path / "g.db"}"\n[serve]\nmax_connections = {STREAMS}\n')
    agent = _token(config, "Read the weather for Paris")
    victim = _token(config, "Summarise my notes")
    with serving(config) as base:
        url = urlparse(base)
        held = []
        try:
            for i in range(STREAMS):
                held.append(_listen(url.hostname, url.port, agent, i + 1))
                time.sleep(0.2)
            time.sleep(1)
            answer = httpx.post(f"{base}/mcp", json=INIT, timeout=20, headers={
                "accept": "application/json, text/event-stream", "content-type": "application/json",
                "authorization": f"Bearer {victim}"})
        finally:
            for s in held:
                s.close()
        assert answer.status_code == 200, f"another token was refused: {answer.status_code} {answer.text[:100]}"
