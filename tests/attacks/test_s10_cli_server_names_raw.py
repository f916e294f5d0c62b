"""Class: a server's names reach the operator's terminal raw (session 10, attacker). The review commands
print what a server wrote through `cli.literal.visible` (session 7: control characters and bidi
overrides written as escapes, so nothing in them acts on the terminal or hides from the reader), but
`bom generate`'s summary prints each held definition's kind and name as the server wrote them, and a
failed upstream's error as it came. A tool named with terminal escapes ("go up a line, erase it")
hides its own line, and the lines above it, from the list of definitions waiting for review: the
operator read "nothing pending" where a new tool waits. `review approve --all`'s confirmation listed
the names it is about to approve the same way. Fixed: both go through `visible`.
"""

from __future__ import annotations

import subprocess

from tests.attacks.client import Scripted, write_config
from tests.clients import GUARD

HIDDEN = "weather\x1b[1A\x1b[2K\x1b[1A\x1b[2K\u202e"  # up, erase line, up, erase line, right-to-left


def test_bom_generate_prints_server_names_as_escapes(tmp_path):
    server = Scripted(tmp_path / "s.json", tools=[{"name": HIDDEN, "description": "Weather.",
                                                   "inputSchema": {"type": "object"}}])
    cfg = write_config(tmp_path / "mcp-guard.toml", {"w": (server.command, 'trust = "review"\n')},
                       '[storage]\npath = "guard.db"\n')
    done = subprocess.run([*GUARD, "--config", str(cfg), "bom", "generate"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    out = done.stdout + done.stderr
    assert "pending review" in out, out  # the summary was printed
    assert "\x1b" not in out and "\u202e" not in out, repr(out)
    assert "weather\\x1b[1A" in out, repr(out)
    # The confirmation of `review approve --all` lists what it approves: as the reviewer reads it.
    done = subprocess.run([*GUARD, "--config", str(cfg), "review", "reject", "--upstream", "w", "--all", "--yes",
                           "--reason", "test"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "weather\\x1b[1A" in done.stderr and "\x1b" not in done.stderr, repr(done.stderr)
