"""Class: a shared upstream hung by one session hurts every session, for good (serve, share = "all").

A session's call that makes the shared server stop answering (a blocking tool: a slow fetch, a lock,
or here a sleep) times out for that session after `call_timeout`, but the server is neither
restarted nor replaced: every other session's calls time out too, for as long as serve runs. With
`share = "per-session"` the same call would cost only its own session. The README promises a restart
after a crash; a server that stopped answering every request past its timeout is as dead.

Expected: after the hung call timed out, the shared server is restarted (or otherwise recovered) and
another session's call is answered. Actual: it times out.
"""

from __future__ import annotations

import time

from tests.attacks.client import Scripted
from tests.clients import serving, upstream_toml, write_config
from tests.test_eras import handshake_call, handshake_session

TOOLS = [{"name": "hang", "inputSchema": {"type": "object"}}, {"name": "echo", "inputSchema": {"type": "object"}}]
HANG = "(__import__('time').sleep(3600) if params.get('name') == 'hang' else 'echo ok')"


def test_one_session_cannot_hang_a_shared_server_for_all(tmp_path):
    upstream = Scripted(tmp_path / "s.json", tools=TOOLS, call_python=HANG)
    extra = 'trust = "tofu"\nshare = "all"\ncall_timeout = 3\n'
    config = write_config(tmp_path / "c.toml", upstream_toml("up", upstream.command, extra))
    with serving(config) as base:
        attacker, victim = handshake_session(base), handshake_session(base)
        assert "echo ok" in str(handshake_call(base, victim, "echo", {}))  # control
        hung = handshake_call(base, attacker, "hang", {})
        assert "error" in hung or hung["result"].get("isError")
        time.sleep(5)
        later = handshake_call(base, victim, "echo", {})
        assert "echo ok" in str(later), f"the victim session is still cut off: {later}"
