"""ManifestGuard: rug-pull detection at runtime. New or changed definitions are hidden and uncallable.

On connect it fetches every list the server offers (all pages) and records it in the review queue;
every list the client asks for is recorded and filtered; on `list_changed` it fetches the list again
before returning, and the relay holds calls until it has, so a server that changes a tool mid-session
cannot get one call through to the changed definition even if the client never lists again. A call
is allowed only when the definition the server serves now is approved (in `pinned` mode: held in
the AI-BOM). The state is read from the shared database at each call, so an approval made in another
process (`mcp-guard review approve`) takes effect at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from mcp_guard import kinds
from mcp_guard.config import Config, ToolFilter
from mcp_guard.errors import BomError, GuardError
from mcp_guard.guards.base import ALLOW, Decision, Guard, ListKind, ReadKind, SessionInfo, ToolCall, Upstream, deny
from mcp_guard.manifest import (
    FROM_LIST_KIND,
    IDENTITY_FIELDS,
    LIST_METHODS,
    SERVER_NAME,
    is_conflict,
    item_name,
    server_definition,
)
from mcp_guard.review import Item, ReviewQueue, held_reason
from mcp_guard.store import Store, open_store
from mcp_guard.uris import template_matches, uri_base, uri_key

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_PAGES = 1_000  # a server that pages forever is cut off here
MAX_TOOL_NAMES = 1_000  # per upstream, remembered for telemetry's labels
MAX_KNOWN_STATES = 4_096  # review states remembered between calls (see `_state_of`)


async def fetch_all(upstream: Upstream, kind: str) -> list[dict[str, Any]]:
    """Every item of one kind, following `nextCursor` (a repeated cursor ends the walk)."""
    method, key = LIST_METHODS[kind]
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        result = await upstream.request(method, {"cursor": cursor} if cursor else None)
        page = result.get(key) or []
        items.extend(i for i in page if isinstance(i, dict))
        cursor = result.get("nextCursor")
        if not cursor or cursor in seen:
            break
        seen.add(cursor)
    return items


def permitted(tools: ToolFilter | None, name: str) -> bool:
    """Whether the config's tool filter lets a tool through (what it hides needs no review)."""
    if tools is None:
        return True
    return not any(fnmatchcase(name, p) for p in tools.deny) and any(fnmatchcase(name, p) for p in tools.allow)


