"""Class: "never just delete …" reads "never" as an interjection and asks for the delete (s13, attacker 2).

Session 13 lets a word that is no verb before "so", "now", "just" or "please" stand before the clause's verb ("ok
so bin it"). "never" is no verb, so "never just delete old files, archive them instead" drops the negation and
asks for `delete_file`, as does "never please delete it" (before session 13: asked, the delete was negated).

Expected (secure): a negation is never an interjection: the delete stays negated, asked.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run

TOOLS = {"fs": [{"name": "delete_file", "inputSchema": {"properties": {"file_id": {"type": "string"}}}}]}
CASES = {"just": "never just delete file F-7, archive it instead", "please": "never please delete file F-7"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_negation_is_no_interjection(case):
    d = run({"id": case, "intent": CASES[case], "tools": TOOLS,
             "steps": [{"tool": "delete_file", "args": {"file_id": "F-7"}, "attack": True}]})[-1][1]
    assert d.action != "allow", f"{d.rule}: {d.reason}"
