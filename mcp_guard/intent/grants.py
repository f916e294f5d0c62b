"""The access a call grants: the role or permission it gives, and the group it adds someone to.

Whom a call grants access to is judged as a destination; how much access it grants is judged here. A request
that names a level ("as a viewer", "read-only", "as an editor") allows that level or a lower one; a
request that names none allows any level but those that rule what they are given (owner, admin). The group
a call adds someone to (`team`, `group`) is named by the request or comes from a result, as an id a tool
listed does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from mcp_guard.intent.words import name_tokens

# Levels of access by rank: what a role's words say it may do (read < write < rule).
_RANKS = {
    1: "viewer viewers view views reader readers read readonly guest guests commenter commenters comment comments "
       "visitor reporter pull triage",
    2: "editor editors edit edits writer writers write contributor contributors developer author collaborator "
       "collaborators push",
    3: "owner owners ownership admin admins administrator administrators manager manage maintainer maintainers "
       "maintain superuser root full organizer organizers moderator",
}
RANK = {w: rank for rank, ws in _RANKS.items() for w in ws.split()}
RULES = 3  # the rank of a level that rules what it is given
_LEVEL_PARAMS = frozenset("role roles permission permissions access privilege privileges level rights scope "
                          "scopes".split())
_GROUP_PARAMS = frozenset("team teams group groups".split())
_WORD = re.compile(r"[a-z]+")


def _last(param: str) -> str:
    """The last word of a parameter's name, or the one before it when it only says how that is written
    (`team_id`, `groupName`: a team, a group)."""
    words = [w.lower() for w in name_tokens(param.replace(".", " "))]
    if len(words) > 1 and words[-1] in ("id", "ids", "name", "names", "slug", "key"):
        return words[-2]
    return words[-1] if words else ""


def _words(text: str) -> list[str]:
    # (camelCase split: Google Drive's `fileOrganizer` is a file organizer)
    return _WORD.findall(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower())


def _rank(word: str) -> int:
    """A level word's rank; a word that ends in one of five letters or more is that level too (`superadmin`,
    `sysadmin`, `coowner`)."""
    if word in RANK:
        return RANK[word]
    return max((r for w, r in RANK.items() if len(w) >= 5 and word.endswith(w)), default=0)


def level_of(text: str) -> int:
    """The rank of the access `text` writes (0: no word of a known level)."""
    return max((_rank(w) for w in _words(text)), default=0)


def grants(leaves: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """(param, value, "level" | "group") of each argument that says how much access a call grants or to
    which group."""
    for param, value in leaves:
        last = _last(param)
        if last in _LEVEL_PARAMS:
            yield param, value, "level"
        elif last in _GROUP_PARAMS:
            yield param, value, "group"


# How a request names a level: a role's noun ("as a viewer", "make her an admin", "ownership"), or a verb of
# access with "only" or "access" ("read-only", "edit access"). A verb alone ("read my mail, then share …")
# is what the agent is asked to do, not a level it grants.
_ROLE_NOUNS = frozenset("viewer viewers reader readers guest guests commenter commenters visitor reporter editor "
                        "editors writer writers contributor contributors developer maintainer maintainers owner "
                        "owners ownership admin admins administrator administrators superuser moderator organizer "
                        "collaborator collaborators".split())
_ACCESS = re.compile(r"\b(read|view|comment|edit|write|full|admin)[- ]?(?:only|access|rights|permissions?)\b", re.I)


def request_levels(request: str) -> list[str]:
    """The level words a request names as levels."""
    found = [w for w in _words(request) if w in _ROLE_NOUNS]
    return found + [m.group(1).lower() for m in _ACCESS.finditer(request)]


def beyond(request: str, value: str) -> str:
    """Why a level `value` is more than `request` allows ("" when it is not)."""
    named = request_levels(request)
    asked = max((RANK.get(w, 0) for w in named), default=0)
    if re.fullmatch(r"\s*-?\d+\s*", value) and value.strip() not in re.findall(r"\d+", request):
        return "grants a level by a number whose rank is not known, which the request does not write"
    given = level_of(value)
    if given == 0 or set(_words(value)) <= set(named):
        return ""  # no known level, or one the request names itself
    if asked and given > asked:
        top = max(named, key=lambda w: RANK.get(w, 0))
        return f"grants more access than the level {top!r} the request names"
    if not asked and given >= RULES:
        return "grants a level that rules what it is given, which the request does not name"
    return ""


def named_group(request: str, value: str) -> bool:
    """Whether the request writes the group `value` names (every word of it)."""
    ws = _words(value)
    return bool(ws) and set(ws) <= set(_words(request))


def raised_flags(arguments: object, key: str = "", depth: int = 0) -> Iterator[str]:
    """The flags a call sets that grant a level that rules (`is_admin: true`, `make_owner: true`), by path."""
    if depth > 16:
        return
    if isinstance(arguments, dict):
        for k, v in arguments.items():
            path = f"{key}.{k}" if key else str(k)
            if _raised(v) and level_of(" ".join(name_tokens(str(k)))) >= RULES:
                yield path
            else:
                yield from raised_flags(v, path, depth + 1)
    elif isinstance(arguments, list):
        for v in arguments:
            yield from raised_flags(v, key, depth + 1)


def _raised(value: object) -> bool:
    """Is a flag set: `true`, or as a string or number says it (`"true"`, `1`, `"yes"`)?"""
    if isinstance(value, bool):
        return value
    return isinstance(value, str | int) and str(value).strip().lower() in ("1", "true", "yes", "on", "y")


def names_level(request: str, rank: int) -> bool:
    """Whether the request names a level of at least `rank`."""
    return any(RANK.get(w, 0) >= rank for w in request_levels(request))


def asks_access(verb_kinds: frozenset[str], clause: str, tool: str, params: Iterable[str]) -> bool:
    """Does a clause whose verb gives (WordNet's kind "share": give, grant, allow) and that names a level of access
    ("give jlee-dev read access", "grant Ana editor rights") ask for a tool that grants a level: one with a
    parameter of a level (`role`, `permission`) or whose name names a role (`add_collaborator`)? Whom it grants to
    is judged as a destination, the level by `beyond`."""
    if "share" not in verb_kinds or not request_levels(clause):
        return False
    return any(_last(p) in _LEVEL_PARAMS for p in params) or any(_rank(w) for w in _words(tool.replace("_", " ")))
