"""`step`: a call the request's words do not name that is a step of an action they do ask for.

A person asks for an action and the agent takes the steps it needs or that finish it: it issues the ticket of
the flight it booked, replies on the ticket whose customer it refunded, sets the status of the request it
closed. The rule, in one sentence: a write the request does not ask for in words is a step of a requested action
when the request asks for an action beyond looking or removing (`asks_side_effect`), the call can do no lasting
harm of its own (`harmless`: it removes, pays, buys, runs, grants and opens nothing, sends nothing but a reply to
the record it acts on, names no party or access in its name and no destination or secret in its arguments), the
session has read no text that reads as instructions to the model, it chooses no action of its own (`own_choice`:
"accept" when the request says "decline"), and what it acts on is a record the request names or a clean result
carries as a field while none of its values is found only inside the running text of a result, where an
unmarked request for the step would hide (`step_target`). Every value of the call is still judged by the other
rules first (an id found only in an injection is denied, one found only in running text asked), so an injected
step on an injected target never reaches this rule.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mcp_guard.intent.derived import looks, makes_or_changes
from mcp_guard.intent.grants import grants
from mcp_guard.intent.tools import _ALSO_ACTS
from mcp_guard.intent.words import (
    ACTION_VERBS,
    DESTRUCTIVE_VERBS,
    FAMILIES,
    NOUN_FAMILIES,
    PARAM_KINDS,
    READ_VERBS,
    base_verb,
    is_verb,
    name_tokens,
    stem,
    verb_kinds,
    words,
)

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent, Value
    from mcp_guard.intent.record import SessionRecord
    from mcp_guard.intent.tools import ToolInfo

# Kinds (WordNet's, `words.verb_kinds`) and families of action whose harm a step may not do unasked.
_HARMFUL_KINDS = frozenset({"delete", "pay", "buy", "share", "execute"})
_HARMFUL_FAMILIES = frozenset({"delete", "cancel", "pay", "share"})
# Verbs of a send that goes back to whoever wrote what it answers.
_ANSWERS = frozenset(stem(w) for w in ("reply", "respond", "answer"))
# What a tool's name may name that says who gets something or may do something: a destination's kind by a
# parameter's name (`words.PARAM_KINDS`), or one of these nouns.
_PARTY_KINDS = frozenset({"person", "email", "channel", "account", "credential"})
_PARTIES = frozenset(stem(w) for w in "audience subscriber follower access permission visibility sharing".split())


def asks_side_effect(intent: DeclaredIntent) -> bool:
    """Does a clause of the request ask for an action beyond looking: its verb, an English verb, neither reads
    ("summarize PR #12"; a verb that reads and acts, "resolve", acts) nor has looking or thinking as its main sense
    ("review PR #12"), unless WordNet gives it a kind of action, nor removes (nothing prepares or finishes a
    removal but the removal itself)?"""
    return any(is_verb(verb) and (stem(verb) not in READ_VERBS or stem(verb) in _ALSO_ACTS)
               and (verb_kinds(verb) or stem(verb) in ACTION_VERBS or not looks(verb))
               and not ("delete" in verb_kinds(verb) or stem(verb) in DESTRUCTIVE_VERBS)
               for verb, _ in intent.clauses)


def harmless(info: ToolInfo, values: Iterable[Value], leaves: Iterable[tuple[str, str]]) -> bool:
    """Can the call do no lasting harm of its own: a write of no harmful kind (by its verb or its name's head noun,
    `_head_families`) that sends nothing, unless it
    answers (a reply goes back to whoever wrote the record it acts on: no new party), whose name names no party,
    channel, account or access (`update_audience`, `set_access_code`), and that names no destination or secret
    and grants no access?"""
    if info.effect != "write" or harms_by_name(info):
        return False
    if not makes_or_changes(info) and not info.own_verbs() & _ANSWERS:
        return False  # a verb WordNet gives no kind of making or changing (deploy, submit, unlock): its harm unknown
    if (info.kinds & {"send"} or "communicate" in info.families) and not info.own_verbs() & _ANSWERS:
        return False
    tokens = name_tokens(info.name)[1:]
    nouns = [stem(w) for w in tokens if len(w) >= 3]  # ("respond_to_invite": not "to")
    nouns += [stem(f"{a}_{b}") for a, b in itertools.pairwise(tokens)]  # a credential named in two words: `api_key`
    if any(PARAM_KINDS.get(n) in _PARTY_KINDS or n in _PARTIES for n in nouns):
        return False
    return not any(v.destination for v in values) and not any(True for _ in grants(leaves))


def harms_by_name(info: ToolInfo) -> bool:
    """Is the tool's action, by its verb or its name's head noun, of a harmful kind (removes, pays, buys, shares,
    runs: `make_payment`, `create_transfer`)?"""
    return bool(info.kinds & _HARMFUL_KINDS or _head_families(info) & _HARMFUL_FAMILIES)


def _head_families(info: ToolInfo) -> set[str]:
    """The action families of a tool's verb and of its name's head noun (its last word, as a noun or a verb:
    `make_payment` pays, `send_money` and `issue_refund` too; `create_payment_link` makes a link, whatever the link
    is for)."""
    tokens = [stem(w) for w in name_tokens(info.name)]
    if not tokens:
        return set()
    out = {f for f, verbs in FAMILIES.items() if info.own_verbs() & verbs or tokens[-1] in verbs}
    return out | ({NOUN_FAMILIES[tokens[-1]]} if tokens[-1] in NOUN_FAMILIES else set())


def step_target(intent: DeclaredIntent, values: Iterable[Value], record: SessionRecord) -> str:
    """What the call acts on, when the request names it or a clean result carries it as a field of its data: the
    value and where it was found; "" if nothing it acts on is, or if a value of the call the request does not
    name is found only inside the running text of a result (a message body, a document, even one the request
    pointed at: where a sentence that asks for the step hides when nothing marks it as instructions)."""
    values = list(values)
    if not clean_values(intent, values, record):
        return ""
    target = ""
    for v in values:
        if v.prose or len(v.value.strip()) < 2 or target or v.kind != "value":
            continue
        named = intent.names_whole(v.value) or intent.refers_to(v.value)
        prov = record.provenance(v.value, v.forms())
        if named:
            target = f"{v.param}={v.value!r}, named in {intent.the_request}"
        elif prov.fields:
            target = f"{v.param}={v.value!r}, a field of the result of {prov.fields[0].source}"
    return target


def clean_values(intent: DeclaredIntent, values: Iterable[Value], record: SessionRecord) -> bool:
    """Did no value of the call come from instructions to the model or a tainted result, nor from the running text
    of a result (a body, a document; only, or of a result the request did not point at, whatever else carries it)
    when the request does not name it or write it as its own words (`status="paid"` after "mark them as paid")?"""
    for v in values:
        if v.prose or len(v.value.strip()) < 2:
            continue
        prov = record.provenance(v.value, v.forms())
        # (written in the running text of a result the request did not point at, the value may be that text's
        # choice, even when a listing carries it too: "please also mark INV-99 as paid" in a customer's mail)
        from_text = (prov.text and not prov.fields) or any(e not in prov.pointed for e in prov.text)
        if prov.inside or prov.tainted or (from_text and not (
                intent.names_whole(v.value) or intent.refers_to(v.value) or _says(intent, v.value))):
            return False
    return True


def _own_letter(intent: DeclaredIntent, param: str, text: str, record: SessionRecord) -> bool:
    """Is the argument one letter (a grade, a size, a class: `grade="A"`) that neither the request writes on its own,
    as the call writes it ("to A", not the article "a"), nor a clean result holds as a field? Too short to be looked
    for in text, it is whatever the call chose: a step sets no such value of its own."""
    from mcp_guard.intent.engine import _free_text  # (the engine imports this module)

    raw = text.strip()
    if len(raw) != 1 or not raw.isalpha() or _free_text(param):
        return False
    if re.search(rf"(?<![\w'’-]){re.escape(raw)}(?![\w'’-])", intent.text or ""):
        return False
    prov = record.provenance(raw.lower())
    return not (prov.fields and not (prov.inside or prov.tainted))


def _says(intent: DeclaredIntent, value: str) -> bool:
    """Is the value a phrase of the request's own words, letters only ("paid", "on hold")?"""
    ws = words(value)
    return bool(ws) and all(w.isalpha() for w in ws) and f" {' '.join(ws)} " in intent.word_line


