"""The person's own identity, as the session's data shows it (issue #12, "the user's own defaults").

Rule `own`: a destination that is the person's own (an address or handle a clean result of a read of the
signed-in account carries at its top level: `whoami`, `get_me`, `get_current_user`, `get_profile()`) is
named, when the request addresses something to the person ("email me the summary", "cc me", "send it to
myself"): a copy to the person reaches no one else. Nothing else is granted by it: a manager or assistant
listed inside the profile is another party, a profile of someone else (`get_profile(user="lee")`) is no
read of the account, and a request that addresses nothing to the person grants no value of it.

- `reads_self`: does a call read the signed-in account (by its tool's name, with no argument naming anyone)?
- `own_values`: the values such a result carries as the account's own (top-level members only).
- `addresses_self`: does the request address a send or a copy to the person?
"""

from __future__ import annotations

from typing import Any

import orjson

from mcp_guard.intent.values import find_values
from mcp_guard.intent.words import FAMILIES, name_tokens, stem, verb_kinds, words

# A tool name that reads the caller's own account: a word that is the caller ("whoami", "me", "viewer",
# OIDC's "userinfo"), a word for the signed-in one with a word for an account, or words for an account alone.
_SELF_WORDS = frozenset("whoami me my myself self userinfo viewer".split())
_SIGNED_IN = frozenset("current authenticated signed logged".split())
_ACCOUNT = frozenset("user account profile identity".split())
_READS = frozenset("get read show fetch describe whoami view".split())
# What a read of the account may name besides it ("get_my_info", "get_user_details"): a name with any other
# word reads something of the account's, not the account (`get_my_latest_email` is someone's message).
_ABOUT = frozenset("info details".split())
# The members of a profile that say who the account is: its addresses, handles, names and ids (`email`,
# `displayName`, `primary_phone`). Any other word makes a member another party's (`manager_email`,
# `assistant`) or the account's text (`status`, `bio`), which may name anyone.
_IDENTITY = frozenset("email emails mail address login username user name display full handle id upn principal "
                      "primary work personal phone mobile number account owner nick nickname screen preferred sub "
                      "given family first last".split())
# Argument values that name the caller rather than someone else.
_SELF_ARGS = frozenset("me self current myself ~".split())
MAX_OWN = 32  # values kept from one result (a profile is small; a larger one carries more than the account)
MAX_CHARS = 400  # a member longer than this is text, not an identity
MAX_OWN_RESULT = 16384  # a longer result is no profile: it is not read for the account's values


def reads_self(tool: str, arguments: dict[str, Any]) -> bool:
    tokens = name_tokens(tool)
    if not tokens or (tokens[0] not in _READS and tokens[0] not in _SELF_WORDS):
        return False
    rest = set(tokens)
    if not set(tokens[1:]) <= _SELF_WORDS | _SIGNED_IN | _ACCOUNT | _ABOUT:
        return False
    # (or only words for an account after the verb, `get_profile`, `get_user_profile`: with no argument naming
    # anyone, below, there is no one else it could read)
    if not (rest & _SELF_WORDS or (rest & _SIGNED_IN and rest & _ACCOUNT) or (
            len(tokens) > 1 and set(tokens[1:]) <= _ACCOUNT)):
        return False
    # (an argument that names another party makes it a read of that party's account)
    return all(v in (None, "", [], {}) or (isinstance(v, str) and v.strip().lower() in _SELF_ARGS)
               or isinstance(v, bool) for v in arguments.values())


def own_values(text: str) -> frozenset[str]:
    """The top-level members of a JSON object (or of the one object it wraps: `{"user": {...}}`) that say who
    the account is (`_IDENTITY`), each whole and each address inside it, lower-cased; in plain text, the one
    e-mail address it carries."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        found = [f.value for f in find_values(text) if f.kind == "email"]
        return frozenset(found[:1]) if len(set(found)) == 1 else frozenset()
    if isinstance(doc, dict) and len(doc) == 1 and isinstance(next(iter(doc.values())), dict):
        doc = next(iter(doc.values()))
    if not isinstance(doc, dict):
        return frozenset()
    out: set[str] = set()
    for k, v in doc.items():
        if not set(name_tokens(str(k))) <= _IDENTITY:
            continue
        if isinstance(v, (int, str)) and not isinstance(v, bool) and len(str(v)) <= MAX_CHARS:
            out.add(str(v).strip().lower())
            out.update(f.value for f in find_values(str(v)))
    return frozenset(list(out)[:MAX_OWN])


_TO_SELF = frozenset({"me", "myself"})
_COPY = frozenset("cc bcc copy".split())
# Verbs of saying that hand the person text in the conversation itself ("tell me who wrote", "write me a
# haiku", "answer me this"): no copy to be sent anywhere.
_IN_CHAT = frozenset("tell write answer".split())


def addresses_self(text: str) -> bool:
    """Does the request address a send or a copy to the person: a verb of sending ("email", "send",
    "text", "forward"; WordNet's send kind or the communicate family, but for verbs that answer in the
    conversation) or of copying ("cc", "bcc", "copy") right before "me"/"myself", or "to me"/"to myself"?"""
    ws = words(text)
    for prev, w in zip(ws, ws[1:], strict=False):
        if w not in _TO_SELF:
            continue
        if prev == "to" or prev in _COPY or "send" in verb_kinds(prev) or (
                stem(prev) in FAMILIES["communicate"] and prev not in _IN_CHAT):
            return True
    return False
