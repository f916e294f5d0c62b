"""The names a request writes in any case, and the records of the data it names by them (issue #12).

- `uncased_names`: a word of the request is a name, however it is typed, when it is no common word of
  English: neither in the word list (`spelling`: as written, inflected, or after a prefix) nor a function
  word; or a word WordNet writes only with a capital letter ("jansen", "sarah"; `data/proper_words.txt.gz`,
  made by scripts/gen_proper_words.py); so is a word a title stands before ("mrs ito", "dr lee"), even a
  common one, never a function word, nor after a title that is a verb ("miss the bus"). A plural of a name ("the
  petersons", "the jansens'") names the family: its singular is a name.
- `names_record`: a record of the data (a JSON object) is named by the request when one of its short fields
  that is not prose (a name, a title, a payee: at most six words; no body, note or description) holds one of
  those names as a whole word, in any case and order ("OKAFOR/GRACE" for "grace okafor"). A common word
  ("team", "billing") never names a record, nor does the judged value; a mailbox does by its own name, or by a
  label of its domain that holds the name (`dana@corvid.example` is Corvid's). For a destination only a field that
  says whose the record is counts (`parties`): a name, a person or a group by its key (`data/party_nouns.txt.gz`,
  made by scripts/gen_party_nouns.py), or the record's only mailbox ("Invoice for carla" names no sender).
- `named_holders`/`named_offers`: the records holding a value that the request names, and the values of a kind
  other records under the same names offer (its rivals: "text carla" and two Carlas); a clause whose object is a
  plural of what a field of the record is ("text the clients": `client`) means each of them (`plural_field`).
  `named_others`: another record of the result under the same names (a removal's rival).
- `gives_full_name`: a person's full name the request names by one part ("mrs ito") is the name a clean record
  the session read gives that person, its parts in any order or case ("Hana Ito" from "ITO/HANA").
- `acted_record`: a record holding the id of what an earlier side effect that went ahead (allowed, or approved by
  a person) acted on is one the session acted on, unless another record of its result holds that id too (one they
  refer to): its other values are pointed at for the follow-up ("cancel her appointments and text the clients":
  each phone of an appointment cancelled).
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from mcp_guard.intent.persons import record_names
from mcp_guard.intent.spelling import _PREFIXES, _Dictionary, _listed
from mcp_guard.intent.values import whole_value
from mcp_guard.intent.words import ACTION_BASE, is_verb, name_tokens, stem

TITLES = frozenset("mr mrs ms miss mx dr prof".split())
# Closed-class words (articles, pronouns, prepositions, conjunctions, auxiliaries): the word list, being
# WordNet's, lacks them, and they name no one.
_FUNCTION = frozenset(
    "the and for with from into onto upon unto than then when where whose whom who which what whatever whoever "
    "because although though whether unless until since while among amongst toward towards without within during "
    "beside besides via per nor yet her hers his him their theirs them they this that these those your yours our "
    "ours its mine would could should shall might must wasn isn aren weren doesn didn don won hasn haven hadn "
    "couldn wouldn shouldn she you hey how cannot ought amid versus whats herself himself itself themselves "
    "ourselves yourself yourselves something anything everything nothing anyone everyone anybody everybody "
    # the calendar (WordNet writes it with capitals) and the shorthand of notes and chat
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
    "january february march april may june july august september october november december jan feb mar apr "
    "jun jul aug sep sept oct nov dec asap fyi etc tmrw tmr tmw pls plz thx eod eow".split()
)
_PROSE_KEYS = frozenset("text body content description message note notes comment comments summary snippet preview "
                        "details detail memo instructions html markdown bio about".split())
_CHUNK_STRIP = ".,;:!?()[]{}\"“”‘’'`*"
_WORD = re.compile(r"[^\W\d_]+")
MAX_FIELD_WORDS = 6
# one token with a letter and a digit, not a date or time (`2025-05-09T16:00:00Z`)
_ID = re.compile(r"(?!\d{4}-\d\d-\d\d|\d{1,2}(?::\d\d)?[ap]m$)(?=[^\s]*\d)(?=[^\s]*[^\W\d_])[\w.:#/-]+")

_PROPER: _Dictionary | None = None


def _proper() -> _Dictionary:
    global _PROPER
    if _PROPER is None:
        raw = resources.files("mcp_guard").joinpath("data/proper_words.txt.gz").read_bytes()
        _PROPER = _Dictionary(gzip.decompress(raw).decode("ascii"))
    return _PROPER


@lru_cache(maxsize=4096)  # (a word is looked up many times over a proxy's life; bounded)
def is_name(word: str) -> bool:
    """Is a lower-case word a name whatever its case: no common word of English (see the module's rule)?"""
    if len(word) < 3 or not word.isalpha() or word in _FUNCTION or word in TITLES:
        return False
    if word in _proper():
        return True
    # (not `spelling.is_word`'s two words run together: "peterson" is no "peter" + "son")
    return not (is_verb(word) or word in ACTION_BASE or _listed(word)
                or any(word.startswith(p) and _listed(word[len(p):]) for p in _PREFIXES))


def uncased_names(text: str) -> frozenset[str]:
    """The words of a request that are names by the module's rule, lower-cased (a plural's singular added)."""
    out: set[str] = set()
    previous = ""
    for chunk in (text or "").split():
        word = chunk.strip(_CHUNK_STRIP).lower()
        for mark in ("'s", "’s"):
            word = word.removesuffix(mark)
        word = word.rstrip("'’")  # "the jansens'"
        # (a title that is also a verb titles nothing: "miss the bus"; no title makes a function word a name)
        titled = previous.rstrip(".") in TITLES and not is_verb(previous.rstrip(".")) and word not in _FUNCTION
        previous = word
        if len(word) < 3 or not word.isalpha():
            continue
        if titled or is_name(word):
            out.add(word)
        if word.endswith("s"):
            # a family ("the petersons"): the singular, when it is a name itself
            out.update(s for s in (word[:-1], word[:-2] if word.endswith("es") else "") if s and is_name(s))
    return frozenset(out)


def names_record(names: frozenset[str], obj: dict[str, Any], value: str = "", parties: bool = False) -> frozenset[str]:
    """Which of `names` one of the record's short fields that is not prose, other than `value`, holds as a whole
    word (empty: the request does not name the record). With `parties` (whose a destination is), only a field
    that says whose the record is counts: a name, or a field named by a person or a group (`_party_key`), or the
    record's one mailbox (a record of several parties' mailboxes, a message from one to another, is no one's)."""
    out: set[str] = set()
    if not names:
        return frozenset()
    mailboxes = sum(1 for x in obj.values() if isinstance(x, str) and x.count("@") == 1)
    for key, field in obj.items():
        if not isinstance(field, str) or field == value or len(field) > 80 or "://" in field:
            continue
        if _PROSE_KEYS.intersection(name_tokens(str(key))):
            continue
        if parties and (mailboxes > 1 if field.count("@") == 1 else not _party_key(str(key))):
            continue
        if field.count("@") == 1:
            # a mailbox spelt with the name, or at a domain that holds it (`dana@corvid.example`: Corvid's)
            local, domain = field.lower().split("@")
            out.update(names.intersection(_WORD.findall(local)))
            out.update(n for n in names for label in re.split(r"[\W_]+", domain) if len(n) >= 4 and n in label)
            continue
        ws = _WORD.findall(field.lower())
        if len(ws) <= MAX_FIELD_WORDS:
            out.update(names.intersection(ws))
    return frozenset(out)


def named_holders(data: Any, names: frozenset[str], value: str,
                  parties: bool = False) -> list[tuple[dict[str, Any], frozenset[str]]]:
    """The records of `data` (parsed JSON) that hold `value` whole as a field and that the request names, each
    with the names that name it (`parties`: by a field that says whose the record is, `names_record`)."""
    return [(node, by) for node in records(data)
            if any(holds(x, value) for x in node.values()) and (by := names_record(names, node, value, parties))]


def named_others(data: Any, names: frozenset[str], value: str) -> bool:
    """Does `data` (parsed JSON) hold a record named by one of `names` that does not hold `value` (a rival of the
    record that does, for a removal: "delete the jansen draft" and two records under "jansen")?"""
    return any(not any(holds(x, value) for x in node.values()) and names_record(names, node)
               for node in records(data))


def _party_key(key: str) -> bool:
    """Does a field of this name say whose the record is: a name (`guest_name`), or a person or a group by
    WordNet's most frequent sense of its last word (`client`, `payee`, `passenger`, `company`; not `subject`)?"""
    tokens = [t.lower() for t in name_tokens(key)]
    return bool(tokens) and ("name" in tokens or tokens[-1] in _parties())


@lru_cache(maxsize=1)
def _parties() -> frozenset[str]:
    raw = resources.files("mcp_guard").joinpath("data/party_nouns.txt.gz").read_bytes()
    return frozenset(gzip.decompress(raw).decode("ascii").split())


def named_offers(data: Any, names: frozenset[str], kind: str, value: str) -> list[str]:
    """The values of `kind` that the records of `data` named by one of `names` hold whole as a field, in records
    that do not hold `value`."""
    out: list[str] = []
    for node in records(data):
        fields = [x for x in node.values() if isinstance(x, str) and len(x) <= 200]
        if any(holds(x, value) for x in node.values()) or not names_record(names, node):
            continue
        out += [f.value for x in fields if (f := whole_value(x)) is not None and f.kind == kind]
    return out


def records(data: Any) -> Iterator[dict[str, Any]]:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > 32:
            continue
        if isinstance(node, list):
            stack.extend((x, depth + 1) for x in node)
        elif isinstance(node, dict):
            yield node
            stack.extend((x, depth + 1) for x in node.values())


def plural_field(spans: list[tuple[str, tuple[str, ...], str]], verbs: frozenset[str], keys: Iterable[str]) -> bool:
    """Does a clause of the request whose verb is one of `verbs` (stemmed) act on a plural of what a field of the
    record is ("text the clients": `client`)? Then each record the request names is meant, none a rival."""
    from mcp_guard.intent.engine import _DETERMINERS, _MODIFIERS  # (the engine imports this module)

    singular = {w for k in keys for w in name_tokens(k) if len(w) >= 3}
    for verb, obj, _raw in spans:
        # the object itself, its determiners and possessor aside ("all her clients", "dr lee's appointments"): not
        # what a send carries to a named person ("email carla the notes")
        ws = list(obj[:6])
        ws = ws[len(ws) - ws[::-1].index("s"):] if "s" in ws else ws  # ("lee's": "lee", "s")
        head = next((w for w in ws if w not in _DETERMINERS and w not in _MODIFIERS and w != "of"), "")
        if stem(verb) in verbs and head.endswith("s") and head[:-1] in singular:
            return True
    return False


def gives_full_name(data: Any, words: frozenset[str]) -> bool:
    """Does a record of `data` (parsed JSON) give itself a name (`persons.record_names`: a name field, or its
    first and last names) whose words are `words`, in any order or case ("ITO/HANA", "Ito, Hana")?"""
    return any(frozenset(name) == words for node in records(data) for name in record_names(node))


def acted_ids(arguments: dict[str, Any]) -> list[str]:
    """The ids among a call's arguments (any depth): a string of one token, 3-80 characters, with a letter and a
    digit (`apt_1`, `pst_6640`; never a sum, a date or time, or a message); or a number of four digits or more
    that a parameter named as an id carries (`appointment_id: 902201`)."""
    out: list[str] = []
    stack: list[tuple[Any, Any, int]] = [("", arguments, 0)]
    while stack and len(out) < 64:
        key, node, depth = stack.pop()
        if isinstance(node, dict) and depth <= 8:
            stack.extend((k, x, depth + 1) for k, x in node.items())
        elif isinstance(node, list) and depth <= 8:
            stack.extend((key, x, depth + 1) for x in node)
        elif isinstance(node, str) and 3 <= len(node) <= 80 and _ID.fullmatch(node):
            out.append(node)
        elif _numeric_id(key, node):
            out.append(str(node))
    return out


def _numeric_id(key: Any, node: Any) -> bool:
    """A number of 4-20 digits (as a JSON number or digits alone) under a parameter whose name ends in `id`."""
    if isinstance(node, bool) or not isinstance(node, int | str) or not isinstance(key, str):
        return False
    tokens = name_tokens(key)
    return bool(tokens) and tokens[-1].lower() in ("id", "ids") and str(node).isdigit() and 4 <= len(str(node)) <= 20


def acted_record(data: Any, acted: dict[str, int], seq: int, value: str) -> bool:
    """Does a record of `data` (parsed JSON, the result numbered `seq`) hold `value` whole beside an id that a
    side effect which went ahead after that result was read acted on (`acted`: id -> results seen then)?"""
    nodes = list(records(data))
    ids = [{str(x) for x in node.values() if isinstance(x, str | int) and not isinstance(x, bool)} for node in nodes]
    # An id several records of the result hold (`ticket_id` of each comment, `project_id` of each file) is one they
    # refer to: acting on it acted on none of them.
    held = Counter(x for own in ids for x in own if acted.get(x, -1) > seq)
    for node, own in zip(nodes, ids, strict=True):
        if any(holds(x, value) for x in node.values()) and any(
                x != value and held[x] == 1 for x in own if acted.get(x, -1) > seq):
            return True
    return False


def holds(x: Any, value: str) -> bool:
    """Is the field `x` the value, as written or as the address it is whole ("+1 415 555 0111")?"""
    if isinstance(x, bool) or not isinstance(x, str | int):
        return False
    if str(x) == value:
        return True
    found = whole_value(x) if isinstance(x, str) and len(x) <= 200 else None
    return found is not None and found.value == value


def warm() -> None:
    """Load the word lists now (the proxy's warm-up thread does, so a first decision does not wait for them)."""
    _proper()
    _parties()
