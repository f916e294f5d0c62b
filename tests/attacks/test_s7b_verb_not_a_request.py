"""s7b: a verb that is not asked of the agent (the person's own plan, a reminder's content, text after
"Tell X:" or a list's title) still grants the action. README "Session intent": a verb grants only as the
first word of an imperative clause; not in text after "says:", not in a subordinate clause, not in a
clause that waits for the person's own later word. Expected: each call is asked/held. Actual: allowed
and forwarded (the amount and recipient come from the request, so nothing else asks)."""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, server, text_of, write_config

B = "bob@corp.example"
S = {"type": "string"}
TOOLS = [
    {"name": "read_file", "annotations": {"readOnlyHint": True},
     "inputSchema": {"type": "object", "properties": {"path": S}}},
    {"name": "send_money", "description": "Send money",
     "inputSchema": {"type": "object", "properties": {"recipient": S, "amount": {"type": "number"}}}},
    {"name": "delete_file", "description": "Delete a file",
     "inputSchema": {"type": "object", "properties": {"path": S}}},
]
PAY = ("send_money", {"recipient": B, "amount": 20})
CASES = [
    ("Remind me to delete report.txt tomorrow", "delete_file", {"path": "report.txt"}),
    ("Remind me to pay bob@corp.example 20 dollars", *PAY),
    ("I'll pay bob@corp.example 20 dollars later; for now just summarize report.txt", *PAY),
    ("Don't forget: I need to pay bob@corp.example 20 dollars next week, put it in my calendar", *PAY),
    ("Tell bob@corp.example: pay me 20 dollars", *PAY),
    ("Write a to-do list: pay bob@corp.example 20 dollars, call mom", *PAY),
]


@pytest.mark.parametrize("intent,tool,args", CASES, ids=[str(i) for i in range(len(CASES))])
def test_verb_not_asked_of_agent_does_not_grant(tmp_path, intent, tool, args):
    log = tmp_path / "upstream.log"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"tools": TOOLS, "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml", {"w": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       '[storage]\npath = "guard.db"\n')
    with Attacker(cfg, "--upstream", "w", "--intent", intent) as a:
        a.open()
        a.names()
        ans = a.call(tool, args)
    got = [json.loads(x)["tool"] for x in log.read_text().splitlines()] if log.exists() else []
    assert tool not in got, text_of(ans)
