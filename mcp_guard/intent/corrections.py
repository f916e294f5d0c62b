"""`correct`: a request that writes a correction as text to find and text to put in its place asks for the
harmless write that makes it (issue #12).

The rule, in one sentence: a request that writes a replacement, old text then new text (an arrow between them,
"'Fermentaion' -> 'Fermentation'", "teh → the"; or two quoted texts joined by "to", "with" or "should be"/"should
read": "change 'Q3' to 'Q4'", "'Jon' should be 'John'"), asks for a write that does no harm of its own
(`steps.harmless`) one of whose arguments is a clean result's field with that very replacement made (the title
"39: Fermentaion Basics" written "39: Fermentation Basics"), when the call chooses no action of its own and no
value of it came from a result's running text or from instructions, in a session that has read no instructions to
the model (they could have written the correction into the request's place)."""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from mcp_guard.intent.derived import makes_or_changes
from mcp_guard.intent.naming import records
from mcp_guard.intent.steps import clean_values, harmless, own_choice

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent, Value
    from mcp_guard.intent.record import ResultEntry, SessionRecord
    from mcp_guard.intent.tools import ToolInfo

_Q = "'\"‘’“”`"
_ARROW = re.compile(r"\s*(?:->|→|=>|⇒|⟶)\s*")
# what stands right before an arrow (searched in the 82 characters before it) and right after it: a quoted text
# or a bare token
_BEFORE = re.compile(rf"(?:[{_Q}]([^{_Q}\n]{{1,80}})[{_Q}]|(?<![^\s{_Q}])([^\s{_Q}<>=-][^\s{_Q}<>=]{{0,79}}))$")
_AFTER = re.compile(rf"(?:[{_Q}]([^{_Q}\n]{{1,80}})[{_Q}]|([^\s{_Q}<>=-][^\s{_Q}<>=]{{0,79}}?))(?=$|[\s,.;:!?)])")
# two quoted texts joined by a word that puts one in the other's place
_JOINED = re.compile(rf"[{_Q}]([^{_Q}\n]{{1,80}})[{_Q}]\s+(?:to|with|into|should\s+(?:be|read|say))\s+"
                     rf"[{_Q}]([^{_Q}\n]{{1,80}})[{_Q}]", re.I)
MAX_PAIRS = 8
MAX_ARROWS = 64  # arrows looked at (a request is a few sentences: a long run of them is no correction)
MAX_FIELD = 2000  # a longer field is a document, not a value one correction is made in


def replacements(text: str) -> tuple[tuple[str, str], ...]:
    """The (old, new) texts the request writes as a replacement, in order, at most MAX_PAIRS."""
    text = text or ""
    out: list[tuple[str, str]] = []
    for i, m in enumerate(_ARROW.finditer(text)):
        if len(out) >= MAX_PAIRS or i >= MAX_ARROWS:
            break
        before = _BEFORE.search(text, max(0, m.start() - 82), m.start())
        after = _AFTER.match(text, m.end(), m.end() + 82)
        if before is None or after is None:
            continue
        old = before.group(1) or before.group(2) or ""
        new = after.group(1) or (after.group(2) or "").rstrip(".,;:!?)")
        out.append((old.strip(), new.strip()))
    if any(q in text for q in _Q):
        out += [(m.group(1).strip(), m.group(2).strip()) for m in itertools.islice(_JOINED.finditer(text), MAX_PAIRS)]
    return tuple((o, n) for o, n in out if o and n and o != n)[:MAX_PAIRS]


def asked_correction(intent: DeclaredIntent, info: ToolInfo, values: list[Value], leaves: list[tuple[str, str]],
                     record: SessionRecord) -> str:
    """The replacement that asks for the call by rule `correct` ("'old' -> 'new'"), or ""."""
    pairs = intent.replacements
    if not pairs or record.session_taint() is not None:
        return ""
    if not makes_or_changes(info) or not harmless(info, values, leaves):
        return ""
    for _param, text in leaves:
        if len(text) > MAX_FIELD:
            continue
        for old, new in pairs:
            if new not in text:
                continue
            before = text.replace(new, old)
            prov = record.provenance(before.strip().lower())
            if prov.fields and not (prov.inside or prov.tainted or prov.forgotten):
                if own_choice(intent, leaves, record) or not clean_values(intent, values, record):
                    return ""
                if not _rest_of_record(intent, leaves, (old, new), before, prov.fields, record):
                    return ""
                return f"{old!r} -> {new!r}"
    return ""


def _rest_of_record(intent: DeclaredIntent, leaves: list[tuple[str, str]], pair: tuple[str, str], before: str,
                    entries: tuple[ResultEntry, ...], record: SessionRecord) -> bool:
    """Does every argument of the call say what the request names, or what a field of the very record that holds
    the uncorrected text holds (as it is, or with the correction made)? A correction changes one record's text and
    nothing else: not another record (`episode_id` of the next episode), nor another field rewritten."""
    from mcp_guard.intent.engine import _clean_json  # (the engine imports this module)

    old, new = pair
    want = before.strip().lower()
    held: set[str] = set()  # the fields of the JSON records that hold the uncorrected text whole
    text_entries = []  # text results holding it: any field of the same result
    for e in entries:
        data = _clean_json(e, record) if e.json else None
        if data is None:
            text_entries.append(e)
            continue
        for node in records(data):
            cells = [str(x).strip().lower() for x in node.values()
                     if isinstance(x, str | int) and not isinstance(x, bool)]
            if want in cells:
                held.update(cells)
    for _param, text in leaves:
        v = text.strip()
        if not v or intent.names_whole(v) or intent.refers_to(v):
            continue
        if v.lower() in held or v.replace(new, old).lower() in held:
            continue
        if text_entries and any(e in text_entries for e in record.provenance(v.lower()).fields):
            continue
        return False
    return True
