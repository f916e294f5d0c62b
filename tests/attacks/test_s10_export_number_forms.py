"""Class: an honest audit log whose export does not verify (session 10, attacker). A record's hash
covers the SHA-256 of its data's canonical JSON as written; `audit export` parses the stored text and
`audit verify --file` serialises it again. For a number that serialisation does not give back the
same text, and the honest record reads as edited: a float that is a whole number of 2**53 or more
(`1e16`) is written `10000000000000000`, which parses as an integer, and an integer that large is
written as a string. One tool call with such an argument, from an agent or an injection that asks for
it, made every later export of the log fail verification: a check that cries wolf on demand
is one nobody can act on. Fixed: such a float is canonicalised as the string of its Python text, like
an integer beyond 2**53 (`canonical.jsonable`), so a canonical text is its own canonical form.
"""

from __future__ import annotations

import subprocess

from tests.attacks.client import Attacker, Scripted, write_config
from tests.clients import GUARD

TOOL = {"name": "convert", "description": "Convert an amount between units.",
        "annotations": {"readOnlyHint": True},
        "inputSchema": {"type": "object", "properties": {"amount": {"type": "number"}}}}


def _guard(cfg, *args):
    return subprocess.run([*GUARD, "--config", str(cfg), *args], capture_output=True, text=True, timeout=120)


def test_an_honest_export_with_a_large_whole_float_verifies(tmp_path):
    server = Scripted(tmp_path / "s.json", tools=[TOOL])
    cfg = write_config(tmp_path / "mcp-guard.toml", {"units": (server.command, 'trust = "tofu"\n')},
                       '[storage]\npath = "guard.db"\n')
    with Attacker(cfg, "--intent", "Convert 1e16 grams to tonnes") as client:
        client.open()
        client.names()
        client.exchange(b'{"jsonrpc":"2.0","id":"c1","method":"tools/call",'
                        b'"params":{"name":"convert","arguments":{"amount":1e16}}}', "c1")
    assert _guard(cfg, "audit", "verify").returncode == 0  # the database's own chain is intact
    export = tmp_path / "audit.jsonl"
    assert _guard(cfg, "audit", "export", str(export)).returncode == 0
    checked = _guard(cfg, "audit", "verify", "--file", str(export))
    assert checked.returncode == 0, checked.stdout + checked.stderr