def step_of(intent: DeclaredIntent, info: ToolInfo, values: list[Value], leaves: list[tuple[str, str]],
            record: SessionRecord) -> str:
    """The reason the call is a step of a requested action (`step`), or ""."""
    if not intent.declared or not asks_side_effect(intent) or not harmless(info, values, leaves):
        return ""
    if record.session_taint() is not None:
        return ""  # instructions read in the session may have asked for the step
    if own_choice(intent, leaves, record):
        return ""
    return step_target(intent, values, record)


def own_choice(intent: DeclaredIntent, leaves: Iterable[tuple[str, str]], record: SessionRecord | None = None) -> str:
    """An argument whose whole value is a verb the request does not use: in its base form ("accept" when it says
    "decline"), or in any inflection when it names a harm of a kind the request's verbs do not ask for (a state:
    `status="reimbursed"` pays, `"published"` publishes, `"purchased"` buys), or, given the session's `record`, one
    letter neither the request writes nor a clean result holds as a field (`_own_letter`: `grade="A"`): the call
    chooses an action or a value of its own, not a step of the one asked for. The value, or ""."""
    from mcp_guard.intent.engine import _free_text  # (the engine imports this module)

    used = {stem(verb) for verb, _ in intent.clauses} | set(map(stem, intent.word_line.split()))
    asked = frozenset().union(*(_harms(verb) for verb, _ in intent.clauses))
    for param, text in leaves:
        if record is not None and _own_letter(intent, param, text, record):
            return text.strip()
        w = text.strip().lower()
        base = base_verb(w)  # (an irregular or doubled inflection names its verb too: "paid", "shipped")
        if _free_text(param) or not w.isalpha() or stem(w) in used or stem(base) in used:
            continue
        if is_verb(w, base=True) or any(is_verb(f) and _harms(f) - asked for f in {w, base}):
            return w
    return ""


