"""What WordNet says of a request's verb beyond the kinds of its most frequent senses (`words.verb_kinds`), each
table generated from WordNet 3.0 by a script under scripts/ and loaded on first use (see `DeclaredIntent._asks`):
- the nouns derived from it ("categorize": category; scripts/gen_verb_nouns.py): a verb so related to a noun of a
  tool's name asks for that tool when the tool only makes or changes that thing (`derives`: "categorize the
  payments" is `update_transaction_category`);
- the kinds its rarer senses add ("drop": modify, as in "drop the price"; scripts/gen_verb_senses.py): such a verb
  asks for a tool of that kind when its clause names a noun of the tool's name (`rare_sense_fits`);
- whether its main sense is looking or thinking ("review"; scripts/gen_verb_looks.py): see `steps`."""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_guard.intent.tools import ToolInfo

from mcp_guard.intent.words import FAMILIES, READ_VERBS, _verb_forms, name_tokens, roots, stem, verb_kinds

_NOUNS: dict[str, tuple[str, ...]] = {}
_LOOKS: set[str] = set()
_MORE: dict[str, frozenset[str]] = {}
_MAKES_OR_CHANGES = frozenset({"create", "modify"})
_SENDS_OR_HARMS = frozenset({"communicate", "delete", "cancel", "pay", "share", "reserve"})  # families


def looks(verb: str) -> bool:
    """Is the verb's most frequent sense in WordNet one of looking or thinking ("review", "analyze")? (The table
    is made by scripts/gen_verb_looks.py; loaded on first use.)"""
    if not _LOOKS:
        doc = json.loads(resources.files("mcp_guard").joinpath("data/verb_looks.json").read_text("utf-8"))
        _LOOKS.update(doc["looks"])
    return any(f in _LOOKS for f in _verb_forms(verb) if f)


def related_nouns(verb: str) -> tuple[str, ...]:
    """The nouns WordNet relates to `verb` (in any inflection: "categorized", "categorizes"), none if none."""
    if not _NOUNS:
        doc = json.loads(resources.files("mcp_guard").joinpath("data/verb_nouns.json").read_text("utf-8"))
        _NOUNS.update({v: tuple(ns) for v, ns in doc["nouns"].items()})  # in one step: the warm-up thread fills it
    return next((_NOUNS[f] for f in _verb_forms(verb) if f in _NOUNS), ())


_VERBS_OF: dict[str, frozenset[str]] = {}


def kin(value: str, request_words: frozenset[str]) -> str:
    """The word of the request that WordNet derives from the same verb as `value`, one word of four letters or more
    ("signer" beside "signature" or "sign": both of "sign"), or "": a role or a state the request names by its own
    verb, in another form."""
    v = value.strip().lower()
    if len(v) < 4 or not v.isalpha():
        return ""
    if not _VERBS_OF:
        related_nouns("be")  # (fills _NOUNS)
        index: dict[str, set[str]] = {}
        for verb, nouns in _NOUNS.items():
            for w in (verb, *nouns):
                index.setdefault(w, set()).add(verb)
        _VERBS_OF.update({w: frozenset(vs) for w, vs in index.items()})
    verbs = _VERBS_OF.get(v, frozenset())
    if not verbs:
        return ""

    def of(w: str) -> frozenset[str]:  # (the request's word in any inflection: "approved" is of "approve")
        return frozenset().union(*(_VERBS_OF.get(f, frozenset()) for f in _verb_forms(w) if f))

    return next((w for w in sorted(request_words) if w != v and len(w) >= 4 and of(w) & verbs), "")


def derived_roots(verb: str) -> frozenset[str]:
    """The roots (`words.roots`) of the nouns WordNet relates to `verb`."""
    return frozenset().union(*(roots(n) for n in related_nouns(verb)))


def _verb_families(info: ToolInfo) -> set[str]:
    return {f for f, members in FAMILIES.items() if info.own_verbs() & members}


