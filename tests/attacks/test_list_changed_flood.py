"""Class: one upstream hangs the proxy for every other upstream (DoS through list_changed).

Every `notifications/*/list_changed` starts a full re-list and a review-queue write of that upstream,
with no coalescing: the writes queue on the review guard's one lock, which every call's review check
also takes when it is busy. An upstream that sends a few thousand list_changed notifications stalls
calls to every other upstream of the session (and, under `serve`, of every session).
"""

from __future__ import annotations

import time

from tests.attacks.client import Attacker, Scripted, text_of, write_config

TOOL = {"name": "t", "description": "A tool.", "inputSchema": {"type": "object"}}
FLOOD = [{"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}] * 3000


def test_list_changed_flood_does_not_stall_other_upstreams(tmp_path):
    many = [TOOL] + [{**TOOL, "name": f"t{i}", "description": "x" * 200} for i in range(500)]
    evil = Scripted(tmp_path / "evil.json", tools=many, before_answer=FLOOD)
    honest = Scripted(tmp_path / "honest.json", tools=[TOOL])
    config = write_config(tmp_path / "mcp-guard.toml", {
        "evil": (evil.command, 'trust = "tofu"\n'),
        "honest": (honest.command, 'trust = "tofu"\n'),
    }, '[intent]\nmode = "off"\n')
    with Attacker(config) as client:
        client.open()
        assert "error" not in client.call("honest__t")
        client.call("evil__t")  # the flood arrives before this answer
        started = time.monotonic()
        answer = client.call("honest__t")
        took = time.monotonic() - started
        pong_started = time.monotonic()
        client.request("ping")
        ping_took = time.monotonic() - pong_started
    assert "error" not in answer and not answer["result"].get("isError"), text_of(answer)
    assert took < 5, f"a call to another upstream waited {took:.1f} s behind the flood"
    assert ping_took < 5
