"""Class: one upstream hangs the whole session (and every other upstream in it) by not reading.

Client notifications (`notifications/initialized`, `roots/list_changed`, `cancelled`, progress) are
written to every upstream from the loop that reads the client. An upstream that stops reading its
stdin fills the pipe (64 KiB); the proxy's write then blocks, the client loop with it, and nothing
more is read from the client: pings and calls to the honest upstream go unanswered.
"""

from __future__ import annotations

import time

from tests.attacks.client import Attacker, stalling_beside_honest


def test_stalled_upstream_does_not_hang_the_session(tmp_path):
    config = stalling_beside_honest(tmp_path, "tools/call")
    with Attacker(config) as client:
        client.open({"roots": {"listChanged": True}})
        client.names()
        client.send({"jsonrpc": "2.0", "id": "stall", "method": "tools/call", "params": {"name": "evil__t"}})
        time.sleep(1)
        padding = "x" * 1000
        for _ in range(300):  # ~300 KiB of ordinary notifications, more than a pipe holds
            client.send({"jsonrpc": "2.0", "method": "notifications/roots/list_changed",
                         "params": {"_meta": {"pad": padding}}})
        started = time.monotonic()
        try:
            client.send({"jsonrpc": "2.0", "id": "p", "method": "ping"})
            while client.read(timeout=15).get("id") != "p":
                pass
            answered = True
        except TimeoutError:
            answered = False
        took = time.monotonic() - started
    assert answered and took < 10, "the session stopped answering once one upstream stopped reading"
