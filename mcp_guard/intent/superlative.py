"""A record the request picks by a superlative of the data: "delete the largest file", "archive the oldest
ticket". The request chose it by a property the listing shows, so the one record whose field is that extreme
among its siblings is what the request points at; the agent only read which one it is. A record the data
does not show to be the extreme is not picked, whoever names it."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

# Superlatives of size or amount, and of time, each with the end of the scale it picks.
_SIZE = {"largest": max, "biggest": max, "heaviest": max, "longest": max, "highest": max, "greatest": max,
         "smallest": min, "tiniest": min, "lightest": min, "shortest": min, "lowest": min}
# The scale each superlative of size measures on ("the largest file": its size, not its modification time).
_SCALE = {"largest": "size", "biggest": "size", "smallest": "size", "tiniest": "size", "heaviest": "weight",
          "lightest": "weight", "longest": "length", "shortest": "length", "highest": "amount",
          "greatest": "amount", "lowest": "amount"}
# Words of a field's name that say it measures on that scale. Where a record has several measures, only a
# field so named is the one the superlative speaks of; where it has one, that one is (a thread's `comments`).
_SCALE_WORDS = {
    "size": frozenset("size bytes byte kb mb gb tb length len amount total volume area capacity".split()),
    "weight": frozenset("weight mass kg kgs lb lbs grams size".split()),
    "length": frozenset("length len duration runtime minutes mins seconds secs lines words pages size".split()),
    "amount": frozenset(),  # ("the highest …" names no scale: one measure, or none picked)
}
# A field's name that says when its record was made or changed (a superlative of time reads it), and one that
# says when something is due (it never is: "the oldest ticket" is not the one due first).
_MADE = frozenset("created creation date time timestamp ts at on modified mtime ctime updated received sent "
                  "submitted opened posted published uploaded added filed reported raised logged when since "
                  "started start".split())
_DUE = frozenset("due deadline expires expiry expiration expire until renewal renews end ends closes".split())
_KEY_WORD = re.compile(r"[a-z]+|[A-Z][a-z]*")
_TIME = {"newest": max, "latest": max, "oldest": min, "earliest": min}
_WORD = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")
_ID_KEY = re.compile(r"(?:^|_)id_?$|^id")
_ITEM = re.compile(r"^([ \t]*)- ", re.M)
_KEY_LINE = re.compile(r"""([A-Za-z_][\w.-]{0,40}):[ \t]+['"]?([^'"\n]{1,200}?)['"]?[ \t]*$""")
MAX_RECORDS = 2000  # records of one listing compared (a longer listing picks nothing: asked as before)


@lru_cache(maxsize=64)
def superlatives(request: str) -> tuple[tuple[str, Any, str], ...]:
    """(the noun it qualifies, max or min, "size" or "time") for each superlative of the request ("the
    largest file": ("file", max, "size"); "the most recent email": ("email", max, "time"))."""
    ws = _WORD.findall(request.lower())
    out = []
    for i, w in enumerate(ws):
        if w in _SIZE or w in _TIME:
            pick, kind = (_SIZE[w], "size") if w in _SIZE else (_TIME[w], "time")
        elif w == "recent" and i and ws[i - 1] == "most":
            pick, kind = max, "time"
        else:
            continue
        if i + 1 < len(ws):
            out.append((ws[i + 1], pick, _SCALE.get(w, kind)))
    return tuple(out)


def _records(text: str, is_json: bool) -> list[dict[str, str]]:
    """The records of a listing: a JSON list of objects (whole, or the first such list member of an object),
    or the items of a YAML list, each as its scalar fields."""
    if is_json:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return []
        if isinstance(data, dict):
            data = next((x for x in data.values() if isinstance(x, list) and x and isinstance(x[0], dict)), [])
        if not isinstance(data, list):
            return []
        return [{str(k): str(x) for k, x in r.items() if isinstance(x, str | int | float) and not isinstance(x, bool)}
                for r in data[:MAX_RECORDS] if isinstance(r, dict)]
    items = list(_ITEM.finditer(text))
    if not items:
        return []
    top = min(len(m.group(1)) for m in items)
    starts = [m for m in items if len(m.group(1)) == top][:MAX_RECORDS]
    out = []
    for n, m in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(text)
        column = top + 2  # the item's own keys: the first after "- ", the others at its column
        fields: dict[str, str] = {}
        for line in text[m.start():end].split("\n"):
            body = line[column:] if line[:column].strip() in ("", "-") else ""
            if body[:1] in (" ", "\t", ""):
                continue
            kv = _KEY_LINE.match(body)
            if kv is not None:
                fields[kv.group(1)] = kv.group(2).strip()
        out.append(fields)
    return out


def _key_words(key: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _KEY_WORD.findall(key))


def _measures_of(mine: dict[str, str], kind: str) -> list[str]:
    """The fields of a record a superlative of `kind` compares: of time, those that say when the record was
    made or changed (or its one date, if it is not a due date); of size, those its name puts on the
    superlative's scale (or its one number that is not a time, an id or a date)."""
    keys = [k for k in mine if not _ID_KEY.search(k.lower()) and _measure(mine[k], kind) is not None]
    if kind == "time":
        keys = [k for k in keys if not _key_words(k) & _DUE]
        made = [k for k in keys if _key_words(k) & _MADE]
        return made or (keys if len(keys) == 1 else [])
    keys = [k for k in keys if not _key_words(k) & _MADE]  # (`mtime: 1765000000` is a time, not a size)
    named = [k for k in keys if _key_words(k) & _SCALE_WORDS.get(kind, frozenset())]
    return named or (keys if len(keys) == 1 else [])


def _measure(value: str, kind: str) -> Any:
    if kind == "time":
        m = _DATE.fullmatch(value.strip())
        return m.group(0).replace("T", " ") if m else None
    return float(value) if _NUMBER.fullmatch(value.strip()) else None


def picked(request: str, fits: Any, text: str, is_json: bool, value: str) -> bool:
    """Does the request pick, by a superlative of a noun that `fits` what the call acts on, the one record of
    this listing that holds `value` as a field: that record's measure on the superlative's scale (a number named
    for it, not an id or a time; a date of when it was made for a superlative of time, `_measures_of`) is the
    extreme among every sibling that has one, and no other record shares it?"""
    wanted = [(pick, kind) for noun, pick, kind in superlatives(request) if fits(noun)]
    if not wanted:
        return False
    records = _records(text, is_json)
    if len(records) < 2:
        return False
    value = value.strip().lower()
    holding = [r for r in records if any(x.strip().lower() == value for x in r.values())]
    if len(holding) != 1:
        return False
    mine = holding[0]
    for pick, kind in wanted:
        for key in _measures_of(mine, kind):
            measures = [_measure(r[key], kind) for r in records if key in r]
            measures = [x for x in measures if x is not None]
            own = _measure(mine[key], kind)
            if own is None or len(measures) < 2 or len(set(measures)) < 2:
                continue
            if own == pick(measures) and measures.count(own) == 1:
                return True
    return False
