"""Rule `standing`: a clause that asks for its action again and again ("set the heating to 19 from 10pm to 6am on
weeknights", "turn the porch light off at 11 every night") asks for a standing rule, and what carries it out at
those times is a tool that makes one (`create_automation`, `add_schedule`, `create_routine`), whatever the clause's
own verb is.

The clause must say when its action recurs (every or each with a unit of time, a day named in the plural, an
adverb of frequency) and must not only read or remove; the tool must make (its name's verb of the create family) a
thing whose name says it runs by itself on a schedule; the call must carry a number the clause writes (its
setting or its time: "19", "11" as `23:00`), so the rule is the clause's; and the session must have read no
instructions to the model (they may have asked for the rule). Its other values are judged as any call's are; and
it must choose no action of its own (`steps.own_choice`: a value that is a verb the request does not use, `service:
"unlock"` in a rule for "turn the porch light off at 11 every night").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mcp_guard.intent.steps import own_choice
from mcp_guard.intent.words import DESTRUCTIVE_VERBS, READ_VERBS, name_tokens, stem

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent
    from mcp_guard.intent.record import SessionRecord
    from mcp_guard.intent.tools import ToolInfo

_DAYS = "monday tuesday wednesday thursday friday saturday sunday weekday weeknight weekend"
_UNITS = f"minute hour day night morning afternoon evening week fortnight month quarter year {_DAYS}"
_RECURS = re.compile(
    r"\b(?:every|each)\s+(?:other\s+|single\s+|\d+\s+)?(?:" + "|".join(_UNITS.split()) + r")s?\b"
    r"|\b(?:hourly|daily|nightly|weekly|fortnightly|monthly|quarterly|yearly|annually)\b"
    r"|\b(?:on|at|in\s+the|during)\s+(?:" + "|".join(f"{d}s" for d in _DAYS.split()) + r"|nights|mornings|evenings)\b"
    r"|\b(?:" + "|".join(f"{d}s" for d in "weekday weeknight weekend".split()) + r")\b", re.I)
# What a thing that runs by itself on a schedule is called in a tool's name.
_STANDING = frozenset(stem(w) for w in "automation schedule routine rule recurrence timer cron".split())
_NUMBER = re.compile(r"(?<![\d.])(\d{1,4}(?:\.\d+)?)(?![\d.])")
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):[0-5]\d")


def _when(value: str) -> bool:
    """Is a value a day of the week, whole or cut to three or more letters ("wed", "thurs", "weekdays")?"""
    v = value.strip().lower().rstrip("s")
    return len(v) >= 3 and v.isalpha() and any(d.startswith(v) for d in _DAYS.split())


def recurs(clause: str) -> bool:
    """Does the clause say its action happens again and again: "every night", "on weeknights", "daily"?"""
    return _RECURS.search(clause) is not None


def makes_standing_rule(name: str, families: frozenset[str]) -> bool:
    """Is the tool one that makes a standing rule: a verb of making (`families`) and a word of its name after it that
    names a thing run on a schedule (`create_automation`, `add_schedule`; not `schedule_interview`, one event)?"""
    return "create" in families and any(stem(t) in _STANDING for t in name_tokens(name)[1:])


def _numbers(text: str) -> set[float]:
    """The numbers a text writes, and a clock time's hour on a 12-hour clock too ("23:00": 23 and 11)."""
    out = {float(m.group(1)) for m in _NUMBER.finditer(text)}
    out |= {float(int(m.group(1)) % 12 or 12) for m in _CLOCK.finditer(text)}
    return out


def standing_rule(intent: DeclaredIntent, info: ToolInfo, leaves: Iterable[tuple[str, str]],
                  record: SessionRecord) -> str:
    """The recurring clause the call's standing rule carries out (`standing`), or ""."""
    if not intent.declared or not makes_standing_rule(info.name, info.families):
        return ""
    if record.session_taint() is not None:
        return ""  # instructions read in the session may have asked for the rule
    leaves = list(leaves)
    # (a schedule's own words are no action: "wed", "sat" and "sun" are verbs too)
    if own_choice(intent, [(p, t) for p, t in leaves if not _when(t)]):
        return ""  # the rule does something the request does not say (unlock, arm, open), whatever its numbers
    carried = set().union(*(_numbers(text) for _param, text in leaves))
    for verb, _obj, raw in intent.spans:
        sv = stem(verb)
        if sv in READ_VERBS or sv in DESTRUCTIVE_VERBS or not recurs(raw):
            continue
        if carried & _numbers(raw):
            return raw
    return ""
