"""Canonical fingerprints of what an MCP server offers, and diffs between two versions with risk flags.

A fingerprint is the SHA-256 of the RFC 8785 (JCS) serialisation of a whole definition, so key order
and whitespace never matter. Each top-level field is hashed too (on demand: only a changed item
needs them), so that a diff says exactly which fields changed.

Kinds (`mcp_guard.kinds`): `tool`, `prompt`, `resource`, `resource_template`, and `server` (identity
and instructions).
This module is pure and fast: no I/O, plain dicts in and small dataclasses out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp_guard import kinds
from mcp_guard.canonical import canonical, digest

Kind = Literal["tool", "prompt", "resource", "resource_template", "server"]  # kinds.NAMES, for type checkers

# Derived from mcp_guard.kinds, for the modules that index by them: each listable kind's list method
# and result key, and the guard contract's list kinds (result keys) to ours.
LIST_METHODS: dict[str, tuple[str, str]] = {k.name: (k.list_method, k.result_key) for k in kinds.LISTED}
FROM_LIST_KIND: dict[str, Kind] = {k.result_key: k.name for k in kinds.LISTED}  # type: ignore[misc]
SERVER_NAME = "(server)"
IDENTITY_FIELDS = ("name", "title", "version", "description", "websiteUrl", "icons")  # of serverInfo


def item_name(kind: str, definition: Mapping[str, Any]) -> str:
    """The key an item is known by: its name, its URI, or its URI template."""
    if kind == "server":
        return SERVER_NAME
    key = definition.get(_identity(kind))
    return key if isinstance(key, str) else ""


def _identity(kind: str) -> str:
    spec = kinds.KINDS.get(kind)
    return spec.identity if spec and spec.identity else "name"


# A name a server lists more than once is one item of review holding every copy under this key: which
# copy a client keeps and which one the server runs are unknown, so no single copy may stand for it.
DUPLICATES = "mcp-guard:duplicates"


def collapse(kind: str, definitions: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One definition per name, in first-listed order; a name listed more than once becomes a conflict
    (`{NAME_FIELD: name, DUPLICATES: [every copy]}`), which never matches an approved definition."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for definition in definitions:
        groups.setdefault(item_name(kind, definition), []).append(definition)
    return [copies[0] if len(copies) == 1 else {_identity(kind): name, DUPLICATES: copies}
            for name, copies in groups.items()]


def is_conflict(canonical_json: str) -> bool:
    """Whether a stored (canonical, keys sorted) definition is a conflict item: its first key says so."""
    return canonical_json.startswith('{"' + DUPLICATES + '"')


def server_definition(server_info: Mapping[str, Any] | None, instructions: str | None) -> dict[str, Any]:
    """The server's identity and instructions, fingerprinted like any other item.

    Only the identity fields of `serverInfo` are kept, so that a raw initialize result (the proxy)
    and a typed one (the SDK client used by `bom generate`) give the same fingerprint.
    """
    info = {k: v for k, v in (server_info or {}).items() if k in IDENTITY_FIELDS and v is not None}
    definition: dict[str, Any] = {"serverInfo": info}
    if instructions is not None:
        definition["instructions"] = instructions
    return definition


# --- canonical form (mcp_guard.canonical: RFC 8785, one rule for what it cannot hold) ---------------


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be")


class Fingerprint:
    """The digest of a whole definition; per-field digests are computed when first asked for."""

    __slots__ = ("kind", "name", "digest", "_definition", "_fields")

    def __init__(self, kind: str, name: str, digest: str, definition: Mapping[str, Any]) -> None:
        self.kind, self.name, self.digest = kind, name, digest
        self._definition = definition
        self._fields: dict[str, str] | None = None

    @property
    def fields(self) -> dict[str, str]:
        """Top-level field -> digest of its value (what a diff reports as changed)."""
        if self._fields is None:
            self._fields = {k: digest(self._definition[k]) for k in sorted(self._definition, key=_utf16_key)}
        return self._fields

    def __repr__(self) -> str:
        return f"Fingerprint({self.kind!r}, {self.name!r}, {self.digest!r})"


def fingerprint(kind: str, definition: Mapping[str, Any]) -> Fingerprint:
    """Hash a whole definition (RFC 8785, SHA-256)."""
    whole = digest(definition)
    return Fingerprint(kind, item_name(kind, definition), whole, definition)


def canonical_definition(definition: Mapping[str, Any]) -> str:
    """The canonical JSON text stored for a definition (what the review queue and the BOM keep)."""
    return canonical(definition).decode("utf-8")


# --- risk flags -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Risk:
    code: (
        str  # new-url-param | new-path-param | new-free-text-param | model-instructions | annotation-flipped | renamed
    )
    message: str
    severity: Literal["low", "medium", "high"] = "medium"


_URL_NAME = re.compile(r"(url|uri|link|endpoint|webhook|callback|host|domain|server|address)", re.I)
_PATH_NAME = re.compile(r"(path|file|dir|folder|directory)", re.I)
_URL_FORMATS = {"uri", "uri-reference", "iri", "iri-reference", "hostname", "idn-hostname", "url"}

# The spec's defaults, so that an explicit value equal to the default is not a flip.
_HINT_DEFAULTS = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}
# The direction in which a change widens what the tool may do.
_RISKY_HINT = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}


_BRANCHES = ("anyOf", "oneOf", "allOf")  # alternatives whose properties are the object's own
_DEFINITIONS = ("$defs", "definitions")  # named schemas a `$ref` can make into parameters


def _params(schema: Any, prefix: str = "", depth: int = 0) -> dict[str, dict[str, Any]]:
    """Every property of an input schema, nested ones as dotted paths (bounded depth), wherever the
    schema puts them: `properties`, `items`, the branches of anyOf/oneOf/allOf, `$defs`."""
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(schema, Mapping) or depth > 6:
        return found
    props = schema.get("properties")
    if isinstance(props, Mapping):
        for name, sub in props.items():
            if not isinstance(sub, Mapping):
                continue
            path = f"{prefix}{name}"
            found[path] = dict(sub)
            found.update(_params(sub, path + ".", depth + 1))
            items = sub.get("items")
            if isinstance(items, Mapping):
                found.update(_params(items, path + "[].", depth + 1))
    for key in _BRANCHES:
        branches = schema.get(key)
        for branch in branches if isinstance(branches, list) else []:
            for path, sub in _params(branch, prefix, depth + 1).items():
                found.setdefault(path, sub)
    for key in _DEFINITIONS:
        defs = schema.get(key)
        for name, sub in defs.items() if isinstance(defs, Mapping) else []:
            if isinstance(sub, Mapping):
                path = f"{prefix}{key}.{name}"
                found[path] = dict(sub)
                found.update(_params(sub, path + ".", depth + 1))
    return found


def _texts(definition: Mapping[str, Any]) -> str:
    """All the prose of a definition: what the model reads."""
    out: list[str] = []
    for key in ("title", "description"):
        if isinstance(definition.get(key), str):
            out.append(definition[key])
    for sub in _params(definition.get("inputSchema")).values():
        if isinstance(sub.get("description"), str):
            out.append(sub["description"])
    for arg in definition.get("arguments") or []:  # prompts
        if isinstance(arg, Mapping) and isinstance(arg.get("description"), str):
            out.append(arg["description"])
    if isinstance(definition.get("instructions"), str):  # server
        out.append(definition["instructions"])
    return "\n".join(out)


def _param_risks(name: str, sub: Mapping[str, Any]) -> list[Risk]:
    leaf = name.rsplit(".", 1)[-1]
    types = sub.get("type")
    types = set(types) if isinstance(types, list) else {types}
    is_string = "string" in types or types == {None} and "enum" not in sub and "const" not in sub
    fmt = sub.get("format")
    desc = sub.get("description") if isinstance(sub.get("description"), str) else ""
    if fmt in _URL_FORMATS or (is_string and (_URL_NAME.search(leaf) or re.search(r"\burls?\b", desc, re.I))):
        return [Risk("new-url-param", f"new parameter {name!r} takes a URL or host: data can leave through it", "high")]
    if is_string and _PATH_NAME.search(leaf):
        return [Risk("new-path-param", f"new parameter {name!r} takes a file path", "medium")]
    limited = "enum" in sub or "const" in sub or "pattern" in sub or fmt is not None
    max_len = sub.get("maxLength")
    if is_string and not limited and not (isinstance(max_len, int) and max_len <= 64):
        return [
            Risk("new-free-text-param", f"new free-text parameter {name!r} (no enum, pattern or short limit)", "medium")
        ]
    return []


def _scanner_risks(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Risk]:
    """What the text asks of the model is judged by the scanner alone (one scanner, one answer):
    each finding at the default threshold that the old definition did not already have."""
    from mcp_guard.scan import DEFAULT_THRESHOLD, at_least, scan_item

    scan_kind = {"resource_template": "resourceTemplate"}.get(kind, kind)
    before = set()
    if old:
        before = {(f.kind, f.excerpt) for f in at_least(scan_item(scan_kind, dict(old)), DEFAULT_THRESHOLD)}
    return [
        Risk("model-instructions", f"{f.kind} in {f.field}: {f.explanation} ({f.excerpt!r})", f.severity)
        for f in at_least(scan_item(scan_kind, dict(new)), DEFAULT_THRESHOLD)
        if (f.kind, f.excerpt) not in before
    ]


def _hint(annotations: Any, key: str) -> bool:
    if isinstance(annotations, Mapping) and isinstance(annotations.get(key), bool):
        return annotations[key]
    return _HINT_DEFAULTS[key]


def _annotation_risks(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Risk]:
    risks = []
    for key in _HINT_DEFAULTS:
        before, after = _hint(old.get("annotations"), key), _hint(new.get("annotations"), key)
        if before != after:
            severity = "high" if after == _RISKY_HINT[key] else "low"
            risks.append(
                Risk("annotation-flipped", f"{key} flipped {str(before).lower()} → {str(after).lower()}", severity)
            )
    return risks


def assess(kind: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Risk]:
    """Risk flags of a new definition relative to the old one (or to nothing, for a new item)."""
    old = old or {}
    copies = new.get(DUPLICATES)
    if isinstance(copies, list):
        risks = [Risk("duplicate", f"listed {len(copies)} times under one name: which definition the client "
                                   "sees and which one the server runs are unknown", "high")]
        for copy in copies:
            risks.extend(r for r in assess(kind, old, copy) if r not in risks)
        return risks
    risks: list[Risk] = []
    old_params = _params(old.get("inputSchema"))
    for name, sub in _params(new.get("inputSchema")).items():
        if name not in old_params:
            risks.extend(_param_risks(name, sub))
    risks.extend(_scanner_risks(kind, old, new))
    if kind == "tool" and old:
        risks.extend(_annotation_risks(old, new))
    return risks


# --- diffs ----------------------------------------------------------------------------------------

Status = Literal["added", "removed", "changed"]


@dataclass(slots=True)
class Change:
    kind: str
    name: str
    status: Status
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None
    old_digest: str | None = None
    new_digest: str | None = None
    fields: list[str] = field(default_factory=list)  # top-level fields that differ
    risks: list[Risk] = field(default_factory=list)
    renamed_from: str | None = None  # for "added": a removed item this one is near-identical to

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "old_fingerprint": self.old_digest,
            "new_fingerprint": self.new_digest,
            "fields": self.fields,
            "risks": [{"code": r.code, "severity": r.severity, "message": r.message} for r in self.risks],
            "renamed_from": self.renamed_from,
        }


def changed_fields(old: Fingerprint, new: Fingerprint) -> list[str]:
    keys = sorted(set(old.fields) | set(new.fields))
    return [k for k in keys if old.fields.get(k) != new.fields.get(k)]


def diff(
    kind: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    old_fp: Fingerprint | None = None,
    new_fp: Fingerprint | None = None,
) -> Change | None:
    """What changed between two definitions of one item (None when identical)."""
    if old is None and new is None:
        return None
    old_fp = old_fp or (fingerprint(kind, old) if old is not None else None)
    new_fp = new_fp or (fingerprint(kind, new) if new is not None else None)
    if old_fp and new_fp and old_fp.digest == new_fp.digest:
        return None
    name = (new_fp or old_fp).name  # type: ignore[union-attr]
    if new is None:
        return Change(kind, name, "removed", old, None, old_fp.digest if old_fp else None)
    status: Status = "added" if old is None else "changed"
    fields = changed_fields(old_fp, new_fp) if old_fp and new_fp else sorted(new)
    return Change(
        kind,
        name,
        status,
        old,
        new,
        old_fp.digest if old_fp else None,
        new_fp.digest if new_fp else None,
        fields,
        assess(kind, old, new),
    )


def _shape(definition: Mapping[str, Any]) -> str:
    """The text two items are compared by when looking for a rename: everything but the names."""
    rest = {k: v for k, v in definition.items() if k not in ("name", "title")}
    return canonical(rest).decode("utf-8")


RENAME_SIMILARITY = 0.85
_RENAME_BUDGET = 250_000  # pairwise comparisons; past this, only exact look-alikes are matched
_WORD = re.compile(r"\w+")


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    # Jaccard over the words of the canonical text: linear time, and a small edit keeps it high.
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _find_renames(kind: str, removed: list[Change], added: list[Change]) -> None:
    if not removed or not added:
        return
    shapes_removed = {c.name: _shape(c.old or {}) for c in removed}
    by_shape: dict[str, str] = {}
    for name, shape in shapes_removed.items():
        by_shape.setdefault(shape, name)
    fuzzy = len(removed) * len(added) <= _RENAME_BUDGET
    words = {name: frozenset(_WORD.findall(shape)) for name, shape in shapes_removed.items()} if fuzzy else {}
    for change in added:
        shape = _shape(change.new or {})
        match, ratio = by_shape.get(shape), 1.0
        if match is None and fuzzy:
            mine = frozenset(_WORD.findall(shape))
            best, best_ratio = None, 0.0
            for name, theirs in words.items():
                r = _similarity(mine, theirs)
                if r >= RENAME_SIMILARITY and r > best_ratio:
                    best, best_ratio = name, r
            match, ratio = best, best_ratio
        if match is not None:
            change.renamed_from = match
            change.risks.insert(
                0,
                Risk(
                    "renamed",
                    f"{kind} {match!r} was removed and this near-identical one ({ratio:.0%} alike) "
                    "added under another name",
                    "high",
                ),
            )


Listing = dict[str, tuple[Fingerprint, Mapping[str, Any]]]  # name -> (fingerprint, definition)


def index(kind: str, definitions: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]]) -> Listing:
    """Fingerprint a listing once, so that it can be diffed against many others."""
    items = definitions.values() if isinstance(definitions, Mapping) else definitions
    out: Listing = {}
    for d in collapse(kind, items):  # a name listed twice is one conflict item, as in the review queue
        fp = fingerprint(kind, d)
        out[fp.name] = (fp, d)
    return out


def diff_index(kind: str, old: Listing, new: Listing) -> list[Change]:
    """Changes between two fingerprinted listings, sorted by name; renames flagged on the added side."""
    changes: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is not None and b is not None and a[0].digest == b[0].digest:
            continue
        change = diff(
            kind, a[1] if a else None, b[1] if b else None, old_fp=a[0] if a else None, new_fp=b[0] if b else None
        )
        if change is not None:
            changes.append(change)
    _find_renames(kind, [c for c in changes if c.status == "removed"], [c for c in changes if c.status == "added"])
    return changes


def diff_lists(
    kind: str,
    old: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    new: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
) -> list[Change]:
    """Changes between two listings of one kind (definitions as lists, or as name -> definition)."""
    return diff_index(kind, index(kind, old), index(kind, new))
