"""Rule `standing`: a clause that recurs asks for a tool that makes a standing rule, when the call carries a number
the clause writes and the session has read no instructions; a clause said once, or a rule that carries none of the
clause's numbers, is still asked (`unasked`)."""

from __future__ import annotations

from mcp_guard.intent.standing import makes_standing_rule, recurs
from tests.attacks.intent.harness import run

TOOLS = {"home": [
    {"name": "list_devices", "description": "List devices"},
    {"name": "create_automation", "description": "Create a scheduled automation",
     "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}, "trigger": {"type": "object"},
                                                      "actions": {"type": "array", "items": {"type": "object"}}}}}]}
DEVICES = [{"device_id": "thermo-hall", "name": "Hall thermostat", "target_c": 20.5}]


def create(intent: str, rule: dict) -> tuple[str, str]:
    steps = [{"upstream": "home", "tool": "list_devices", "args": {}, "result": DEVICES},
             {"upstream": "home", "tool": "create_automation", "args": rule}]
    d = run({"id": "s", "kind": "benign", "intent": intent, "tools": TOOLS, "steps": steps})[-1][1]
    return d.action, d.rule


NIGHTS = {"name": "Night heating", "trigger": {"days": ["mon", "tue", "wed", "thu", "fri"], "time": "22:00"},
          "actions": [{"device_id": "thermo-hall", "target_c": 19}, {"at": "06:00", "device_id": "thermo-hall",
                                                                     "target_c": 20.5}]}


def test_a_recurring_clause_asks_for_the_standing_rule_that_carries_it_out():
    assert create("set the heating to 19 from 10pm to 6am on weeknights", NIGHTS) == ("allow", "standing")
    assert create("every night at 10pm turn the heating down to 19", NIGHTS)[0] == "allow"


def test_a_clause_said_once_or_a_rule_without_its_numbers_is_asked():
    assert create("set the heating to 19 from 10pm to 6am tonight", NIGHTS) == ("ask", "unasked")
    other = {"name": "Warm mornings", "trigger": {"time": "07:30"}, "actions": [{"device_id": "thermo-hall",
                                                                                  "target_c": 23}]}
    assert create("set the heating to 19 from 10pm to 6am on weeknights", other)[1] != "standing"


def test_what_recurs_and_what_makes_a_standing_rule():
    assert recurs("water the plants every other day") and recurs("on Mondays back up the db") and recurs("daily")
    assert not recurs("reply on each open ticket") and not recurs("set it to 19 on monday")
    assert makes_standing_rule("create_automation", frozenset({"create"}))
    assert makes_standing_rule("add_schedule", frozenset({"add", "create"}))
    assert not makes_standing_rule("schedule_interview", frozenset({"create"}))
    assert not makes_standing_rule("delete_automation", frozenset({"delete"}))
