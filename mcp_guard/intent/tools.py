"""What a tool does, as far as the server tells: read, write or destructive, and which action verbs.

The verbs of the name decide, each clause's (`get_or_create_user` creates: the strongest effect of its
verbs wins); annotations (readOnlyHint, destructiveHint, openWorldHint) settle what the name leaves open
and may make a tool stricter, never laxer than its name (`delete_file` marked read-only is destructive);
without either, the leading verb of the description. A tool we know nothing about is a write: the safe
side. So is a verb that reads in one sense and acts in another (`open_ticket`, `return_item`), and any
verb of removal (`clear_*`, `empty_*` is unknown: a write) is destructive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mcp_guard.intent.words import (
    DESCRIPTION_STOP,
    DESTRUCTIVE_VERBS,
    FAMILIES,
    NOUN_FAMILIES,
    OBJECT_SYNONYMS,
    PARAM_KINDS,
    READ_VERBS,
    name_tokens,
    roots,
    stem,
    verb_kinds,
    words,
)

Effect = Literal["read", "write", "destructive"]


@dataclass(frozen=True, slots=True)
class ToolInfo:
    name: str
    effect: Effect
    families: frozenset[str]  # action families the verbs and nouns of its name belong to
    objects: frozenset[str]  # stems of the nouns in its name and their synonyms: what it acts on
    open_world: bool | None = None
    source: str = "name"  # where the effect came from: "annotations", "name", "description", "unknown"
    verbs: frozenset[str] = frozenset()  # stems of its own verb: its name's first word
    # Roots (`words.roots`) of every word of its name, in any derived form ("request_reviewers": review).
    words: frozenset[str] = frozenset()
    # The kinds of action its name's verb names (`words.verb_kinds`, from WordNet), "delete" when the server
    # marks it destructive.
    kinds: frozenset[str] = frozenset()
    # What it acts on: roots of the words of its name after the verb and of its schema's parameter names,
    # their synonyms, and the initials of its name's nouns ("create_purchase_order": "po").
    acts_on: frozenset[str] = frozenset()
    # What its schema says a parameter's value is (`param_roles`): (name, "address" | "how") pairs.
    roles: tuple[tuple[str, str], ...] = ()
    # Does its name say it reaches a web address (`fetch_url`, `browse_page`, `download`)?
    reaches_web: bool = False
    # Its schema's top-level parameter names (what a call may say where it goes: `to`, `channel`, `path`).
    params: tuple[str, ...] = ()
    # Does the server's input schema list the parameters (even none: `close_account` takes none)?
    schema: bool = False

    def own_verbs(self) -> frozenset[str]:
        """Stems of its own verb; for a ToolInfo made by hand without them, its name's first word."""
        return self.verbs or frozenset(stem(t) for t in name_tokens(self.name)[:1])

    def role(self, param: str) -> str:
        """ "address" (a URL, host or e-mail by its schema's format), "how" (a flag, a choice among listed
        values, a date or time) or "" (the schema says neither) for a top-level parameter."""
        return next((r for p, r in self.roles if p == param), "")


def classify(tool: dict[str, Any]) -> ToolInfo:
    name = str(tool.get("name", ""))
    stems = [stem(t) for t in name_tokens(name)]
    families = {fam for fam, verbs in FAMILIES.items() if any(s in verbs for s in stems)}
    # A noun of the name that names a kind of action says which of its verb's families the tool is of:
    # `send_money` pays, it does not communicate ("tell Bob …" asks for no payment).
    by_noun = {NOUN_FAMILIES[s] for s in stems[1:] if s in NOUN_FAMILIES}
    if by_noun and "communicate" not in by_noun:
        families.discard("communicate")
    families |= {NOUN_FAMILIES[s] for s in stems if s in NOUN_FAMILIES}
    nouns = [s for s in stems if s not in READ_VERBS and not any(s in v for v in FAMILIES.values())]
    objects = frozenset(n for s in nouns for n in OBJECT_SYNONYMS.get(s, frozenset({s})))
    ann = tool.get("annotations") or {}
    open_world = ann.get("openWorldHint")

    # A name of several verbs ("read_and_delete", "get_or_create_user") does what each of them does: its
    # effect is the strongest of its clauses', and the verb of that clause is the action it asks for.
    clause = _acting_clause(stems)
    by_name = _verb_effect(clause)
    effect: Effect | None = None
    source = "annotations"
    if ann.get("readOnlyHint") is True:
        # An annotation may settle what a name leaves open (`open_file`), never contradict a verb that
        # only acts (`delete_file` marked read-only is still destructive): the safe side wins.
        effect = by_name if _only_acts(clause) else "read"
    elif ann.get("readOnlyHint") is False:
        # destructiveHint absent: the spec's default is true, but most servers leave it unset on every
        # write, so the name's verb decides (delete_* stays destructive, create_* does not).
        effect = "destructive" if by_name == "destructive" or ann.get("destructiveHint", False) else "write"
    if effect is None:
        source = "name"
        effect = by_name
    if effect is None:
        desc = words(str(tool.get("description") or ""))[:3]
        source = "description"
        effect = _verb_effect([stem(w) for w in desc], ambiguous="read")  # "Returns the …" describes a read
    if effect is None:
        effect, source = "write", "unknown"
    # What grants an action is the tool's name only: its description is the upstream's text to write
    # ("Merge a pull request once its review is done" must not make "review PR #12" ask for a merge).
    tokens = name_tokens(name)
    head = len(stems) - len(clause)  # where the acting clause's verb stands in the name
    verbs = frozenset(v for v in stems[head:head + 1] if v)
    own = frozenset().union(*(roots(w) for w in tokens if len(w) >= 3 and not w.isdigit()))
    kinds = verb_kinds(tokens[head]) if tokens else frozenset()
    if effect == "destructive":
        kinds |= {"delete"}
    return ToolInfo(name, effect, frozenset(families), objects, open_world, source, verbs, own, kinds,
                    _acts_on(tokens[1:], tool.get("inputSchema")), param_roles(tool.get("inputSchema")),
                    any(stem(t) in _WEB_VERBS or PARAM_KINDS.get(stem(t)) == "url" for t in tokens),
                    tuple(map(str, _props(tool.get("inputSchema")))),
                    isinstance(_schema_props(tool.get("inputSchema")), dict))


