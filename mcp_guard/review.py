"""The review queue: every definition a server offers, held until a person approves it.

Rows of `items` are keyed by (upstream, kind, name, fingerprint): a changed tool is a new row, pending,
pointing at the approved one it would replace. Review states: pending → approved | rejected; an approved
row becomes `superseded` when a newer definition of the same name is approved. That a server stopped
listing a name is a separate fact (`removed`), so that approval history survives a tool coming back.

Many `mcp-guard run` processes (or `serve` replicas) share one database: every write here is one short
`store.write()` transaction, and ids are derived from the row's key, so two processes that see the same new tool at
once agree on its id and store it once.

Trust modes (per upstream): `review` holds everything new or changed; `tofu` approves what it sees
the first time it sees an upstream's list (unless a scan finds something serious) and holds later
changes; `pinned` serves only what the AI-BOM holds (the guard checks that; rows are still recorded).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp_guard import audit, kinds
from mcp_guard.canonical import now
from mcp_guard.errors import ReviewError
from mcp_guard.manifest import DUPLICATES, canonical_definition, collapse, fingerprint
from mcp_guard.store import Store

State = Literal["pending", "approved", "rejected", "superseded"]
TrustMode = Literal["review", "pinned", "tofu"]
log = logging.getLogger("mcp_guard.review")
TOFU_REVIEWER = "mcp-guard (trust on first use)"
_REPORTED: set[str] = set()  # items already logged as approved outside mcp-guard (once per process)
_UNREAD: Any = object()  # `_attested`: the review record is still to be read


def reviewer_name() -> str:
    """Who is reviewing: `git config user.name`, else the login name."""
    try:
        out = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("USER") or getpass.getuser() or "unknown"


@dataclass(slots=True)
class Item:
    id: str
    upstream: str
    kind: str
    name: str
    fingerprint: str
    definition_json: str  # canonical JSON, parsed on first use: a listing of many rows parses none
    state: State
    previous_id: str | None
    findings_json: str | None
    first_seen: str
    last_seen: str
    removed: str | None = None
    _parsed: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def definition(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self.definition_json)
        return self._parsed

    @property
    def findings(self) -> list[dict[str, Any]]:
        return json.loads(self.findings_json) if self.findings_json else []

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "upstream": self.upstream,
            "kind": self.kind,
            "name": self.name,
            "fingerprint": self.fingerprint,
            "state": self.state,
            "previous_id": self.previous_id,
            "findings": self.findings,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "removed": self.removed,
        }


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    item_id: str
    decision: Literal["approve", "reject"]
    reviewer: str
    reason: str
    at: str

    def to_json(self) -> dict[str, str]:
        return {"decision": self.decision, "reviewer": self.reviewer, "reason": self.reason, "at": self.at}


@dataclass(slots=True)
class Outcome:
    """What a decision did: the item after it, and whether it still waits for a second reviewer."""

    item: Item
    decision: ReviewDecision
    waiting_for_second: bool = False
    superseded: list[str] = field(default_factory=list)


def _item(row: Mapping[str, Any]) -> Item:
    return Item(
        id=row["id"],
        upstream=row["upstream"],
        kind=row["kind"],
        name=row["name"],
        fingerprint=row["fingerprint"],
        definition_json=row["definition"],
        state=row["state"],
        previous_id=row["previous_id"],
        findings_json=row["findings"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        removed=row["removed"],
    )


def item_id(upstream: str, kind: str, name: str, digest: str, length: int = 10) -> str:
    key = "\0".join((upstream, kind, name, digest)).encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:length]


# --- the scanner hook -----------------------------------------------------------------------------


def scan_findings(kind: str, definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Findings of `mcp_guard.scan.scan_item`, when that module exists, as plain dicts.

    A scanner that crashes yields one high-severity finding: failing closed keeps a tool that broke
    the scanner from being approved on first use. A name listed more than once is a high finding of
    its own (so trust on first use never approves it), with the findings of each copy.
    """
    copies = definition.get(DUPLICATES)
    if isinstance(copies, list):
        found = [{"kind": "duplicate", "severity": "high", "span": None,
                  "explanation": f"listed {len(copies)} times under one name"}]
        return found + [f for c in copies if isinstance(c, Mapping) for f in scan_findings(kind, c)]
    try:
        from mcp_guard import scan  # optional: written separately
    except ModuleNotFoundError as err:
        if err.name in ("mcp_guard.scan",):
            return []
        raise
    scan_item = getattr(scan, "scan_item", None)
    if scan_item is None:
        return []
    try:
        found = scan_item(kinds.KINDS[kind].singular if kind in kinds.KINDS else kind, dict(definition)) or []
    except Exception as err:  # noqa: BLE001 - any scanner failure must hold the item, not crash the proxy
        return [{"kind": "scanner-error", "severity": "high", "span": None, "explanation": f"scanner failed: {err}"}]
    return [_finding_dict(f) for f in found]


