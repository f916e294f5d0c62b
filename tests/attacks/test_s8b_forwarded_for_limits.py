"""Class: `serve` over HTTP, session floods / slot stealing. uvicorn is started with its defaults, which
trust `X-Forwarded-For` from 127.0.0.1 (`proxy_headers=True`, `forwarded_allow_ips="127.0.0.1"`), so
`request.client.host` is whatever a local client writes there. Without a token the client key is that
address: one local process posing as four addresses fills `max_sessions` past its own
`max_sessions_per_client` (which would otherwise only end its own least recently used sessions), and
every other client gets 503 for `idle_timeout`. The same header picks the stateless guard session
(`c-<hash of address>`), i.e. a fresh budget and taint on demand.

Secure behaviour asserted: one client's sessions stay under its per-client limit; another client is served.
"""

from __future__ import annotations

import httpx2 as httpx

from tests.clients import fixture, serving, upstream_toml, write_config

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def test_forwarded_for_does_not_multiply_a_clients_sessions(tmp_path):
    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("echo", fixture("echo_server.py"), 'trust = "tofu"\n')
                          + f'[storage]\npath = "{tmp_path / "g.db"}"\n'
                          '[serve]\nmax_sessions = 4\nmax_sessions_per_client = 2\n')
    with serving(config) as base:
        for i in range(4):
            httpx.post(f"{base}/mcp", json=INIT, headers={**HEADERS, "x-forwarded-for": f"10.0.0.{i}"}, timeout=30)
        other = httpx.post(f"{base}/mcp", json=INIT, headers=HEADERS, timeout=30)
        assert other.status_code == 200, (other.status_code, other.text[:200])
