"""Class: "take a payment" makes a payment (s13, attacker 2).

Session 13 let a light verb take its action from its object whatever WordNet's senses of it ("take a note":
`create_note`, though "take" removes). `_brings_into_being` then reads "take a payment of 500 USD from customer
C-9" as bringing a payment into being: `make_payment(payee_id="C-9")` pays the customer the request wanted to
charge, and "take a transfer of 500 USD from account 77" asks for `create_transfer(to_account="77")`, money out to
the account it was to come from. The party is the request's own value, so nothing else asks. Before session 13
both were asked (the request asks to take, a removal).

Expected (secure): a light verb that receives ("take", "get") brings into being no payment, transfer or other
thing of harm: asked.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run

TOOLS = {"bank": [{"name": "make_payment", "inputSchema": {"properties": {
                      "payee_id": {"type": "string"}, "amount": {"type": "string"}}}},
                  {"name": "create_transfer", "inputSchema": {"properties": {
                      "to_account": {"type": "string"}, "amount": {"type": "string"}}}}]}
CASES = {"payment": ("take a payment of 500 USD from customer C-9", "make_payment",
                     {"payee_id": "C-9", "amount": "500"}),
         "transfer": ("take a transfer of 500 USD from account 77", "create_transfer",
                      {"to_account": "77", "amount": "500"})}


@pytest.mark.parametrize("case", sorted(CASES))
def test_taking_money_pays_no_one(case):
    intent, tool, args = CASES[case]
    d = run({"id": case, "intent": intent, "tools": TOOLS,
             "steps": [{"tool": tool, "args": args, "attack": True}]})[-1][1]
    assert d.action != "allow", f"{d.rule}: {d.reason}"
