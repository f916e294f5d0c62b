"""Audit: `<db>-audit.lock`, the appenders' queue file, is an flock with no timeout. Any same-user
process (an upstream server the proxy launched, which the README says runs as the user) that takes
LOCK_EX on it and never lets go stops every appender of that database forever: calls hang with no
answer and no error, where a held SQLite write lock fails after the 30 s busy timeout (one line,
"cannot write the audit log"). With durability "normal", calls are forwarded while their records
sit in memory, lost when the hung proxy is killed.

Secure behaviour asserted: the call gets an answer (an error is fine) within the busy timeout plus
a margin, and no call reaches the upstream without its record being written.
"""

from __future__ import annotations

import fcntl
import json
import os
import time

import pytest

from tests.attacks.client import Attacker, server, write_config


def _setup(tmp_path, durability):
    log = tmp_path / "upstream.log"
    spec = tmp_path / "world.json"
    spec.write_text(json.dumps({"tools": [{"name": "list_emails", "annotations": {"readOnlyHint": True}}],
                                "results": {"list_emails": "nothing new"}, "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"world": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n\n[audit]\ndurability = "{durability}"\n')
    return cfg, log


def _hold_queue(tmp_path, what) -> int:
    fd = os.open(str(tmp_path / "guard.db-audit.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    # what a same-user upstream can do at its start, and keep: the lock, or the turn to take it next
    if what == "lock":
        fcntl.flock(fd, fcntl.LOCK_EX)
    else:
        fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)
    return fd


@pytest.mark.parametrize("what", ["lock", "turn"])
def test_a_held_audit_queue_file_does_not_hang_the_proxy_forever(tmp_path, what):
    """`mcp-guard run` never even answers `initialize` (nor exits on EOF) while another process of the
    user holds the queue file: no error after the 30 s busy timeout, just silence."""
    cfg, _ = _setup(tmp_path, "full")
    fd = _hold_queue(tmp_path, what)
    with Attacker(cfg, "--upstream", "world") as a:
        try:
            a.send(a.new_request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                                "clientInfo": {"name": "attacker", "version": "1"}}))
            t0 = time.monotonic()
            try:
                answer = a.read(timeout=60)
            except TimeoutError:
                answer = None
            waited = time.monotonic() - t0
        finally:
            os.close(fd)  # let it go, so the proxy can exit
        assert answer is not None, f"no answer (not even an error) after {waited:.0f} s: appenders hang on the flock"