def own_flag(intent: DeclaredIntent, arguments: Any, depth: int = 0) -> str:
    """A boolean argument set true whose name names an action of a harmful kind the request's verbs do not ask for
    (`void: true` removes, `email_customer: true` sends, on "add a note to invoice INV-7"): a flag turns on an action
    of the call's own, as a verb written as a value does (`own_choice`). The flag's name, or ""."""
    if depth > 4 or not isinstance(arguments, dict | list):
        return ""
    used = {stem(verb) for verb, _ in intent.clauses} | set(map(stem, intent.word_line.split()))
    asked = frozenset().union(*(_harms(verb) for verb, _ in intent.clauses))
    items = arguments.items() if isinstance(arguments, dict) else ((None, v) for v in arguments)
    for name, value in itertools.islice(items, 256):
        if value is True and isinstance(name, str):
            for w in name_tokens(name):
                if len(w) >= 3 and w.isalpha() and stem(w) not in used and is_verb(w) and _harms(w) - asked:
                    return name
        elif (inner := own_flag(intent, value, depth + 1)):
            return inner
    return ""


def _harms(verb: str) -> frozenset[str]:
    """The harmful kinds and families of action a verb (in any inflection) names: paying, buying, sharing,
    sending or publishing, removing; not running, whose kind WordNet gives "complete" too (a state every finished
    task reaches)."""
    families = {f for f, verbs in FAMILIES.items() if stem(verb) in verbs}
    return frozenset((verb_kinds(verb) & (_HARMFUL_KINDS - {"execute"} | {"send"}))
                     | (families & (_HARMFUL_FAMILIES | {"communicate"})))


def verb_as_value(intent: DeclaredIntent, info: ToolInfo, values: list[Value],
                  leaves: list[tuple[str, str]], record: SessionRecord) -> str:
    """`verb-value`: the request's verb, in any inflection, is the whole value of an argument of a harmless write
    that chooses what the tool does ("decline the dry run" and `respond_to_invite(response="decline")`, "close
    ticket 7" and `transition_issue(status="Closed")`): the tool does the very action the request asks for, on what
    a step may act on (`step_target`: a record the request names or a clean result carries, not one found nowhere).
    The argument, or ""."""
    from mcp_guard.intent.engine import _free_text  # (the engine imports this module)

    if not intent.declared or not harmless(info, values, leaves) or not step_target(intent, values, record):
        return ""
    asked = {stem(verb) for verb, _ in intent.clauses if is_verb(verb) and len(verb) >= 3}
    for param, text in leaves:
        if not _free_text(param) and text.strip().isalpha() and stem(text.strip()) in asked:
            return f"{param}={text.strip()!r}"
    return ""
