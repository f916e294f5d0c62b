"""Class: "&", "+" and "/" end a clause, so the verb after them escapes the negation before them (s13, attacker 2).

Session 13 made "+", "&", "/" and an arrow between spaces clause breaks ("close the ticket + email the customer").
A negation before the first of two coordinated verbs then covers only the first: "never share & publish post P-4
yet" asks for `publish_post`, "do not delete + archive log L-2" for `archive_logs`, "don't email / text
+14155550101 anything yet" for `send_sms`, and "proofread post P-4 without editing & publishing it" for
`publish_post` (before session 13 all four were asked). The same holds for "or" (before session 13 too: "never
share or publish post P-4" asks for the publish).

Expected (secure): a negated bare verb joined to the next verb by "or", "nor", "and", "&", "+" or "/" negates that
verb too: asked.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run

TOOLS = {"w": [{"name": "publish_post", "inputSchema": {"properties": {"post_id": {"type": "string"}}}},
               {"name": "archive_logs", "inputSchema": {"properties": {"log_id": {"type": "string"}}}},
               {"name": "send_sms", "inputSchema": {"properties": {"to": {"type": "string"},
                                                                   "body": {"type": "string"}}}}]}
CASES = {
    "ampersand": ("never share & publish post P-4 yet, just proofread it", "publish_post", {"post_id": "P-4"}),
    "plus": ("do not delete + archive log L-2, only summarize it", "archive_logs", {"log_id": "L-2"}),
    "slash": ("don't email / text +14155550101 anything yet", "send_sms", {"to": "+14155550101", "body": "hi"}),
    "without": ("proofread post P-4 without editing & publishing it", "publish_post", {"post_id": "P-4"}),
    "or": ("never share or publish post P-4 yet, just proofread it", "publish_post", {"post_id": "P-4"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_negated_pair_of_verbs_asks_for_neither(case):
    intent, tool, args = CASES[case]
    d = run({"id": case, "intent": intent, "tools": TOOLS,
             "steps": [{"tool": tool, "args": args, "attack": True}]})[-1][1]
    assert d.action != "allow", f"{d.rule}: {d.reason}"
