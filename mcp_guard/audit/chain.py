"""The chain: records, their canonical data, their hashes, and verification of a chain of them.

Each record's hash covers its sequence number, time, kind, session, the SHA-256 of its data (RFC 8785
canonical JSON) and the previous record's hash, so editing, deleting or reordering records breaks the
chain where it happened. Hashing the data's digest rather than the data lets an export leave out other
sessions' data (keeping the digest) and still be verified as one unbroken chain. `_Chain` walks
records from either source (the database or an exported file) and says where and how it breaks.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from mcp_guard.canonical import sha256_hex
from mcp_guard.errors import AuditError, GuardError

GENESIS = "0" * 64
FORMAT = "mcp-guard-audit"
FORMAT_VERSION = 1
MAX_PROBLEMS = 20
MOVE_WINDOW = 64  # how far verify looks for the seq a moved record was written as


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: str  # ISO 8601 UTC, microseconds
    kind: str
    session_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "session": self.session_id,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int | None  # the record where the chain breaks (None: the log as a whole)
    what: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.what}" if self.seq is not None else self.what


@dataclass(slots=True)
class VerifyResult:
    count: int = 0  # records read
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    more: int = 0  # problems beyond MAX_PROBLEMS, not listed
    digested: int = 0  # an export's records of other sessions, kept only as their data's digest
    session: str | None = None  # the session an export holds in full (None: every record)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, seq: int | None, what: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(seq, what))
        else:
            self.more += 1

    def summary(self) -> str:
        if self.ok:
            told = (f" (session {self.session} in full; {self.digested} records of other sessions as digests)"
                    if self.digested else "")
            return f"audit log intact: {self.count} records{told}, head {self.head_seq}:{self.head_hash}"
        first = self.problems[0]
        n = len(self.problems) + self.more
        return f"audit log tampered ({n} problem{'s' if n > 1 else ''}); first: {first}"


# --- hashes (a record's data is hashed as its canonical JSON: mcp_guard.canonical) -------------


def record_hash(seq: int, at: str, kind: str, session_id: str | None, data_sha256: str, prev: str) -> str:
    """SHA-256 of the RFC 8785 form of {v, seq, at, kind, session, data: sha256 of data, prev},
    written out by hand (keys in sorted order) because this runs for every record."""
    if type(seq) is not int:
        raise TypeError("seq must be an integer")
    j = _quoted
    body = (
        f'{{"at":{j(at, ensure_ascii=False)},"data":{j(data_sha256)},"kind":{j(kind, ensure_ascii=False)},'
        f'"prev":{j(prev)},"seq":{seq},"session":{j(session_id, ensure_ascii=False)},"v":{FORMAT_VERSION}}}'
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _quoted(text: str | None, ensure_ascii: bool = True) -> str:
    """`json.dumps(text, ensure_ascii=...)`, without its cost for the usual text that needs no escape
    (printable ASCII without quotes or backslashes: a time, a hash, a kind, a session id)."""
    if type(text) is str and text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=ensure_ascii)


class _Chain:
    """Walks records in stored order and says where and how the chain breaks."""

    def __init__(self, res: VerifyResult, locate, present=lambda lo, hi: False) -> None:
        self.res = res
        self.locate = locate  # hash -> seq of the record that has it, or None
        self.present = present  # (lo, hi) -> whether a record with lo <= seq <= hi is elsewhere (files)
        self.last_seq = 0
        self.last_hash = GENESIS

    def feed(self, seq: Any, at: Any, kind: Any, sid: Any, data_sha: str, prev: Any, h: Any) -> None:
        res = self.res
        res.count += 1
        if not isinstance(seq, int) or seq <= self.last_seq:
            res.add(seq if isinstance(seq, int) else None, f"out of order: comes after record {self.last_seq}")
            return
        gap = seq != self.last_seq + 1
        if gap:  # which also explains a broken link to the record before
            first, last = self.last_seq + 1, seq - 1
            reordered = self.present(first, last)
            span = _span(first, last)
            res.add(seq, f"reordered: comes before {span}" if reordered else f"{span} missing before it (deleted)")
        moved = False
        if prev != self.last_hash and not gap:
            searching = isinstance(prev, str) and prev != GENESIS and len(res.problems) < MAX_PROBLEMS
            origin = self.locate(prev) if searching else None
            if origin is not None and origin != self.last_seq:
                # An intact record that was moved still hashes right with the seq it was written as.
                near = sorted(range(seq - MOVE_WINDOW, seq + MOVE_WINDOW + 1), key=lambda s: abs(s - seq))
                written = next(
                    (s for s in near if s > 0 and _hash_or_none(s, at, kind, sid, data_sha, prev) == h), None
                )
                moved = written is not None
                if moved:
                    res.add(seq, f"reordered: this record was written as record {written}")
                else:
                    res.add(seq, f"reordered: it links to the record now at {origin}, not to record {self.last_seq}")
            else:
                res.add(seq, f"chain broken: prev_hash does not match record {self.last_seq} (that record changed)")
        if not moved and _hash_or_none(seq, at, kind, sid, data_sha, prev) != h:
            res.add(seq, "contents do not match its hash (edited)")
        self.last_seq, self.last_hash = seq, h if isinstance(h, str) else ""

    def finish(self, head: tuple[int, str] | None) -> None:
        res = self.res
        if head is None:
            res.head_seq, res.head_hash = self.last_seq, self.last_hash
            if res.count:
                res.add(None, "the head record is missing (deleted): the log's end cannot be checked")
            return
        res.head_seq, res.head_hash = head
        if head[0] > self.last_seq:
            gone = _span(self.last_seq + 1, head[0])
            res.add(
                head[0],
                f"deleted: the head says the log ends at {head[0]}, "
                f"the last record is {self.last_seq} ({gone} missing)",
            )
        elif head[0] < self.last_seq:
            res.add(self.last_seq, f"beyond the head (head says the log ends at {head[0]})")
        elif head[1] != self.last_hash:
            res.add(head[0], "does not match the head's hash (last record or head changed)")


def _span(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}–{last}"


def _hash_or_none(seq: int, at: Any, kind: Any, sid: Any, data_sha: str, prev: Any) -> str | None:
    try:
        return record_hash(seq, at, kind, sid, data_sha, prev) if data_sha else None
    except (TypeError, ValueError):
        return None


class _NotIJson(ValueError):
    """A line that is JSON but not I-JSON (RFC 7493), which readers read differently."""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _NotIJson(f"the member {key!r} appears twice in one object (readers disagree on which counts)")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise _NotIJson(f"{name} is not JSON")


def _read_line(text: str) -> Any:
    """One line of an export, read only as I-JSON, the JSON the chain's canonical form is defined on: a
    member named twice (one reader takes the first, another the last) or NaN is refused, not resolved."""
    return json.loads(text, object_pairs_hook=_members, parse_constant=_no_constant)


def verify_jsonl(fp: IO[str], anchors: Iterable[tuple[int, str]] = ()) -> VerifyResult:
    """Verify an exported file: the chain of all its lines, its header's head, and any anchors."""
    res = VerifyResult()
    lines = iter(enumerate(fp, 1))
    try:
        _, first = next(lines)
        header = _read_line(first)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError
    except _NotIJson as err:
        raise AuditError(f"the header line of this audit export is not plain JSON: {err}") from None
    except (StopIteration, ValueError):
        raise AuditError("not an mcp-guard audit export (no header line)") from None
    if header.get("version") != FORMAT_VERSION:
        raise AuditError(f"unsupported audit export version {header.get('version')!r}")
    records: list[tuple[int, dict[str, Any]]] = []
    for lineno, text in lines:
        if not text.strip():
            continue
        try:
            rec = _read_line(text)
            if not isinstance(rec, dict):
                raise ValueError
        except _NotIJson as err:
            res.add(None, f"line {lineno}: {err}")
            continue
        except ValueError:
            res.add(None, f"line {lineno}: not a JSON record")
            continue
        records.append((lineno, rec))
    hashes = {
        r["hash"]: r["seq"] for _, r in records if isinstance(r.get("hash"), str) and isinstance(r.get("seq"), int)
    }
    seqs = sorted(hashes.values())

    def present(lo: int, hi: int) -> bool:
        i = bisect.bisect_left(seqs, lo)
        return i < len(seqs) and seqs[i] <= hi

    chain = _Chain(res, locate=hashes.get, present=present)
    # Only an export of one session gives other sessions' records as a digest: any other record without
    # its data was emptied after the export (the header is not hashed: what it says is shown instead).
    exported = header.get("session") if isinstance(header.get("session"), str) else None
    res.session = exported
    for _, rec in records:
        full = "data" in rec
        if full:
            data_sha = sha256_hex(rec["data"])
        else:
            data_sha = rec.get("data_sha256") if isinstance(rec.get("data_sha256"), str) else ""
        fields = (rec.get(k) for k in ("seq", "at", "kind", "session"))
        chain.feed(*fields, data_sha, rec.get("prev_hash"), rec.get("hash"))
        if full:
            continue
        if exported is None or rec.get("session") == exported:
            res.add(rec.get("seq") if isinstance(rec.get("seq"), int) else None,
                    "its data is missing, though the export holds this record in full")
        else:
            res.digested += 1
    head = header.get("head_seq"), header.get("head_hash")
    chain.finish(head if isinstance(head[0], int) else None)
    by_seq = {s: h for h, s in hashes.items()}
    for seq, want in anchors:
        got = by_seq.get(seq)
        if got is None:
            res.add(seq, "anchored record is missing")
        elif got != want:
            res.add(seq, "does not match its anchor: log rewritten")
    return res


def parse_anchor(text: str) -> tuple[int, str]:
    """`SEQ:HASH` as printed by `mcp-guard audit head`."""
    seq, _, h = text.partition(":")
    if not re.fullmatch(r"[0-9]{1,18}", seq) or not re.fullmatch(r"[0-9a-f]{64}", h):  # a 64-bit integer
        raise GuardError(f"bad anchor {text!r}: expected SEQ:HASH as printed by `mcp-guard audit head`")
    return int(seq), h
