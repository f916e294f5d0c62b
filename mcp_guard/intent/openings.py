"""Does a call open something to everyone? An audience, visibility or access setting changed toward all,
in the spellings services use: a value that names everyone (`public`, `anyone`, an ACL `public-read`,
`allAuthenticatedUsers`), a flag that makes a thing public (`is_public: true`) or no longer private
(`private: false`), or a permission mode that lets everyone write (`0777`, `o+w`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from mcp_guard.intent.words import FREE_TEXT, PUBLIC_AUDIENCE, name_tokens, stem

# Words that name everyone, and the words a setting of access may add to one ("public-read").
EVERYONE = frozenset(stem(w) for w in "public publicly everyone everybody anyone anybody world anonymous "
                     "internet unauthenticated".split())
_ALL = stem("all")
_ALL_OF = frozenset(stem(w) for w in "users authenticated members people".split())  # "all users"
_ACCESS = frozenset(stem(w) for w in "read write readwrite view edit comment only with link access can full "
                    "users authenticated members people all to by accessible visible readable writable discoverable "
                    "searchable".split())
# A flag's name that says the thing is closed to others: set false, it opens.
_CLOSED = frozenset(stem(w) for w in "private restricted hidden internal confidential secret protected "
                    "unlisted".split())
_FLAG_LEADS = frozenset(stem(w) for w in "is make set enable allow mark".split())
_MODE_PARAMS = frozenset(stem(w) for w in "mode perm perms permission permissions chmod".split())
_OCTAL_MODE = re.compile(r"0?o?[0-7]?[0-7]{3}")
_SYMBOLIC_WORLD_WRITE = re.compile(r"(?:^|,)[ugo]*[oa][ugo]*[+=][rwxXst]*w")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
MAX_DEPTH = 16


def names_everyone(text: str) -> bool:
    """Does a setting's value name everyone: one word of everyone, alone or with words of access?"""
    low = text.strip().lower()
    if low.replace("-", "_").replace(" ", "_") in PUBLIC_AUDIENCE:
        return True
    tokens = [stem(t) for t in name_tokens(text)]
    if not tokens or len(tokens) > 4:
        return False  # prose, a title: not a setting
    everyone = any(t in EVERYONE for t in tokens) or (_ALL in tokens and bool(_ALL_OF & set(tokens)))
    return everyone and all(t in EVERYONE or t in _ACCESS for t in tokens)


def opening(param: str, value: Any) -> str:
    """How the argument opens its thing to everyone ("" when it does not)."""
    pstems = [stem(t) for t in name_tokens(param.rsplit(".", 1)[-1])]
    if not pstems or pstems[-1] in FREE_TEXT or pstems[0] in FREE_TEXT:
        return ""  # a message or description may say "public" without setting anything
    flag = _flag(value)
    setting = [s for s in pstems if s not in _FLAG_LEADS]
    if flag is True and setting and all(s in EVERYONE or s in _ACCESS for s in setting) \
            and any(s in EVERYONE for s in setting):
        return f"{param}={value!r} makes it public"
    if flag is False and setting and setting[-1] in _CLOSED:
        return f"{param}={value!r} makes it no longer {setting[-1]}"
    if isinstance(value, str) and flag is None and names_everyone(value):
        return f"{param}={value!r} opens it to everyone"
    if set(pstems) & _MODE_PARAMS and isinstance(value, str | int) and not isinstance(value, bool):
        mode = str(value).strip().lower()
        if _OCTAL_MODE.fullmatch(mode) and int(mode[-1]) & 2:
            return f"{param}={value!r} lets everyone write"
        if _SYMBOLIC_WORLD_WRITE.search(mode):
            return f"{param}={value!r} lets everyone write"
    return ""


def openings(arguments: Any, key: str = "", depth: int = 0) -> Iterator[tuple[str, Any, str]]:
    """(param, value, how) for every argument, at any depth, that opens its thing to everyone."""
    if depth > MAX_DEPTH:
        return
    if isinstance(arguments, dict):
        for k, v in arguments.items():
            yield from openings(v, f"{key}.{k}" if key else str(k), depth + 1)
    elif isinstance(arguments, list | tuple):
        for v in arguments:
            yield from openings(v, key, depth + 1)
    elif isinstance(arguments, str) and arguments.strip()[:1] in "{[":
        try:
            inner = json.loads(arguments)
        except (ValueError, RecursionError):
            inner = None
        if isinstance(inner, dict | list):
            yield from openings(inner, key, depth + 1)
    elif key and isinstance(arguments, str | int | bool):
        how = opening(key, arguments)
        if how:
            yield key, arguments, how


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None
