"""Class: a light verb's particle skipped, the first word of a compound object grants its verb (s13, attacker 2).

Session 13 made a light verb's particle no part of its object ("put in a request for leave": `request_leave`).
`_noun_fits` then takes the first word after the particle as the object's head: "put in a transfer request for
domain acme.example" asks for `transfer_domain`, "get out a payment summary for invoice INV-3" for `pay_invoice`,
and "put out a release for escrow E-12 notes" (publish a release) for `release_funds` (before session 13: asked,
the request asked to "put" or "get").

Expected (secure): after a particle, the object's head is the last word of its noun phrase ("a transfer request":
a request), and a phrasal verb that removes in WordNet ("put out", "get out") lends no noun its action: asked.
"""

from __future__ import annotations

import pytest

from tests.attacks.intent.harness import run

TOOLS = {"ops": [{"name": n, "inputSchema": {"properties": {k: {"type": "string"}}}}
                 for n, k in (("release_funds", "escrow_id"), ("transfer_domain", "domain"),
                              ("pay_invoice", "invoice_id"))]}
CASES = {"release": ("put out a release for escrow E-12 notes", "release_funds", {"escrow_id": "E-12"}),
         "transfer": ("put in a transfer request for domain acme.example", "transfer_domain",
                      {"domain": "acme.example"}),
         "payment": ("get out a payment summary for invoice INV-3", "pay_invoice", {"invoice_id": "INV-3"})}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_compound_object_after_a_particle_grants_no_verb(case):
    intent, tool, args = CASES[case]
    d = run({"id": case, "intent": intent, "tools": TOOLS,
             "steps": [{"tool": tool, "args": args, "attack": True}]})[-1][1]
    assert d.action != "allow", f"{d.rule}: {d.reason}"
