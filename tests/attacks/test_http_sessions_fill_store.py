"""Class: HTTP `serve` - handshake-era session records fill the store (table http_sessions).

Every `initialize` inserts a row carrying the client's initialize params (up to MAX_KEPT_PARAMS =
64 KiB each), and a row is deleted only `idle_timeout + 1 day` after its last use - also the rows of
sessions the limits gave up (max_sessions_per_client: the least recently used idle one makes way).
So one client, always within its 8 sessions, opens and abandons sessions in a loop: each leaves
64 KiB in the database for a day. 120 opens here leave 120 rows, ~7.5 MB; at a few opens a second a
client with the token (or any local process, without one) writes gigabytes a day.

Expected (secure): what the store keeps of sessions is bounded by the live sessions (rows of given-up
sessions dropped or their params cleared), e.g. at most max_sessions rows with params.
Actual: one row with its 64 KiB params per initialize ever sent.
"""

from __future__ import annotations

import sqlite3

import httpx2 as httpx

from tests.attacks.test_serve_limits import HEADERS, served
from tests.clients import fixture, upstream_toml, write_config

N = 120


def test_abandoned_sessions_leave_their_params_in_the_store(tmp_path):
    db = tmp_path / "guard.db"
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       f'[storage]\npath = "{db}"\n[serve]\nmax_sessions = 16\nmax_sessions_per_client = 2\n'
                       + upstream_toml("faulty", fixture("faulty_server.py"), 'trust = "tofu"\nshare = "all"'))
    pad = "x" * 60_000
    with served(cfg) as (_, url), httpx.Client(timeout=30) as http:
        for i in range(N):
            r = http.post(f"{url}/mcp", headers=HEADERS, json={
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {"experimental": {"pad": {"p": pad}}},
                           "clientInfo": {"name": f"c{i}", "version": "1"}}})
            assert r.status_code == 200, (i, r.status_code, r.text[:200])
    conn = sqlite3.connect(db)
    rows, kept = conn.execute("SELECT count(*), coalesce(sum(length(init_params)), 0) FROM http_sessions "
                              "WHERE init_params != 'null'").fetchone()
    assert rows <= 16, f"{rows} session records ({kept / 1e6:.1f} MB of params) kept for {N} opens, 16 allowed at once"
