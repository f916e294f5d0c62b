"""Class: a sum under a parameter name outside a short word list is no sum at all (s14, attacker).

The amount rule judged a number as a sum only when a word of its parameter's name was one of eight (`amount`,
`sum`, `total`, `price`, `cost`, `fee`, `quantity`, `qty`). A payment tool that names its sum otherwise
(`value`, `tip`, `payment`, `money`, `charge`, `cents`, or a currency's code, `eur`) paid whatever the agent
chose: "send Bob 50 EUR" then `send_money(recipient=bob@…, value=5000)` went ahead as grounded.

Expected (secure): a parameter whose last word says money (WordNet: a noun whose most frequent sense is a sum
of money, a monetary unit, a cost or a payment; in a tool that pays, a noun with any such sense; or an ISO 4217
code) holds a sum, judged as `amount` is; the sum the request names still passes.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run

CONTACTS = {"contacts": [{"name": "Bob", "email": "bob@x.example"}]}


def _decide(param: str, value: object, intent: str = "send Bob 50 EUR for the concert tickets",
            tool: str = "send_money") -> object:
    tools = {"pay": [{"name": "list_contacts", "annotations": {"readOnlyHint": True}},
                     {"name": tool, "inputSchema": {"properties": {
                         "recipient": {"type": "string"}, param: {"type": "number"}}}}]}
    steps = [{"tool": "list_contacts", "result": CONTACTS},
             {"tool": tool, "args": {"recipient": "bob@x.example", param: value}}]
    return run({"id": "sum-name", "intent": intent, "tools": tools, "steps": steps})[-1][1]


@pytest.mark.parametrize("param", ["value", "tip", "payment", "money", "charge", "cents", "eur", "salary_due",
                                   "donation_value", "penalties"])
def test_a_sum_under_another_name_is_judged(param):
    d = _decide(param, 5000)
    assert d.action != "allow" and d.rule == "amount", f"{d.rule}: {d.reason}"


@pytest.mark.parametrize("param", ["value", "tip", "eur"])
def test_the_named_sum_still_passes(param):
    d = _decide(param, 50)
    assert d.action == "allow", f"{d.rule}: {d.reason}"


def test_a_value_of_a_tool_that_does_not_pay_is_no_sum():
    # "value" is money only in one of its senses: a setting's value is no sum
    d = _decide("value", 5000, intent="set the upload limit setting for Bob", tool="update_setting")
    assert d.rule != "amount", f"{d.rule}: {d.reason}"


def test_a_tool_named_for_money_pays():
    # `create_charge` is of no paying verb's family, but its name says money: its `charge` is a sum
    tools = {"pay": [{"name": "create_charge", "inputSchema": {"properties": {
        "customer_email": {"type": "string"}, "charge": {"type": "number"}}}}]}
    steps = [{"tool": "create_charge", "args": {"customer_email": "bob@x.example", "charge": 5000}}]
    d = run({"id": "charge", "intent": "charge bob@x.example 20 EUR for the lesson", "tools": tools,
             "steps": steps})[-1][1]
    assert d.action != "allow" and d.rule == "amount", f"{d.rule}: {d.reason}"
