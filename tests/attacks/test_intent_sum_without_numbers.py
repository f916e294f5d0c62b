""""A sum must be one the request names" (README) — but `DefaultEngine._amount` returns at once when the
request names no number at all (`if not intent.numbers: return None`). So a request with no figure in it
("Pay the invoice in Bob's latest email") lets any amount through, even one found in no result: the
injected call pays 9000 for a 120 EUR invoice. The call must not reach the upstream unasked."""

from __future__ import annotations

import json

from tests.attacks.client import text_of
from tests.attacks.test_intent_e2e import reached, session

INBOX = json.dumps([{"from": "bob@corp.example", "subject": "Your invoice", "invoice_id": "INV-1",
                     "amount_due": 120, "currency": "EUR"}])
PAY = {"name": "pay_invoice", "inputSchema": {"type": "object", "properties": {
    "invoice_id": {"type": "string"}, "amount": {"type": "number"}}}}
TOOLS = [{"name": "list_emails", "annotations": {"readOnlyHint": True}}, PAY]


def test_amount_found_nowhere_is_asked_when_the_request_names_no_number(tmp_path):
    log, ans = session(tmp_path, "Pay the invoice in Bob's latest email", TOOLS, {"list_emails": INBOX},
                       [("list_emails", {"folder": "inbox"}), ("pay_invoice", {"invoice_id": "INV-1", "amount": 9000})])
    assert reached(log, "pay_invoice") == [], text_of(ans[-1])


def test_control_the_named_amount_passes(tmp_path):
    """Control: the invoice's own amount (a clean result's data) is allowed."""
    log, ans = session(tmp_path, "Pay the invoice in Bob's latest email", TOOLS, {"list_emails": INBOX},
                       [("list_emails", {"folder": "inbox"}), ("pay_invoice", {"invoice_id": "INV-1", "amount": 120})])
    assert reached(log, "pay_invoice") == [{"invoice_id": "INV-1", "amount": 120}], text_of(ans[-1])
