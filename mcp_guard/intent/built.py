"""A value the agent builds from the request's own words: "add the contractor to the VPN group" sent as
`group: "VPN-Contractors"`. Found in no result and not written whole by the request, it still carries nothing but
the request's words, joined as names are (by a hyphen, an underscore, a point, a capital): no one else chose it.

Only a name of two words or more, every one of them a word of the request (in any inflection, "contractors" for
"contractor"); never an address (who it reaches is more than its words: the request must name it or the data give
it), never a value with a word of its own; and only in a session that has read no instructions to the model (they
may recombine the request's words: "the admin group" for a request that names admins and a group apart).
"""

from __future__ import annotations

import re

from mcp_guard.intent.words import stem

_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_NAME = re.compile(r"[A-Za-z0-9]+(?:[-_. ][A-Za-z0-9]+){1,4}|[A-Za-z]+(?:[A-Z][a-z]+){1,4}")


def built_from(value: str, stems: frozenset[str]) -> bool:
    """Is `value` a name joined from two to five words, each a word of the request (`stems`, stemmed)?"""
    v = value.strip()
    if _NAME.fullmatch(v) is None:
        return False
    parts = [p.lower() for p in _PART.findall(v)]
    return 2 <= len(parts) <= 5 and all(len(p) >= 2 and (stem(p) in stems or stem(stem(p)) in stems) for p in parts)