def _schema_props(schema: Any) -> Any:
    return schema.get("properties") if isinstance(schema, dict) else None


def _props(schema: Any) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else {}


# A tool's name says it reaches a web address by a verb of fetching one or a noun of one (`PARAM_KINDS`).
_WEB_VERBS = frozenset(stem(w) for w in "fetch download browse crawl scrape visit navigate curl wget http web".split())
_ADDRESS_FORMATS = frozenset("uri uri-reference iri iri-reference uri-template hostname idn-hostname ipv4 ipv6 "
                             "email idn-email".split())
_HOW_FORMATS = frozenset("date date-time time duration".split())


def param_roles(schema: Any) -> tuple[tuple[str, str], ...]:
    """What each top-level parameter's schema says its value is: an address (format uri, hostname, email)
    or a choice of how (type boolean; an enum or const; format date, time, duration). A number is neither
    by its type alone: a chat id or a phone number is one (the engine reads a count by its shape)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return ()
    out = []
    for name, sub in props.items():
        if not isinstance(sub, dict):
            continue
        if sub.get("type") == "array" and isinstance(sub.get("items"), dict):
            sub = sub["items"]  # a list's items say what each value is
        types = sub.get("type") if isinstance(sub.get("type"), list) else [sub.get("type")]
        if sub.get("format") in _ADDRESS_FORMATS:
            out.append((str(name), "address"))
        elif ("enum" in sub or "const" in sub or sub.get("format") in _HOW_FORMATS
              or (types and all(t in ("boolean", "null") for t in types))):
            out.append((str(name), "how"))
    return tuple(out)


_LINKS = frozenset("to for of on in by at as from with into a an the".split())


def _acts_on(nouns: list[str], schema: Any) -> frozenset[str]:
    """Roots of the words that say what a tool acts on: its name after the verb, its parameters' names."""
    params = list((schema or {}).get("properties") or {}) if isinstance(schema, dict) else []
    nouns = [w for w in nouns if not w.isdigit() and w not in _LINKS]  # "respond_to_invite": invite
    words_ = nouns + [w for p in params for w in name_tokens(str(p))]
    out = set().union(*(roots(w) for w in words_ if len(w) >= 3 and w not in DESCRIPTION_STOP), set())
    out |= {n for w in words_ for n in OBJECT_SYNONYMS.get(stem(w), ())}
    if len(nouns) >= 2:
        out.add("".join(w[0] for w in nouns if w))  # "purchase_order": "po"
    return frozenset(out)


_CONJUNCTIONS = frozenset("and or then plus".split())
_STRENGTH = {None: 0, "read": 1, "write": 2, "destructive": 3}


def _acting_clause(stems: list[str]) -> list[str]:
    """The clause of a name (the tokens from its start or from a word after a conjunction) whose verb
    has the strongest effect: `search_and_replace` is `replace`, `read_file` is all of it."""
    starts = [0] + [i + 1 for i, s in enumerate(stems) if s in _CONJUNCTIONS and i + 1 < len(stems)]
    clauses = [stems[i:] for i in starts]
    return max(clauses, key=lambda c: _STRENGTH[_verb_effect(c)])  # the first of equals: the name's own


def _only_acts(stems: list[str]) -> bool:
    """Does the clause's verb only act (`delete`, `create`), never read (`open`, `get`)?"""
    verb = next((s for s in stems[:2] if s in READ_VERBS or any(s in v for v in FAMILIES.values())
                 or s in DESTRUCTIVE_VERBS), None)
    return verb is not None and verb not in READ_VERBS


# Read verbs that also act on what they name: "resolve" a host name or an incident, "return" a value or an
# order. In a tool's name they are the safe side, a write; in a description ("Returns the …") a read.
_ALSO_ACTS = frozenset(stem(w) for w in ("resolve", "return"))


def _verb_effect(stems: list[str], ambiguous: Effect = "write") -> Effect | None:
    """The effect of the first verb we recognise among the leading tokens. A verb that also acts
    (`open_ticket`, `return_item`) is taken as `ambiguous`: a write in a name, the safe side."""
    for s in stems[:2]:
        if s in DESTRUCTIVE_VERBS or s in FAMILIES["delete"] or s in FAMILIES["cancel"]:
            return "destructive"
        acts = s in _ALSO_ACTS or any(s in v for v in FAMILIES.values())
        if s in READ_VERBS and (ambiguous == "read" or not acts):
            return "read"
        if acts:
            return "write"
    return None
