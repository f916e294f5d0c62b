"""`change`: a request that asks to make or change something asks for a harmless tool that makes, adds or changes
what it names, whatever the tool's verb ("tag them urgent": `add_label`; "mark them as paid": `update_invoice`;
"file it in the log": `append_log`; "close out the tickets": `resolve_ticket`).

The rule, in one sentence: a clause whose verb makes or changes (WordNet's kind create or modify, in any of its
senses or as the phrasal verb the clause writes; or, for a tool whose verb makes, WordNet's create, one that sends
what it names, as "send the keys" asks for `generate_keys` first) and whose main senses do nothing else (no
looking, removing, paying, buying, sharing or running, and no sending but that one) asks for a write that does no
harm of its own (`steps.harmless`: it sends, pays, removes, grants and names no destination) and that makes, adds
or changes what the clause's object names (a word of the tool's name or of its parameters' names, or a word that
ends in one, its head: a timesheet is a sheet; or, for a pronoun, such a word the request writes elsewhere), when
the call chooses no action of its own (`steps.own_choice`) and no value of it came only from a result's running
text or from instructions to the model (`steps.clean_values`), in a session that has read no instructions to the
model; a tool made to deliver what a send names sets no number of its own (`_chosen_number`: a gift card's value).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mcp_guard.intent.derived import looks, makes_or_changes, rare_kinds
from mcp_guard.intent.steps import clean_values, harmless, own_choice
from mcp_guard.intent.words import DESTRUCTIVE_VERBS, READ_VERBS, is_verb, stem, verb_kinds

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent, Value
    from mcp_guard.intent.record import SessionRecord
    from mcp_guard.intent.tools import ToolInfo

_MAKING = frozenset({"create", "modify"})


def _changes(verb: str, obj: tuple[str, ...]) -> bool:
    """Does the clause's verb make or change, and only that, in its main senses?"""
    from mcp_guard.intent.engine import _phrasal_kinds  # (the engine imports this module)

    if not is_verb(verb) or stem(verb) in READ_VERBS or stem(verb) in DESTRUCTIVE_VERBS or looks(verb):
        return False
    main = verb_kinds(verb)
    if main - _MAKING:
        return False  # "send", "pay", "book", "delete": the verb asks for its own action
    return bool((_phrasal_kinds(verb, obj) or main | rare_kinds(verb)) & _MAKING)


def _delivers(verb: str) -> bool:
    """Is the clause's verb one that sends what it names, and only that, in its main senses ("send", "email")?"""
    return verb_kinds(verb) == frozenset({"send"}) and stem(verb) not in READ_VERBS


def _adds(info: ToolInfo) -> ToolInfo:
    """The tool as one that makes, when its verb is one of adding that WordNet gives no kind ("append", of the
    family of "add"): adding a row or an entry makes it."""
    if info.kinds or "add" not in info.families:
        return info
    return replace(info, kinds=frozenset({"create"}))


def asked_change(intent: DeclaredIntent, info: ToolInfo, values: list[Value], leaves: list[tuple[str, str]],
                 record: SessionRecord) -> str:
    """The clause that asks for the call by rule `change` (its verb and object as the request wrote them), or ""."""
    from mcp_guard.intent.engine import _DETERMINERS, _LINKS, _MODIFIERS, _PARTICLES, _PRONOUNS, _fits

    if not intent.declared or record.session_taint() is not None:
        return ""  # (instructions read in the session may have asked for the change: as for `steps`)
    makes = "create" in info.kinds  # (by its verb's own kind: a new thing, which a send may then deliver)
    info = _adds(info)
    if not makes_or_changes(info) or not harmless(info, values, leaves):
        return ""
    def names(w: str) -> bool:
        # (a word written closed up names its head, its last part: a timesheet is a sheet)
        return _fits(w, info.acts_on) or any(len(a) >= 4 and len(w) >= len(a) + 3 and w.endswith(a)
                                             for a in info.acts_on)

    elsewhere = any(names(w) for w in intent.word_line.split())
    for verb, obj, raw in intent.spans:
        changes = _changes(verb, obj)
        if not (changes or (makes and _delivers(verb))):
            continue
        content = [w for w in obj if w not in _DETERMINERS and w not in _MODIFIERS and w not in _LINKS
                   and w not in _PARTICLES and w not in _PRONOUNS]
        if any(names(w) for w in content) or (elsewhere and any(w in _PRONOUNS for w in obj)):
            if own_choice(intent, leaves, record) or not clean_values(intent, values, record):
                return ""
            if not changes and _chosen_number(intent, leaves, record):
                return ""  # (what a send delivers is made as asked: "send the gift card" sets no value of its own)
            return raw
    return ""


def _chosen_number(intent: DeclaredIntent, leaves: list[tuple[str, str]], record: SessionRecord) -> str:
    """A number among the call's arguments that neither the request names nor a clean result carries as a field (a
    gift card's value): the call's own choice. The number, or ""."""
    for _param, text in leaves:
        t = text.strip()
        try:
            x = float(t)
        except ValueError:
            continue
        if intent.names_number(x):
            continue
        prov = record.provenance(t)
        if not (prov.fields and not (prov.inside or prov.tainted)):
            return t
    return ""
