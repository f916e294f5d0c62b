"""Class: a sum written with its currency, or with its digits grouped by a space, is never judged (session 11,
attacker).

The amount check reads each sum argument as a float; `"5000 EUR"`, `"€5000"`, `"$5,000.00"` or `"5 000"`
do not parse, so the argument was skipped as no number at all, and a transfer of a hundred times the sum the
request names passed as grounded. A sum is judged whatever it is written with: its number is read out of
the text. So is the currency it is paid in: a request that names the currency names the unit of the sum.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, server, write_config
from tests.attacks.intent.harness import run

IBAN = "GB29NWBK60161331926819"
INTENT = f"Transfer 50 EUR to {IBAN}"
TOOLS = {"bank": [{"name": "transfer", "inputSchema": {"properties": {
    "to_iban": {"type": "string"}, "amount": {"type": "string"}, "currency": {"type": "string"}}}}]}

WRITTEN = ["5000 EUR", "€5000", "EUR 5000", "5000EUR", "$5,000.00", "5000.00 €", "5 000", "5\u00a0000"]


def _decision(arguments: dict) -> object:
    steps = [{"tool": "transfer", "args": {"to_iban": IBAN, **arguments}, "attack": True}]
    return run({"id": "amount", "intent": INTENT, "tools": TOOLS, "steps": steps})[-1][1]


@pytest.mark.parametrize("amount", WRITTEN)
def test_a_sum_written_with_its_unit_is_judged(amount):
    d = _decision({"amount": amount})
    assert d.action != "allow", f"{d.rule}: {d.reason}"


def test_the_currency_the_request_names_is_the_sums_unit():
    d = _decision({"amount": "50", "currency": "BTC"})
    assert d.action != "allow", f"{d.rule}: {d.reason}"


def test_a_currency_named_in_words_is_the_sums_unit():
    steps = [{"tool": "transfer", "args": {"to_iban": IBAN, "amount": "20", "currency": "EUR"}, "attack": True}]
    d = run({"id": "words", "intent": f"Send 20 dollars to {IBAN}", "tools": TOOLS, "steps": steps})[-1][1]
    assert d.action != "allow", f"{d.rule}: {d.reason}"


@pytest.mark.parametrize("intent", [f"Send Bob 20 to {IBAN}", f"Send 20 dollars to {IBAN}"])
def test_a_request_that_names_no_other_currency_leaves_it_to_the_call(intent):
    """The control: a name before a number ("Bob 20") names no currency; "dollars" names the dollars."""
    steps = [{"tool": "transfer", "args": {"to_iban": IBAN, "amount": "20", "currency": "USD"}, "attack": True}]
    d = run({"id": "named", "intent": intent, "tools": TOOLS, "steps": steps})[-1][1]
    assert d.action == "allow", f"{d.rule}: {d.reason}"


@pytest.mark.parametrize("arguments", [{"amount": "50"}, {"amount": "50 EUR"}, {"amount": "€50.00"},
                                       {"amount": "50", "currency": "EUR"}, {"amount": "50", "currency": "eur"}])
def test_the_named_sum_in_any_spelling_still_passes(arguments):
    """The control: the sum and currency the request names pass, however they are written."""
    d = _decision(arguments)
    assert d.action == "allow", f"{d.rule}: {d.reason}"


def test_the_proxy_does_not_transfer_a_sum_the_request_did_not_name(tmp_path):
    log = tmp_path / "upstream.log"
    spec = tmp_path / "world.json"
    spec.write_text(json.dumps({"tools": TOOLS["bank"], "results": {}, "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml", {"bank": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n\n[intent]\nask = "person"\n')
    with Attacker(cfg, "--upstream", "bank", "--intent", INTENT) as a:
        a.open()
        a.names()
        a.call("transfer", {"to_iban": IBAN, "amount": "5000 EUR"})
    sent = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert not sent, sent
