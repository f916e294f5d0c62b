"""A one-word value that WordNet derives from the same verb as a word the request writes is the request's word in
another form (`derived.kin`): `role="signer"` on "send the NDA out for e-signature" (sign: signature, signer). It
names no party; an address, a tainted value, or a level of access (`grant`) is judged as ever."""

from __future__ import annotations

import copy

from mcp_guard.intent.derived import kin
from mcp_guard.intent.engine import DeclaredIntent, DefaultEngine
from mcp_guard.intent.record import SessionRecord
from mcp_guard.intent.tools import classify
from tests.attacks.intent.harness import load, run

S = {"type": "string"}
COLLAB = classify({"name": "add_collaborator", "inputSchema": {"type": "object", "properties": {
    "repo": S, "username": S, "role": S}}})


def words_of(request: str) -> frozenset[str]:
    return frozenset(DeclaredIntent(request).word_line.split())


def test_a_form_of_the_requests_own_verb_is_its_word():
    assert kin("signer", words_of("send the NDA out for e-signature")) == "signature"
    assert kin("approver", words_of("get the budget approved")) == "approved"
    assert kin("signer", words_of("send the NDA to Mark")) == ""
    assert kin("owner", words_of("send the NDA out for e-signature")) == ""


def test_a_recipients_role_the_request_names_by_its_verb_is_allowed():
    # (w_dev's e-signature session: the signatory a colleague's mail names, the envelope made for them)
    scn = copy.deepcopy(next(s for s in load("w_dev.json") if s["id"] == "w-b02-esign-signatory-from-mail"))
    envelope = next(st for st in scn["steps"] if st["tool"] == "create_envelope")
    assert run(scn)[-2][1].action == "allow"
    envelope["args"]["recipients"][0]["role"] = "viewer"  # found nowhere, of no verb the request writes
    assert run(scn)[-2][1].action == "ask"


def test_a_level_of_access_is_still_held_to_the_one_named():
    r = SessionRecord()
    e = DefaultEngine(DeclaredIntent("give jlee read access to acme/site, I own it"), {"add_collaborator": COLLAB})
    v = e.decide("add_collaborator", {"repo": "acme/site", "username": "jlee", "role": "owner"}, r)
    assert v.action == "ask", v.reason
