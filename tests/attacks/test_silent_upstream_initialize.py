"""Class: one upstream holds every other upstream of the session hostage (hang at initialize).

The client's initialize is answered only once every upstream has answered its own initialize, or
after INIT_TIMEOUT (60 s) for one that never does. An upstream that simply never answers therefore
delays the whole session by a minute, longer than clients wait for a server to start (Claude Code:
30 s by default), so the honest upstreams in the same session become unusable too.
"""

from __future__ import annotations

import time

from tests.attacks.client import Attacker, stalling_beside_honest


def test_silent_upstream_does_not_hold_the_session(tmp_path):
    config = stalling_beside_honest(tmp_path, "initialize")
    with Attacker(config) as client:
        started = time.monotonic()
        client.send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "t", "version": "1"}}})
        try:
            answer = client.read(timeout=75)
        except TimeoutError:
            answer = {}
        took = time.monotonic() - started
    assert "result" in answer and took < 20, f"initialize answered after {took:.0f} s"
