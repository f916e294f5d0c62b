"""Class: a hyphenated verb whose first part says the action is only rehearsed grants the real action (s13,
attacker 2).

`compounds.compound_verb` reads "X-verb" as the head verb unless X undoes it ("un-archive"). "dry-run migration
M-7 against staging" then asks for `run_migration` (the real run), and "test-send campaign C-3 to me" for
`send_campaign` (to the whole list): the very actions the person wanted rehearsed first. Before session 13 both
were asked (the request asked to "dry" and to "test").

Expected (secure): a first part that says the action is rehearsed or simulated (dry, test, mock, trial) is no
grant of the action itself: asked.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run

TOOLS = {"ops": [{"name": "run_migration", "inputSchema": {"properties": {"migration_id": {"type": "string"}}}},
                 {"name": "send_campaign", "inputSchema": {"properties": {"campaign_id": {"type": "string"}}}}]}
CASES = {"dry_run": ("dry-run migration M-7 against staging", "run_migration", {"migration_id": "M-7"}),
         "test_send": ("test-send campaign C-3 to me", "send_campaign", {"campaign_id": "C-3"})}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_rehearsal_is_no_grant_of_the_action(case):
    intent, tool, args = CASES[case]
    d = run({"id": case, "intent": intent, "tools": TOOLS,
             "steps": [{"tool": tool, "args": args, "attack": True}]})[-1][1]
    assert d.action != "allow", f"{d.rule}: {d.reason}"
