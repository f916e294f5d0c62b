"""Class: intents over HTTP, the agent widening its own profile. On a loopback `serve` without
`serve.token`, a request WITHOUT a bearer token is admitted with the config's intent and default profile,
so an agent handed a `session start` token bound to a narrow profile simply leaves the Authorization
header out and its calls are judged by neither its token's intent nor its profile (and start a session
whose budget and taint are fresh). The token binds only an agent that chooses to send it.

Secure behaviour asserted: once session tokens are in use, a tokenless request is not judged more
leniently than the token's session (refused, or the held call stays held).
"""

from __future__ import annotations

import json
import subprocess

import httpx2 as httpx

from tests.clients import GUARD, fixture, serving, upstream_toml, write_config
from tests.test_eras import ENVELOPE, HTTP_HEADERS


def _call(base: str, token: str | None, rid: int) -> dict:
    headers = {**HTTP_HEADERS, "mcp-method": "tools/call", "mcp-name": "blob"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": "blob", "arguments": {"size": 3}, "_meta": ENVELOPE}}
    return httpx.post(f"{base}/mcp", json=body, headers=headers, timeout=60).json()


def test_dropping_the_session_token_does_not_widen(tmp_path):
    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("echo", fixture("echo_server.py"), 'trust = "tofu"\n')
                          + f'[storage]\npath = "{tmp_path / "g.db"}"\n[intent]\nask = "person"\n'
                          '[profiles.agent]\nowner = "team@example.com"\nallow = ["echo/echo"]\nask = ["echo/blob"]\n')
    done = subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent", "echo what I say",
                           "--profile", "agent", "--json"], capture_output=True, text=True, timeout=60, check=True)
    token = json.loads(done.stdout)["token"]
    with serving(config) as base:
        with_token = _call(base, token, 1)["result"]
        assert with_token["isError"] and "approvals approve" in with_token["content"][0]["text"], with_token
        without = _call(base, None, 2)
        refused = without.get("error") == "invalid_token"  # the serve refused a tokenless request (401)
        assert refused or without["result"].get("isError"), f"without its token the agent's held call ran: {without}"
