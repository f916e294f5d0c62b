"""Class: `serve` over HTTP, idle sockets / DoS. `serve.socket_timeout` closes a connection that has not
sent a whole request's HEADERS in time, but nothing bounds the BODY: a client that sends headers with a
`Content-Length` (within `max_body_bytes`) and then a few bytes, or none, is waited for forever
(`read_body` awaits `receive()` without a deadline). Holding `max_connections` such sockets locks every
other client out (uvicorn answers 503 past `limit_concurrency`). Any credential does it (an agent's
`session start` token; on loopback without a token, any local process).

Secure behaviour asserted: a stalled body is cut off after `socket_timeout`, and another client is served.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlparse

import httpx2 as httpx

from tests.clients import fixture, serving, upstream_toml, write_config

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def _stall(host: str, port: int) -> socket.socket:
    s = socket.create_connection((host, port))
    s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Accept: application/json, text/event-stream\r\nContent-Length: 4000\r\n\r\n{\"jsonrpc\"")
    return s


def test_stalled_body_is_cut_off(tmp_path):
    config = write_config(tmp_path / "mcp-guard.toml", upstream_toml("echo", fixture("echo_server.py"))
                          + f'[storage]\npath = "{tmp_path / "g.db"}"\n'
                          '[serve]\nsocket_timeout = 1\nmax_connections = 8\n')
    with serving(config) as base:
        url = urlparse(base)
        held = []
        try:
            for _ in range(8):
                held.append(_stall(url.hostname, url.port))
                time.sleep(0.1)
            time.sleep(4)  # four times the socket timeout
            still_open = 0
            for s in held:
                s.settimeout(0.3)
                try:
                    s.recv(200)  # an answer (408/503) or the close
                except TimeoutError:
                    still_open += 1  # nothing said and not closed: still waiting for the body
            answer = httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS, timeout=20)
            for s in held:
                s.close()
            assert still_open == 0, f"{still_open} connections with a stalled body still open after 4 s"
            assert answer.status_code == 200, (answer.status_code, answer.text[:200])
        finally:
            for s in held:
                s.close()