def makes_or_changes(info: ToolInfo) -> bool:
    """Is the tool's verb one that makes or changes a thing: WordNet's kind create or modify, or a plain verb of
    change (the family of update, set, rename), and of no family that sends, publishes, books or harms
    (`publish_post` makes a post in WordNet, and communicates it)? A verb known only as starting, opening,
    storing or exporting (start, open, upload, export) or of no kind (deploy, submit, unlock) is not: what it
    does beyond the record is unknown."""
    families = _verb_families(info)
    return bool(info.kinds & _MAKES_OR_CHANGES or "update" in families) and not families & _SENDS_OR_HARMS


def only_changes(info: ToolInfo) -> bool:
    """Is the tool's verb a plain verb of change (update, set, change, rename: the family update), of no family that
    sends or harms? What a derived noun or a rarer sense names (a price to drop, a category) is what such a tool
    changes; a tool of an action of its own (reset a password, add a collaborator) needs that action's verb."""
    families = _verb_families(info)
    return "update" in families and not families & _SENDS_OR_HARMS


def _makes_or_changes(verb: str) -> bool:
    """May the verb ask for a tool that makes or changes: it neither reads nor, in its main WordNet senses, removes
    ("cancel"; "drop" lowers a price as often as it removes, and only a removal's own verb grants a removal)?"""
    return stem(verb) not in READ_VERBS and "delete" not in verb_kinds(verb)


def derives(info: ToolInfo, verb: str) -> bool:
    """Does the verb name, by WordNet's derivation, a noun of the tool's name after its verb, the tool only making
    or changing things (its verb's kinds create or modify: "update", "set", "add")? A verb that reads never does
    ("describe the bug" is not `update_description`), nor one that removes."""
    if not info.kinds or info.kinds - _MAKES_OR_CHANGES or not only_changes(info) or not _makes_or_changes(verb):
        return False
    nouns = frozenset().union(*(roots(w) for w in name_tokens(info.name)[1:] if len(w) >= 3 and w.isalpha()))
    return bool(derived_roots(verb) & (nouns - info.own_verbs()))


def rare_kinds(verb: str) -> frozenset[str]:
    """The kinds of action `verb` names only in its rarer WordNet senses."""
    if not _MORE:
        doc = json.loads(resources.files("mcp_guard").joinpath("data/verb_senses.json").read_text("utf-8"))
        _MORE.update({v: frozenset(ks) for v, ks in doc["more"].items()})  # in one step, as above
    return next((_MORE[f] for f in _verb_forms(verb) if f in _MORE), frozenset())


def rare_sense_fits(info: ToolInfo, verb: str, obj: tuple[str, ...]) -> bool:
    """Does a rarer sense of the verb name the tool's kind of action, on a thing the clause names by a noun of the
    tool's name after its verb ("drop the price": `update_price`; "point the host to …, A record": `update_record`)?
    Only a tool that makes or changes (create, modify), as for a derived noun: a rare sense of an everyday verb
    ("confirm", "meet", "cover": share) never asks for a share, a payment, a send or a run. Never a verb that reads
    or removes ("cancel an order" is no `create_purchase_order`), nor a tool that removes (that needs its own verb)."""
    if info.effect != "write" or not info.kinds or info.kinds - _MAKES_OR_CHANGES or not only_changes(info) \
            or not _makes_or_changes(verb):
        return False
    if not rare_kinds(verb) & info.kinds:
        return False
    nouns = frozenset().union(*(roots(w) for w in name_tokens(info.name)[1:] if len(w) >= 3 and w.isalpha()))
    return any(roots(w) & nouns for w in obj if len(w) >= 3 and w.isalpha())


def warm() -> None:
    """Load the three tables now (the proxy's warm-up thread does, so a first decision does not wait for them)."""
    looks("")
    related_nouns("")
    rare_kinds("")
