""""Ask X for Y" is a message to X, a verb of the family that communicates: it asks for a tool that sends to
whom its name names ("ask the claimant for the police report": `send_claimant_letter`)."""

from __future__ import annotations

from mcp_guard.intent.engine import DeclaredIntent
from mcp_guard.intent.tools import classify

S = {"type": "string"}
LETTER = classify({"name": "send_claimant_letter", "description": "Send a letter to the claimant on file",
                   "inputSchema": {"type": "object", "properties": {"claim_id": S, "subject": S, "body": S}}})
PAYEE = classify({"name": "update_payee", "inputSchema": {"type": "object", "properties": {"claim_id": S, "iban": S}}})


def test_asking_a_party_for_something_asks_for_a_send_to_it():
    intent = DeclaredIntent("ask the claimant on CLM-790 for the police report, keep it polite")
    assert intent.asks_for(LETTER, params=LETTER.params)
    assert not intent.asks_for(PAYEE, params=PAYEE.params)


def test_asking_the_person_or_a_question_asks_for_no_send():
    for request in ("ask me before you send the letter to the claimant",
                    "should we ask the claimant for the police report?"):
        assert not DeclaredIntent(request).asks_for(LETTER, params=LETTER.params), request
