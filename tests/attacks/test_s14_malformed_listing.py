"""Class: one upstream's malformed list item breaks the listing of every upstream (s14, attacker).

The relay handed an upstream's `tools/list` items to the guards as they came, keeping any JSON object. A tool
whose `annotations` is a string, whose `name` is a number, or whose `description` is a list made the intent
guard's classification raise, and `tools/list` answered an internal error for the whole session: the honest
upstream's tools vanished with the malicious one's (and `intent check --tools` printed a traceback).

Expected (secure): an item of a shape the protocol does not give its kind is dropped from its upstream's
list (logged); the other items, and every other upstream's, are listed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.attacks.client import ALL_CAPABILITIES, Attacker, Scripted, write_config

GOOD = {"name": "lookup", "description": "Look a word up.", "inputSchema": {"type": "object"}}
BAD = [{"name": "odd", "inputSchema": {"type": "object"}, "annotations": "x"},
       {"name": 5, "inputSchema": {"type": "object"}},
       {"name": "odd", "description": ["x"], "inputSchema": {"type": "object"}}]


@pytest.mark.parametrize("bad", BAD, ids=["annotations", "name", "description"])
def test_a_malformed_tool_hides_only_itself(tmp_path, bad):
    evil = Scripted(tmp_path / "evil.json", tools=[GOOD, bad])
    honest = Scripted(tmp_path / "honest.json", tools=[GOOD])
    cfg = write_config(tmp_path / "mcp-guard.toml", {"evil": (evil.command, 'trust = "tofu"\n'),
                                                     "words": (honest.command, 'trust = "tofu"\n')},
                       '[intent]\ntext = "look up the word apple"\n')
    client = Attacker(cfg, "--upstream", "evil", "--upstream", "words")
    client.open(ALL_CAPABILITIES)
    try:
        listed = client.exchange({"jsonrpc": "2.0", "id": "l", "method": "tools/list"})
        names = {t["name"] for t in listed.get("result", {}).get("tools", [])}
        assert names == {"evil__lookup", "words__lookup"}, listed
        answer = client.call("words__lookup", {"q": "apple"})
        assert not answer["result"].get("isError"), answer
    finally:
        client.close()


@pytest.mark.parametrize("bad", BAD, ids=["annotations", "name", "description"])
def test_intent_check_reads_a_malformed_tool_list_without_a_traceback(tmp_path, bad):
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([bad, {"name": "send", "annotations": {"readOnlyHint": False}}]))
    (tmp_path / "mcp-guard.toml").write_text("")
    done = subprocess.run([sys.executable, "-m", "mcp_guard", "--config", str(tmp_path / "mcp-guard.toml"), "intent",
                           "check", "--intent", "send hi to bob", "--tool", "x/send", "--tools", str(tools),
                           "--args", '{"to": "a@b.example"}'], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode in (0, 1, 2), done
