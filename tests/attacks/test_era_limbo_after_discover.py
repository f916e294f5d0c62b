"""Era limbo: a `server/discover` that finds no 2026-07-28 upstream leaves the era unset, and the
requests that follow WITHOUT the envelope and WITHOUT initialize are served anyway (the upstream is
never initialized, the guards never saw its lists): a resource held for review is read.

Expected: after a discover that commits no era, a request that is neither `initialize` nor enveloped
is refused (as before initialize), and a held resource is never read. Actual: it is served."""

from __future__ import annotations

from tests.attacks.client import Attacker, Scripted, envelope, write_config

V = "io.modelcontextprotocol/protocolVersion"
ENV = envelope()
TOOL = {"name": "send_mail", "description": "send", "inputSchema": {"type": "object"}}


def test_discover_then_bare_requests_skip_review(tmp_path, home):
    s = Scripted(tmp_path / "s.json", tools=[TOOL], prompts=[{"name": "p"}],
                 resources=[{"uri": "file:///x", "name": "x"}])
    cfg = write_config(tmp_path / "c.toml", {"mail": (s.command, "")})  # default trust: everything held
    with Attacker(cfg, env={"HOME": str(home)}) as a:
        disc = a.request("server/discover", {"_meta": ENV})
        assert "error" in disc  # handshake-only upstream: the client may fall back to initialize
        read = a.request("resources/read", {"uri": "file:///x"})  # no envelope, no initialize
        assert "result" not in read, f"held resource read in era limbo: {read}"
        assert "error" in a.request("tools/list", {}), "a bare request before initialize must be refused"
    # the upstream must never see a request of a session that was not opened
    assert "resources/read" not in [m.get("method") for m in s.received()]
