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
            out.append((ws[i + 1], pick, kind))
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


def _measure(value: str, kind: str) -> Any:
    if kind == "time":
        m = _DATE.fullmatch(value.strip())
        return m.group(0).replace("T", " ") if m else None
    return float(value) if _NUMBER.fullmatch(value.strip()) else None


def picked(request: str, fits: Any, text: str, is_json: bool, value: str) -> bool:
    """Does the request pick, by a superlative of a noun that `fits` what the call acts on, the one record of
    this listing that holds `value` as a field: that record's measure (a number, not an id's; a date for a
    superlative of time) is the extreme among every sibling that has one, and no other record shares it?"""
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
        for key in mine:
            if _ID_KEY.search(key.lower()):
                continue
            measures = [_measure(r[key], kind) for r in records if key in r]
            measures = [x for x in measures if x is not None]
            own = _measure(mine[key], kind)
            if own is None or len(measures) < 2 or len(set(measures)) < 2:
                continue
            if own == pick(measures) and measures.count(own) == 1:
                return True
    return False