def configured(config: Config, upstream: str, kind: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if kind != "tool" or upstream not in config.upstreams:
        return items
    tools = config.upstreams[upstream].tools
    return [i for i in items if permitted(tools, str(i.get("name", "")))]


def offered_kinds(capabilities: dict[str, Any] | None) -> list[str]:
    caps = capabilities or {}
    return [k.name for k in kinds.LISTED if k.capability in caps]


def _process_of(upstream: Upstream) -> Any:
    """What stands for the server process behind `upstream`: a shared process's hub (`serve`'s `share`:
    every session holds a view of its own onto one process), else the upstream itself."""
    return getattr(upstream, "hub", upstream)


@dataclass(slots=True)
class _View:
    """What one upstream serves in one session: name -> the row of the served definition, per kind."""

    upstream: Upstream
    items: dict[str, dict[str, Item]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # kind -> why it could not be checked


def _why(err: BaseException) -> str:
    return err.message if isinstance(err, GuardError) else f"{type(err).__name__}: {err}"


class ManifestGuard(Guard):
    name = "manifest"

    def __init__(self, config: Config, store: Store | None = None,
                 unchanged_since: Callable[[], Any] | None = None) -> None:
        """`unchanged_since`: a stamp that changes whenever anything but the audit log's own records is
        committed (`AuditLog.others_stamp`); while it stays the same, an item's review state is the
        one last read, and a call costs no query. None: the state is read at every call."""
        self.config = config
        self._stamp = unchanged_since
        self._states: dict[str, tuple[Any, str | None]] = {}  # item id -> (stamp when read, state)
        # Its own connection by default: its transactions run in a worker thread and must not
        # interleave with another guard's use of a shared connection.
        self._store = store
        self._queue: ReviewQueue | None = None
        self._db_lock = anyio.Lock()
        self._views: dict[tuple[str, str], _View] = {}  # (session.connection, upstream) -> its view
        # The last definition each server process was seen serving, whichever session listed it: sessions
        # that share one process (`share`) must not call what another session's listing found changed.
        self._latest: dict[tuple[int, str, str], tuple[Any, Item]] = {}
        self._adopted = False
        # The last recording of each listing: (its digest, the database's change stamp after it, the rows).
        self._recorded: dict[tuple[str, str, bool, str], tuple[str | None, Any, dict[str, Item]]] = {}
        self._pins: tuple[tuple[int, int, int], dict[str, set[tuple[str, str, str]]], str | None] | None = None
        # Tool names each upstream has listed (held ones too), for telemetry's labels: names a client
        # makes up never become one. Bounded: a server listing ever more names is not followed.
        self._tool_names: dict[str, set[str]] = {}
        # Trust on first use covers an upstream's first listing (every kind it lists then), not each
        # kind's first appearance: upstream -> whether this process is making that first listing.
        self._first_listing: dict[str, bool] = {}

    def listed_tool(self, upstream: str, tool: str) -> bool:
        """Whether `upstream` has listed a tool named `tool` (in any session of this process)."""
        return tool in self._tool_names.get(upstream, ())

    def _saw_tools(self, upstream: str, items: list[dict[str, Any]]) -> None:
        names = self._tool_names.setdefault(upstream, set())
        for entry in items:
            if len(names) >= MAX_TOOL_NAMES:
                return
            name = item_name("tool", entry)
            if name:
                names.add(name)

    # Plumbing -----------------------------------------------------------------------------------------

    @property
    def queue(self) -> ReviewQueue:
        if self._queue is None:
            self._queue = ReviewQueue(self._store or open_store(self.config.database))
        return self._queue

    async def _db(self, fn: Callable[[], T]) -> T:
        # SQLite may wait on another process's write lock (busy timeout): never block the event loop.
        async with self._db_lock:
            return await anyio.to_thread.run_sync(fn)

    async def _record(self, upstream: str, kind: str, items: list[dict[str, Any]], *, complete: bool,
                      trust: str) -> dict[str, Item]:
        """`queue.record`, or its last answer when the very same listing was recorded last and nothing
        has been written to the database since, by this process or another (`data_version`): the
        sessions of a shared server all list the same things, and each recording is a write
        transaction on a worker thread."""
        import hashlib

        import orjson

        if trust == "tofu":
            if upstream not in self._first_listing:
                self._first_listing[upstream] = not await self._db(lambda: self.queue.knows(upstream))
            trust = "tofu" if self._first_listing[upstream] else "review"
        key = (upstream, kind, complete, trust)
        try:
            digest = hashlib.sha256(orjson.dumps(items, option=orjson.OPT_SORT_KEYS)).hexdigest()
        except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits: recorded every time
            digest = None
        async with self._db_lock:
            last = self._recorded.get(key)
            stamp = self.queue.store.change_stamp()  # read under the lock: no worker uses the connection
            if digest is not None and last is not None and stamp is not None and last[:2] == (digest, stamp):
                return dict(last[2])
            rows = await anyio.to_thread.run_sync(
                lambda: self.queue.record(upstream, kind, items, complete=complete, trust=trust))  # type: ignore[arg-type]
            self._recorded[key] = (digest, self.queue.store.change_stamp(), rows)
            return dict(rows)

    async def _state_of(self, ident: str) -> str | None:
        """The review state now (another process may have decided since we listed): read again only
        when something other than the audit log's records was committed since it was last read."""
        stamp = self._stamp() if self._stamp is not None else None  # before the read: a later change shows
        if stamp is not None and (known := self._states.get(ident)) is not None and known[0] == stamp:
            return known[1]
        if not self._db_lock.locked() and self.queue.store.dialect == "sqlite":
            # A one-row read under WAL does not wait for writers: on the loop it costs a few
            # microseconds, where a worker thread costs a hop. Nothing else uses the connection now.
            # (A PostgreSQL read is a network round trip: it goes to the worker thread.)
            state = self.queue.state_of(ident)
        else:
            state = await self._db(lambda: self.queue.state_of(ident))
        if stamp is not None:
            if len(self._states) >= MAX_KNOWN_STATES:
                self._states.clear()
            self._states[ident] = (stamp, state)
        return state

    def _trust(self, upstream: str) -> str:
        cfg = self.config.upstreams.get(upstream)
        return cfg.trust if cfg else "review"

    def _pinned(self, upstream: str) -> tuple[set[tuple[str, str, str]], str | None]:
        """Approved (kind, name, fingerprint) in the AI-BOM, re-read when the file changes."""
        from mcp_guard import bom as bom_mod  # the CycloneDX library is heavy: only pinned mode pays

        path: Path = self.config.bom_path
        try:
            st = path.stat()
            mtime = (st.st_mtime_ns, st.st_size, st.st_ino)  # os.replace gives a new inode
        except OSError:
            return set(), f"the AI-BOM {path} does not exist"
        if self._pins is None or self._pins[0] != mtime:
            try:
                doc = bom_mod.read_bom(path, strict=False)
                pins = {
                    name: {(e.kind, e.name, e.fingerprint) for e in up.entries if e.state == "approved"}
                    for name, up in bom_mod.upstreams_of(doc).items()
                }
                self._pins = (mtime, pins, None)
            except BomError as err:
                self._pins = (mtime, {}, err.message)
        return self._pins[1].get(upstream, set()), self._pins[2]

    def _adopt_bom(self) -> None:
        """Once per process: take the approvals the AI-BOM (from git) holds into the database."""
        if self._adopted:
            return
        self._adopted = True
        if not self.config.bom_path.exists():
            return
        from mcp_guard import bom as bom_mod

        try:
            bom_mod.adopt(self.queue, bom_mod.read_bom(self.config.bom_path, strict=False))
        except BomError as err:
            log.warning("AI-BOM not used: %s", err.message)

    def served(self, item: Item) -> tuple[bool, str]:
        """Whether a definition may be served, and if not, why (with the commands that fix it)."""
        if self._trust(item.upstream) == "pinned":
            pins, problem = self._pinned(item.upstream)
            if (item.kind, item.name, item.fingerprint) in pins:
                return True, ""
            if problem:
                return (
                    False,
                    f"{item.kind} {item.name!r} of {item.upstream!r} is held: upstream is pinned and {problem}",
                )
            if item.state == "approved":
                return False, held_reason(item, pinned=True)
            return False, held_reason(item)
        if item.state == "approved":
            return True, ""
        return False, held_reason(item)

    # Recording ----------------------------------------------------------------------------------------

    async def _refresh(self, session: SessionInfo, upstream: Upstream, which: list[str]) -> None:
        view = self._views.setdefault((session.connection, upstream.name), _View(upstream))
        view.upstream = upstream
        trust = self._trust(upstream.name)
        for kind in which:
            try:
                fetched = await fetch_all(upstream, kind)
                if kind == "tool":
                    self._saw_tools(upstream.name, fetched)
                listed = configured(self.config, upstream.name, kind, fetched)
            except Exception as err:  # noqa: BLE001 - fail closed: nothing of this kind is callable
                log.warning("%s: cannot list %s: %s", upstream.name, LIST_METHODS[kind][0], err)
                view.items[kind] = {}
                view.errors[kind] = f"the server's {LIST_METHODS[kind][0]} failed: {err}"
                continue
            try:
                view.items[kind] = await self._record(upstream.name, kind, listed, complete=True, trust=trust)
                view.errors.pop(kind, None)
                self._saw_served(upstream, kind, view.items[kind])
            except Exception as err:  # noqa: BLE001 - fail closed, and say why at the next call
                view.items[kind] = {}
                view.errors[kind] = _why(err)
                log.warning("%s: cannot record %s: %s", upstream.name, LIST_METHODS[kind][0], view.errors[kind])

    async def _record_server(self, session: SessionInfo, upstream: Upstream) -> Item | None:
        """Record the server's identity and instructions; the row served now, or None if unknown."""
        definition = server_definition(upstream.server_info, upstream.instructions)
        trust = self._trust(upstream.name)
        view = self._views.setdefault((session.connection, upstream.name), _View(upstream))
        view.upstream = upstream
        try:
            if not self._adopted:
                await self._db(self._adopt_bom)
            view.items["server"] = await self._record(upstream.name, "server", [definition], complete=True,
                                                      trust=trust)
        except Exception as err:  # noqa: BLE001 - callers fail closed on the same cause
            log.warning("%s: cannot record the server's identity: %s", upstream.name, _why(err))
            return None
        return view.items["server"].get(SERVER_NAME)

    async def filter_initialize(self, session: SessionInfo, upstream: Upstream,
                                result: dict[str, Any]) -> dict[str, Any]:
        """Instructions, and serverInfo's free text (title, description), go straight to the model: new
        or changed ones are withheld until approved (the server keeps its name and version).
        What the server says about itself beyond the fingerprinted fields (other serverInfo fields,
        the result's `_meta`, text inside its capabilities) never reaches the client: a change to it
        could not be held, so it is not passed at all."""
        info = result.get("serverInfo")
        info = info if isinstance(info, dict) else {}
        out = {k: v for k, v in result.items() if k in ("protocolVersion", "capabilities", "instructions")}
        if isinstance(out.get("capabilities"), dict):
            out["capabilities"] = _without_text(out["capabilities"])
        out["serverInfo"] = {k: v for k, v in info.items() if k in IDENTITY_FIELDS}
        extra = {k for k in out["serverInfo"] if k not in ("name", "version")}
        if not result.get("instructions") and not extra:
            return out
        item = await self._record_server(session, upstream)
        if item is not None and self.served(item)[0]:
            return out
        log.warning("%s: server instructions and description withheld until reviewed (mcp-guard review list)",
                    upstream.name)
        out.pop("instructions", None)
        if extra:
            out["serverInfo"] = {k: v for k, v in info.items() if k in ("name", "version")}
        return out

    async def on_upstream_ready(self, session: SessionInfo, upstream: Upstream) -> None:
        try:
            await self._record_server(session, upstream)
            await self._refresh(session, upstream, offered_kinds(upstream.capabilities))
        finally:
            self._first_listing[upstream.name] = False  # the first listing is over: later items wait for review

    async def filter_list(
        self, session: SessionInfo, upstream: Upstream, kind: ListKind, items: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        ours = FROM_LIST_KIND.get(kind)
        if ours is None:
            return items
        trust = self._trust(upstream.name)
        if ours == "tool":
            self._saw_tools(upstream.name, items)
        # A page is not the whole list: record what it holds, mark nothing removed.
        try:
            recorded = await self._record(upstream.name, ours, items, complete=False, trust=trust)
        except Exception as err:  # noqa: BLE001 - fail closed: what cannot be checked is not shown
            log.warning("%s: cannot check the %s list, hiding it: %s", upstream.name, kind, _why(err))
            return []
        view = self._views.setdefault((session.connection, upstream.name), _View(upstream))
        known = view.items.setdefault(ours, {})
        for name, row in recorded.items():
            # A page holds one copy of a name the whole list holds twice: the conflict still stands.
            held = known.get(name)
            if held is not None and is_conflict(held.definition_json) and not is_conflict(row.definition_json):
                recorded[name] = held
            else:
                known[name] = row
        self._saw_served(upstream, ours, recorded)

        visible = []
        for entry in items:
            row = recorded.get(item_name(ours, entry))
            if row is not None and self.served(row)[0]:
                visible.append(entry)
        return visible

    async def on_list_changed(self, session: SessionInfo, upstream: Upstream, kind: ListKind) -> None:
        ours = FROM_LIST_KIND.get(kind)
        if ours is None:
            return
        # One notification covers every kind its capability offers (resources: their templates too).
        capability = kinds.KINDS[ours].capability
        await self._refresh(session, upstream, [k.name for k in kinds.LISTED if k.capability == capability])

    # Calls --------------------------------------------------------------------------------------------

    async def check_call(self, call: ToolCall) -> Decision:
        try:
            return await self._check_call(call)
        except Exception as err:  # noqa: BLE001 - fail closed, with the cause for the person
            return deny(
                f"mcp-guard cannot check tool {call.tool!r} of {call.upstream!r} against its review state: {_why(err)}",
                guard=self.name,
                rule="unchecked",
            )

    def _saw_served(self, upstream: Upstream, kind: str, items: dict[str, Item]) -> None:
        process = _process_of(upstream)
        if process is upstream:
            return  # a process of one session: its view is the last word (and a session's upstream is not kept)
        for name, row in items.items():
            self._latest[(id(process), kind, name)] = (process, row)

    async def _check_call(self, call: ToolCall) -> Decision:
        view = self._views.get((call.session.connection, call.upstream))
        item = view.items.get("tool", {}).get(call.tool) if view else None
        if item is not None and view is not None:
            item = self._served_now(view, "tool", call.tool, item)
        if item is None and view is not None:
            # Not in the last listing: the server may have added it without saying so. Look again.
            await self._refresh(call.session, view.upstream, ["tool"])
            item = view.items.get("tool", {}).get(call.tool)
        if item is None and view is not None and "tool" in view.errors:
            return deny(
                f"tool {call.tool!r} of {call.upstream!r} cannot be checked: {view.errors['tool']}",
                guard=self.name,
                rule="unchecked",
            )
        if item is None:
            return deny(
                f"tool {call.tool!r} is not in the tool list of upstream {call.upstream!r}",
                guard=self.name,
                rule="unlisted",
            )
        state = await self._state_of(item.id)
        if state is not None:
            item.state = state  # type: ignore[assignment]
        ok, reason = self.served(item)
        if ok:
            return ALLOW
        return deny(reason, guard=self.name, rule="held-for-review")

    def _served_now(self, view: _View, kind: str, name: str, item: Item) -> Item:
        """`item` as the view's session listed it, or the definition its server process was seen serving
        since: another session sharing that process listed it changed, and the request goes to that one."""
        process = _process_of(view.upstream)
        seen = self._latest.get((id(process), kind, name))
        return seen[1] if seen is not None and seen[0] is process and seen[1].id != item.id else item

    async def check_read(self, session: SessionInfo, upstream: str, kind: ReadKind, name: str,
                         arguments: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> Decision:
        """A listed prompt or resource that is held cannot be fetched (nor completed, nor subscribed to)
        directly either. A resource URI is compared by `uri_key`, so no other spelling of a held URI
        passes; a URI the server never listed passes unless it fits a template that is held."""
        view = self._views.get((session.connection, upstream))
        if view is None:
            return deny(f"{kind} {name!r} of {upstream!r} cannot be checked: its lists were not read",
                        guard=self.name, rule="unchecked")
        if kind == "resource":
            return await self._check_resource(view, upstream, name)
        item = view.items.get(kind, {}).get(name)
        if item is None:
            return deny(f"prompt {name!r} is not in the prompt list of upstream {upstream!r}",
                        guard=self.name, rule="unlisted")
        return await self._check_item(self._served_now(view, kind, name, item))

    async def _check_item(self, item: Item) -> Decision:
        state = await self._state_of(item.id)
        if state is not None:
            item.state = state  # type: ignore[assignment]
        ok, reason = self.served(item)
        return ALLOW if ok else deny(reason, guard=self.name, rule="held-for-review")

    async def _check_resource(self, view: _View, upstream: str, uri: str) -> Decision:
        key = uri_key(uri)
        base = uri_base(key)
        listed = view.items.get("resource", {})
        resources = {u: self._served_now(view, "resource", u, item) for u, item in listed.items()}
        exact = [item for u, item in resources.items() if uri_key(u) == key]
        # The same URI with a query or parameters a server may ignore is the same resource too.
        near = [item for u, item in resources.items() if uri_base(uri_key(u)) == base]
        for item in [*exact, *near]:
            decision = await self._check_item(item)
            if not decision.allowed:
                return decision
        if exact:
            return ALLOW
        for kind in (kinds.RESOURCE.name, kinds.RESOURCE_TEMPLATE.name):
            if kind in view.errors:
                return deny(f"resource {uri!r} of {upstream!r} cannot be checked: {view.errors[kind]}",
                            guard=self.name, rule="unchecked")
        for template, item in view.items.get("resource_template", {}).items():
            if template_matches(template, uri):
                decision = await self._check_item(self._served_now(view, "resource_template", template, item))
                if not decision.allowed:
                    return decision
        return ALLOW

    async def on_session_end(self, session: SessionInfo) -> None:
        for key in [k for k in self._views if k[0] == session.connection]:
            del self._views[key]


__all__ = ["ManifestGuard", "fetch_all", "offered_kinds", "SERVER_NAME"]


_CAPABILITY_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_./-]{0,63}")


def _without_text(value: Any, depth: int = 0) -> Any:
    """Capabilities as flags and numbers only: strings, and keys that read like prose, are dropped
    (they are not fingerprinted, so a change to them could not be held for review)."""
    if depth > 8:
        return {}
    if isinstance(value, dict):
        return {k: _without_text(v, depth + 1) for k, v in value.items()
                if _CAPABILITY_KEY.fullmatch(k) and not isinstance(v, str)}
    if isinstance(value, list):
        return [_without_text(v, depth + 1) for v in value if not isinstance(v, str)]
    return value