def _finding_dict(finding: Any) -> dict[str, Any]:
    if isinstance(finding, Mapping):
        data = dict(finding)
    elif hasattr(finding, "model_dump"):
        data = finding.model_dump(mode="json")
    elif hasattr(finding, "__dataclass_fields__"):
        from dataclasses import asdict

        data = asdict(finding)
    else:
        data = {"explanation": str(finding)}
    keep = {k: data.get(k) for k in ("kind", "severity", "span", "explanation")}
    if keep["span"] is None and "start" in data:  # the scanner's own shape: field + offsets + excerpt
        keep["span"] = {k: data.get(k) for k in ("field", "start", "end", "excerpt")}
    return json.loads(json.dumps(keep, default=str))


def serious(findings: Iterable[Mapping[str, Any]]) -> bool:
    return any(str(f.get("severity", "")).lower() in ("high", "critical") for f in findings)


# --- the queue ------------------------------------------------------------------------------------


class ReviewQueue:
    """The review state in the shared database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store  # `execute` runs in this thread's `write()` transaction while one is open

    # Reading ---------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Item]:
        cursor = self.conn.execute(sql, tuple(params))
        cols = [c[0] for c in cursor.description]
        items = [_item(dict(zip(cols, row, strict=True))) for row in cursor.fetchall()]
        for item in items:
            if item.state == "approved" and not self._attested(item.id, item.upstream, item.kind, item.name,
                                                               item.fingerprint):
                item.state = "pending"
        return items

    def _attested(self, ident: str, upstream: str, kind: str, name: str, digest: str,
                  rec: Any = _UNREAD) -> bool:
        """Whether an approved row is backed by its review record in the audit chain. Any process of
        the user can UPDATE the database (an upstream server too): such an approval is not honoured.
        `rec`: that record's data if already read (`audit.intact_review`)."""
        if rec is _UNREAD:
            rec = audit.latest_review(self.conn, ident)
        if rec is not None and rec.get("state") == "approved" and (
            rec.get("upstream"), rec.get("kind"), rec.get("name"), rec.get("fingerprint")
        ) == (upstream, kind, name, digest):
            return True
        if ident not in _REPORTED:
            _REPORTED.add(ident)
            log.warning("review state edited outside mcp-guard: %s %r of %r (%s) is marked approved without its "
                        "review record in the audit log; it stays held", kind, name, upstream, ident)
        return False

    def _record_decision(self, item: Item, decision: str, reviewer: str, reason: str, waiting: bool) -> None:
        """The decision's audit record, written in the caller's transaction: both or neither."""
        audit.append_in_transaction(self.conn, "review", {
            "id": item.id, "upstream": item.upstream, "kind": item.kind, "name": item.name,
            "fingerprint": item.fingerprint, "decision": decision, "reviewer": reviewer, "reason": reason,
            "state": item.state, "waiting_for_second": waiting,
        })

    def find(self, ref: str) -> Item | None:
        rows = self._rows("SELECT * FROM items WHERE id = ?", (ref,))
        return rows[0] if rows else None

    def get(self, ref: str) -> Item:
        """An item by id, or by a unique prefix of at least 4 characters of one."""
        ref = ref.strip()
        if item := self.find(ref):
            return item
        if len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref):
            rows = self._rows("SELECT * FROM items WHERE id LIKE ? ORDER BY id", (ref + "%",))
            if len(rows) == 1:
                return rows[0]
            if len(rows) > 1:
                ids = ", ".join(r.id for r in rows[:5])
                raise ReviewError(f"review id {ref!r} is ambiguous ({ids}): give more characters")
        raise ReviewError(f"no review item with id {ref!r}: see `mcp-guard review list`")

    def items(
        self,
        *,
        upstream: str | None = None,
        kind: str | None = None,
        states: Iterable[str] | None = None,
        include_removed: bool = True,
    ) -> list[Item]:
        where, params = [], []
        if upstream is not None:
            where.append("upstream = ?")
            params.append(upstream)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if states is not None:
            states = list(states)
            where.append(f"state IN ({','.join('?' * len(states))})")
            params.extend(states)
        if not include_removed:
            where.append("removed IS NULL")
        sql = "SELECT * FROM items" + (" WHERE " + " AND ".join(where) if where else "")
        return self._rows(sql + " ORDER BY upstream, kind, name, first_seen, id", params)

    def state_of(self, ref: str) -> str | None:
        """The state of item `ref` now. Asked at every call: the row, its last review record and the
        record before that (the link) are read in one statement."""
        row = self.conn.execute(
            "SELECT i.state, i.upstream, i.kind, i.name, i.fingerprint, "
            "a.seq, a.at, a.session_id, a.data, a.prev_hash, a.hash, b.hash FROM items i "
            f"LEFT JOIN audit a ON a.seq = ({audit.latest_review_seq(self.conn, 'i.id')}) "
            "LEFT JOIN audit b ON b.seq = a.seq - 1 WHERE i.id = ?", (ref,)).fetchone()
        if row is None:
            return None
        if row[0] != "approved":
            return row[0]
        return "approved" if self._attested(ref, *row[1:5], rec=audit.intact_review(tuple(row[5:11]), row[11])) \
            else "pending"

    def decisions(self, ref: str) -> list[ReviewDecision]:
        rows = self.conn.execute(
            "SELECT item_id, decision, reviewer, reason, at FROM review_decisions WHERE item_id = ? ORDER BY at, rowid",
            (ref,),
        ).fetchall()
        return [ReviewDecision(*row) for row in rows]

    def approved_for(self, upstream: str, kind: str, name: str) -> Item | None:
        rows = self._rows(
            "SELECT * FROM items WHERE upstream = ? AND kind = ? AND name = ? AND state = 'approved' "
            "ORDER BY first_seen DESC LIMIT 1",
            (upstream, kind, name),
        )
        return rows[0] if rows else None

    # Recording what a server lists -----------------------------------------------------------------

    def knows(self, upstream: str) -> bool:
        """Whether anything of `upstream` was ever recorded (or adopted from the AI-BOM): once so, its
        first listing is over, and trust on first use approves nothing more of it."""
        return self.conn.execute("SELECT 1 FROM items WHERE upstream = ? LIMIT 1", (upstream,)).fetchone() is not None

    def record(
        self,
        upstream: str,
        kind: str,
        definitions: Iterable[Mapping[str, Any]],
        *,
        complete: bool = True,
        trust: TrustMode = "review",
    ) -> dict[str, Item]:
        """Record a listing; return, for each listed name, the row of the definition served now.

        `complete` says the listing is the whole list (all pages): names missing from it are marked
        removed. A page on its own records what it holds and marks nothing. `trust="tofu"` approves
        what is new here: callers pass it only for the upstream's first listing (see `knows`).
        """
        if kind not in kinds.KINDS:
            raise ValueError(f"unknown kind {kind!r}: one of {', '.join(kinds.NAMES)}")
        prepared = []
        seen_names: set[str] = set()
        for definition in collapse(kind, definitions):  # a name listed twice is one conflict item
            fp = fingerprint(kind, definition)
            seen_names.add(fp.name)
            prepared.append((fp, definition))
        # Scan what looks new before taking the write lock, so other processes do not wait on it.
        known = {
            (row[0], row[1])
            for row in self.conn.execute(
                "SELECT name, fingerprint FROM items WHERE upstream = ? AND kind = ?", (upstream, kind)
            )
        }
        findings = {fp.digest: scan_findings(kind, d) for fp, d in prepared if (fp.name, fp.digest) not in known}
        stamp = now()
        result: dict[str, Item] = {}
        conn = self.conn
        with self.store.write():
            existing = self._rows("SELECT * FROM items WHERE upstream = ? AND kind = ?", (upstream, kind))
            by_key = {(r.name, r.fingerprint): r for r in existing}
            approved = {r.name: r for r in existing if r.state == "approved"}
            first_sight = not existing
            touched: list[str] = []
            for fp, definition in prepared:
                row = by_key.get((fp.name, fp.digest))
                if row is not None:
                    touched.append(row.id)
                    row.removed = None
                    result[fp.name] = row
                    continue
                found = findings[fp.digest] if fp.digest in findings else scan_findings(kind, definition)
                result[fp.name] = self._insert(
                    upstream,
                    kind,
                    fp.name,
                    fp.digest,
                    definition,
                    found,
                    stamp,
                    approved.get(fp.name),
                    trust == "tofu" and first_sight,
                )
            if touched:
                for chunk in _chunks(touched, 500):
                    conn.execute(
                        f"UPDATE items SET last_seen = ?, removed = NULL WHERE id IN ({','.join('?' * len(chunk))})",
                        (stamp, *chunk),
                    )
            if complete:
                # Gone: names no longer listed, and undecided or rejected definitions no longer served.
                # An approved definition of a listed name stays, as the state a change is measured against.
                served = {(fp.name, fp.digest) for fp, _ in prepared}
                gone = [
                    r.id
                    for r in existing
                    if r.removed is None
                    and (
                        r.name not in seen_names
                        or (r.state in ("pending", "rejected") and (r.name, r.fingerprint) not in served)
                    )
                ]
                for chunk in _chunks(gone, 500):
                    conn.execute(
                        f"UPDATE items SET removed = ? WHERE id IN ({','.join('?' * len(chunk))})", (stamp, *chunk)
                    )
        return result

    def _insert(
        self,
        upstream: str,
        kind: str,
        name: str,
        digest: str,
        definition: Mapping[str, Any],
        findings: list[dict[str, Any]],
        stamp: str,
        previous: Item | None,
        tofu: bool,
    ) -> Item:
        state: State = "approved" if tofu and not serious(findings) else "pending"
        ident = self._free_id(upstream, kind, name, digest)
        values = (
            ident, upstream, kind, name, digest, canonical_definition(definition), state,
            previous.id if previous else None, json.dumps(findings) if findings else None, stamp, stamp,
        )
        item = Item(*values)  # type: ignore[arg-type]
        self.conn.execute(
            "INSERT INTO items (id, upstream, kind, name, fingerprint, definition, state, previous_id, findings, "
            "first_seen, last_seen, removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            values,
        )
        if state == "approved":
            reason = f"first sight of {upstream!r} under trust on first use"
            self.conn.execute(
                "INSERT INTO review_decisions (item_id, decision, reviewer, reason, at) VALUES (?, 'approve', ?, ?, ?)",
                (ident, TOFU_REVIEWER, reason, stamp),
            )
            self._record_decision(item, "approve", TOFU_REVIEWER, reason, False)
        return item

    def _free_id(self, upstream: str, kind: str, name: str, digest: str) -> str:
        # Derived from the key, so every process agrees; lengthened in the rare case of a clash.
        for length in (10, 16, 24, 64):
            ident = item_id(upstream, kind, name, digest, length)
            if self.conn.execute("SELECT 1 FROM items WHERE id = ?", (ident,)).fetchone() is None:
                return ident
        raise ReviewError(f"cannot allocate a review id for {upstream}/{kind}/{name}")

    # Deciding --------------------------------------------------------------------------------------

    def decide(
        self,
        ref: str,
        decision: Literal["approve", "reject"],
        reason: str,
        *,
        reviewer: str | None = None,
        two_person: bool = False,
    ) -> Outcome:
        return self.decide_many([ref], decision, reason, reviewer=reviewer, two_person=two_person)[0]

    def decide_many(
        self,
        refs: Iterable[str],
        decision: Literal["approve", "reject"],
        reason: str,
        *,
        reviewer: str | None = None,
        two_person: bool = False,
    ) -> list[Outcome]:
        """One decision on several items, all or none: an unknown id or an item that cannot take
        the decision leaves every item as it was."""
        reason = (reason or "").strip()
        if not reason:
            raise ReviewError('a reason is required: add --reason "why this is fine (or not)"')
        reviewer = (reviewer or reviewer_name()).strip() or "unknown"
        with self.store.write():
            items: dict[str, Item] = {}
            for ref in refs:
                item = self.get(ref)
                items.setdefault(item.id, item)  # the same item named twice is decided once
            outcomes = [self._decide(item, decision, reason, reviewer, two_person) for item in items.values()]
            for outcome in outcomes:
                self._record_decision(outcome.item, decision, reviewer, reason, outcome.waiting_for_second)
        return outcomes

    def _decide(self, item: Item, decision: str, reason: str, reviewer: str, two_person: bool) -> Outcome:
        what = f"{item.kind} {item.name!r} of {item.upstream!r} ({item.id})"
        if item.state == "superseded":
            raise ReviewError(f"{what} was superseded by a newer approved definition; review that one instead")
        if decision == "approve" and item.state == "approved":
            raise ReviewError(f"{what} is already approved")
        if decision == "reject" and item.state == "rejected":
            raise ReviewError(f"{what} is already rejected")
        stamp = now()
        record = ReviewDecision(item.id, decision, reviewer, reason, stamp)  # type: ignore[arg-type]
        waiting = False
        if decision == "approve" and two_person:
            approvers = self._approvers_since_last_reject(item.id)
            if reviewer in approvers:
                raise ReviewError(
                    f"two-person rule: {reviewer!r} already approved {what}; a different reviewer must approve it too"
                )
            waiting = not approvers
        self.conn.execute(
            "INSERT INTO review_decisions (item_id, decision, reviewer, reason, at) VALUES (?, ?, ?, ?, ?)",
            (item.id, decision, reviewer, reason, stamp),
        )
        superseded: list[str] = []
        if decision == "reject":
            item.state = "rejected"
        elif not waiting:
            item.state = "approved"
            superseded = [
                row[0]
                for row in self.conn.execute(
                    "SELECT id FROM items WHERE upstream = ? AND kind = ? AND name = ? "
                    "AND state = 'approved' AND id != ?",
                    (item.upstream, item.kind, item.name, item.id),
                )
            ]
            for old in superseded:
                self.conn.execute("UPDATE items SET state = 'superseded' WHERE id = ?", (old,))
        self.conn.execute("UPDATE items SET state = ? WHERE id = ?", (item.state, item.id))
        return Outcome(item, record, waiting, superseded)

    def _approvers_since_last_reject(self, ref: str) -> list[str]:
        approvers: list[str] = []
        for d in self.decisions(ref):
            if d.decision == "reject":
                approvers = []
            elif d.reviewer not in approvers:
                approvers.append(d.reviewer)
        return approvers

    # Adopting state from an AI-BOM (e.g. a fresh database beside a BOM from git) -------------------

    def adopt(
        self,
        upstream: str,
        kind: str,
        name: str,
        digest: str,
        definition: Mapping[str, Any],
        state: State,
        decisions: Iterable[Mapping[str, str]],
        first_seen: str | None = None,
        findings: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Bring one BOM entry into the database unless the database already knows better.

        A BOM entry with a decision wins over a row still pending here (a colleague reviewed it and
        the BOM came through git); a row already decided here is left alone. Returns True if changed.
        """
        decisions = list(decisions)
        if fingerprint(kind, definition).digest != digest:
            return False  # a hand-edited definition that no longer matches its fingerprint: ignore it
        conn = self.conn
        with self.store.write():
            rows = self._rows(
                "SELECT * FROM items WHERE upstream = ? AND kind = ? AND name = ? AND fingerprint = ?",
                (upstream, kind, name, digest),
            )
            changed = False
            stamp = first_seen or now()
            if not rows:
                ident = self._free_id(upstream, kind, name, digest)
                conn.execute(
                    "INSERT INTO items (id, upstream, kind, name, fingerprint, definition, state, previous_id, "
                    "findings, first_seen, last_seen, removed) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL)",
                    (
                        ident,
                        upstream,
                        kind,
                        name,
                        digest,
                        canonical_definition(definition),
                        state,
                        json.dumps(findings) if findings else None,
                        stamp,
                        stamp,
                    ),
                )
                changed = True
            else:
                ident = rows[0].id
                if rows[0].state == "pending" and state in ("approved", "rejected"):
                    conn.execute("UPDATE items SET state = ? WHERE id = ?", (state, ident))
                    changed = True
            if changed:
                known = {(d.decision, d.reviewer, d.reason, d.at) for d in self.decisions(ident)}
                for d in decisions:
                    key = (d.get("decision"), d.get("reviewer"), d.get("reason"), d.get("at"))
                    if key not in known and key[0] in ("approve", "reject") and all(key):
                        conn.execute(
                            "INSERT INTO review_decisions (item_id, decision, reviewer, reason, at) "
                            "VALUES (?, ?, ?, ?, ?)",
                            (ident, *key),
                        )
                if state == "approved":
                    conn.execute(
                        "UPDATE items SET state = 'superseded' WHERE upstream = ? AND kind = ? AND name = ? "
                        "AND state = 'approved' AND id != ?",
                        (upstream, kind, name, ident),
                    )
                if state in ("approved", "rejected"):
                    last = [d for d in decisions if d.get("decision") in ("approve", "reject")][-1:]
                    who = str(last[0].get("reviewer") or "unknown") if last else "unknown"
                    adopted = Item(ident, upstream, kind, name, digest, "", state, None, None, stamp, stamp, None)
                    self._record_decision(adopted, "approve" if state == "approved" else "reject", who,
                                          "adopted from the AI-BOM", False)
        return changed


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def held_reason(item: Item, *, pinned: bool = False) -> str:
    """Why an item is not served, with the commands that change that."""
    what = f"{item.kind} {item.name!r} of upstream {item.upstream!r}"
    show = f"`mcp-guard review show {item.id}`"
    approve = f'`mcp-guard review approve {item.id} --reason "…"`'
    if item.state == "rejected":
        return f"{what} was rejected in review ({item.id}); see {show}"
    if item.state == "superseded":
        return f"{what}: this definition was replaced by a newer approved one; the server must serve that one"
    if item.state == "approved" and pinned:
        return (
            f"{what} is approved but not in the AI-BOM this upstream is pinned to; "
            "run `mcp-guard bom generate` and commit the BOM"
        )
    status = "changed since it was approved" if item.previous_id else "new"
    if DUPLICATES in item.definition:
        status = "listed more than once with conflicting definitions"
    return f"{what} is {status} and awaits review (id {item.id}): inspect it with {show}, then run {approve}"
