"""How a request's hyphenated verb reads ("e-sign the lease", "re-send it", "cross-post the notes", "co-sign").

The rule: a verb written as two words joined by a hyphen, the last of which WordNet lists as a verb, names the
action of that last word, its head (an English compound is headed by its last part: "cross-post" posts,
"pre-book" books, "e-sign" signs), unless its first part undoes or negates the head ("un-archive", "de-list",
"mis-file") or says it is only rehearsed ("dry-run", "test-send"): then it is read as the one word it spells
("unarchive"), never as the head's action; and "re-" or "over-" on a verb is read as the one word when WordNet
knows it ("re-send": resend), which asks for the head's action done again as the unhyphenated word does
(`engine._again`).
"""

from __future__ import annotations

from mcp_guard.intent.words import is_verb

# Prefixes that undo, negate or spoil the action of the verb they stand before; and first parts that say the
# action is only rehearsed, not done ("dry-run", "test-send", "mock-publish").
_REVERSING = frozenset("un de dis non anti counter mis".split())
_REHEARSING = frozenset("dry test mock trial practice fake demo".split())
_AGAIN = frozenset({"re", "over"})


def compound_verb(first: str, head: str) -> str:
    """The verb a hyphenated compound `first-head` reads as, or "" if its head is no verb."""
    if not (first.isalpha() and head.isalpha()) or not is_verb(head):
        return ""
    if first in _REVERSING or first in _REHEARSING or (first in _AGAIN and is_verb(first + head)):
        return first + head
    return head
