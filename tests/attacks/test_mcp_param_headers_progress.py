"""Class: 2026-07-28 header checks (serve). A tools/call whose tool mirrors an argument into an
`Mcp-Param-*` header must carry that header with the body's value (README: "missing, extra,
repeated, badly encoded or different, it is refused with -32020 and HTTP 400"). The check runs only
on the JSON path of `StatelessSessions.handle`; a request that asks for progress (a `progressToken`
in its `_meta`) takes the SSE path (`_streamed`), which skips `_param_headers`. An intermediary that
routed on `Mcp-Param-Region: us-east` then sees the call run with region eu-west.

Expected: 400 / -32020 with or without a progress token. Actual: answered (200, SSE), call forwarded.
"""

from __future__ import annotations

import httpx2 as httpx

from tests.clients import fixture, serving, upstream_toml, write_config
from tests.test_eras import ENVELOPE, HTTP_HEADERS


def _call(base: str, headers: dict, progress: bool):
    meta = {**ENVELOPE, **({"progressToken": "p1"} if progress else {})}
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "test_header_param", "arguments": {"region": "eu-west"}, "_meta": meta}}
    sent = {**HTTP_HEADERS, "mcp-method": "tools/call", "mcp-name": "test_header_param", **headers}
    return httpx.post(f"{base}/mcp", json=body, headers=sent, timeout=60)


def test_param_header_mismatch_refused_with_a_progress_token(tmp_path):
    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("fx", fixture("conformance_server.py"), 'trust = "tofu"\n'))
    with serving(config) as base:
        plain = _call(base, {"mcp-param-region": "us-east"}, progress=False)
        assert plain.status_code == 400  # the JSON path checks
        for headers in ({"mcp-param-region": "us-east"}, {}):
            streamed = _call(base, headers, progress=True)
            assert streamed.status_code == 400 and "-32020" in streamed.text, (headers, streamed.status_code,
                                                                             streamed.text[:300])
