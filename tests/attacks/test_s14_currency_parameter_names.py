"""Class: a currency under another parameter name is no currency at all (s14, attacker).

"transfer 50 EUR" names the sum's unit: a call that pays in another currency is asked. A currency parameter was
one whose name's last word is `currency` (or `ccy`, `cur`), so PayPal's own `currency_code`, `currencyCode`, or
an `asset`, `unit`, `denomination` argument of a tool that pays, paid 50 BTC unjudged.

Expected (secure): a parameter with such a word anywhere in its name (not a sum named after one) is a currency,
and, in a tool that pays, so is any argument whose whole value is a currency's code in capitals; the currency the
request names still passes.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run


def _decide(args: dict) -> object:
    tools = {"pay": [{"name": "list_contacts", "annotations": {"readOnlyHint": True}},
                     {"name": "send_money", "inputSchema": {"properties": {p: {"type": "string"} for p in args}}}]}
    steps = [{"tool": "list_contacts", "result": {"contacts": [{"name": "Bob", "email": "bob@x.example"}]}},
             {"tool": "send_money", "args": {"recipient": "bob@x.example", **args}}]
    scenario = {"id": "ccy", "intent": "send Bob 50 EUR for the concert tickets", "tools": tools, "steps": steps}
    return run(scenario)[-1][1]


@pytest.mark.parametrize("args", [{"amount": "50", "currency_code": "BTC"}, {"amount": "50", "currencyCode": "BTC"},
                                  {"amount": {"value": "50", "currency_code": "BTC"}},
                                  {"amount": "50", "asset": "BTC"}, {"amount": "50", "denomination": "USD"}])
def test_another_currency_under_another_name_is_asked(args):
    d = _decide(args)
    assert d.action != "allow" and d.rule == "amount", f"{d.rule}: {d.reason}"


@pytest.mark.parametrize("args", [{"amount": "50", "currency_code": "EUR"},
                                  {"amount": {"value": "50", "currency": "EUR"}}, {"amount": "50", "asset": "EUR"}])
def test_the_named_currency_passes(args):
    d = _decide(args)
    assert d.action == "allow", f"{d.rule}: {d.reason}"
