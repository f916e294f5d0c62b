"""Class: /metrics (serve). `mcp_guard_calls_total{tool=…}` is labelled with the name the CLIENT
sent whenever a call reaches the gate, including names no upstream ever listed (with one upstream,
every name routes to it; the review guard then denies it). The only bound is 500 distinct names
per upstream, not their length: a client (a prompt-injected agent) can (a) write arbitrary text,
e.g. data it read, into the operator's monitoring, where dashboards show it to people who never
see the audit log, and (b) make the proxy keep and render up to 500 x max_body_bytes (2 GB at the
defaults) of label text, every scrape.

Expected: a name the upstream does not serve is counted under a fixed label ("(unknown)" /
"(other)"), so /metrics stays small and carries no client text. Actual: the names are labels.
"""

from __future__ import annotations

import httpx2 as httpx

from tests.attacks.client import Scripted
from tests.clients import serving, upstream_toml, write_config
from tests.test_eras import handshake_call, handshake_session


def test_unlisted_tool_names_do_not_become_metric_labels(tmp_path):
    upstream = Scripted(tmp_path / "s.json", tools=[{"name": "echo", "inputSchema": {"type": "object"}}])
    config = write_config(tmp_path / "c.toml", upstream_toml("up", upstream.command, 'trust = "tofu"\n'))
    with serving(config) as base:
        sid = handshake_session(base)
        for i in range(4):
            name = f"EXFIL-{i}-the-api-key-is-sk-live-123-" + "A" * 300_000
            answer = handshake_call(base, sid, name, {})
            assert "error" in answer or answer["result"].get("isError"), answer
        metrics = httpx.get(f"{base}/metrics", timeout=60).text
    assert "sk-live-123" not in metrics, "client text in the metrics labels"
    assert len(metrics) < 100_000, f"/metrics grew to {len(metrics)} bytes from four calls"
