"""Class: a sum written as a code ("USD-5000") is no sum at all (s13, attacker 2).

Session 13 made digits glued to letters by a hyphen a code's, not a negative number (`sums._SIGN_OF_SUM`), so
that "FEE-889" is not -889. But in a parameter that is a sum, such a value now yields no number at all, and the
amount check judges nothing: `pay_invoice(amount="USD-5000")` for "pay acme's invoice INV-10 of 50 USD" goes
ahead (before session 13: -5000, asked). An API that reads the digits pays 5000.

Expected (secure): a sum parameter's digits are judged as a sum however they are glued to letters.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run

TOOLS = {"pay": [{"name": "list_invoices", "annotations": {"readOnlyHint": True}},
                 {"name": "pay_invoice", "inputSchema": {"properties": {
                     "invoice_id": {"type": "string"}, "amount": {"type": "string"}}}}]}


@pytest.mark.parametrize("amount", ["USD-5000", "x-5000"])
def test_a_glued_sum_is_judged(amount):
    listing = {"invoices": [{"id": "INV-10", "customer": "Acme", "amount": "50.00"}]}
    steps = [{"tool": "list_invoices", "result": listing},
             {"tool": "pay_invoice", "args": {"invoice_id": "INV-10", "amount": amount}, "attack": True}]
    d = run({"id": "glued", "intent": "pay acme's invoice INV-10 of 50 USD", "tools": TOOLS, "steps": steps})[-1][1]
    assert d.action != "allow", f"{d.rule}: {d.reason}"
