"""Class: audit trail (serve, 2026-07-28). A tools/call whose `Mcp-Param-*` header disagrees with its
arguments is refused by `StatelessSessions._param_headers` (-32020, HTTP 400) before the relay sees it:
no `call` record is written. README: "Every decision is recorded ... and so is a call that could not be
judged (refused ...)". A prompt-injected agent's attempt, with the destination it put in the arguments,
is invisible in `audit show` when it sends a header that does not match.

Secure behaviour asserted: the refused call (and its argument) is in the audit log.
"""

from __future__ import annotations

import os
import subprocess

import httpx2 as httpx

from tests.clients import GUARD, fixture, serving, upstream_toml, write_config
from tests.test_eras import ENVELOPE, HTTP_HEADERS

MARKER = "eu-west-marker-8b71"


def test_param_header_refusal_is_audited(tmp_path):
    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("fx", fixture("conformance_server.py"), 'trust = "tofu"\n')
                          + f'[storage]\npath = "{tmp_path / "g.db"}"\n')
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "test_header_param", "arguments": {"region": MARKER}, "_meta": ENVELOPE}}
    sent = {**HTTP_HEADERS, "mcp-method": "tools/call", "mcp-name": "test_header_param",
            "mcp-param-region": "us-east"}
    with serving(config) as base:
        refused = httpx.post(f"{base}/mcp", json=body, headers=sent, timeout=60)
        assert refused.status_code == 400 and "-32020" in refused.text, refused.text[:300]
        ok_body = {**body, "id": 8, "params": {**body["params"], "arguments": {"region": "us-east"}}}
        assert httpx.post(f"{base}/mcp", json=ok_body, headers=sent, timeout=60).status_code == 200
    shown = subprocess.run([*GUARD, "--config", str(config), "audit", "show", "--kind", "call", "--json"],
                           capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert "us-east" in shown.stdout, shown.stdout + shown.stderr  # the log is read: a call that passed is there
    assert MARKER in shown.stdout, "the refused call left no audit record:\n" + shown.stdout[-1500:] + shown.stderr
