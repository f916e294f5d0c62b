"""Assembles a running proxy: config → guards, store, audit → relay on a downstream channel."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from typing import TYPE_CHECKING, Any

from mcp_guard.config import Config, UpstreamConfig
from mcp_guard.errors import ConfigError
from mcp_guard.guards.base import Guard, SessionInfo
from mcp_guard.guards.chain import GuardChain
from mcp_guard.guards.hook_intent import HookIntent
from mcp_guard.guards.tool_filter import ToolFilterGuard
from mcp_guard.proxy.channels import Channel, ChildProcess
from mcp_guard.proxy.gate import HeldApprovals, Observer
from mcp_guard.proxy.own_process import harden_process, setup_logging  # noqa: F401 - `serve` and tests import them here
from mcp_guard.proxy.relay import Relay
from mcp_guard.proxy.routing import UPSTREAM_NAME

if TYPE_CHECKING:  # imported when a Proxy is built: `run` starts its servers before it loads these
    from anyio.abc import TaskGroup

    from mcp_guard.audit import AuditSink
    from mcp_guard.guards.intent import IntentGuard
    from mcp_guard.proxy.shared import SharedUpstreams
    from mcp_guard.store import Store
    from mcp_guard.telemetry import Telemetry

log = logging.getLogger("mcp_guard")


def adhoc_name(command: str, args: list[str]) -> str:
    """A readable upstream name for `run -- CMD ARGS`: the package or script it runs."""
    from mcp_guard.proxy.names import adhoc_source

    return adhoc_source(command, args)[0]


def claim_adhoc_name(store: Store, command: list[str]) -> None:
    """Record what the default name of `run -- CMD` stands for; a name another server already holds
    in this state is an error (its reviews and tools are that server's)."""
    import json
    from datetime import UTC, datetime

    from mcp_guard.proxy.names import adhoc_source

    name, identity = adhoc_source(command[0], command[1:])
    store.execute("INSERT INTO adhoc_names (name, identity, command, first_seen) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (name) DO NOTHING",
                  [name, identity, json.dumps(command), datetime.now(UTC).isoformat(timespec="seconds")])
    held = store.execute("SELECT identity, command FROM adhoc_names WHERE name = ?", [name]).fetchone()
    if held is not None and held[0] != identity:
        other = " ".join(json.loads(held[1]))
        raise ConfigError(f"the default upstream name {name!r} is already used by another server ({other}); "
                          f"give this one its own name with --name NAME")


def pin_programs(store: Store, config: Config, names: list[str], envs: dict[str, dict[str, str | None]]) -> None:
    """A configured upstream whose command is a bare name runs whatever its PATH finds first, and that PATH
    is set by whoever starts `run` (a project's client entry can put its own folder first). The program
    it first ran is recorded; another one under that name is refused: it would run with the upstream's
    approvals, policy and secrets. A command given by its full path is not looked up, and not pinned."""
    import shutil

    from mcp_guard.canonical import now
    from mcp_guard.intent.credentials import upstream_env

    for name in names:
        cfg = config.upstreams[name]
        if cfg.transport != "stdio" or not cfg.command or os.sep in cfg.command or \
                (cfg.provenance and cfg.provenance.mode != "off"):  # a verified copy runs instead
            continue
        found = shutil.which(cfg.command, path=upstream_env(cfg, envs.get(name)).get("PATH", os.defpath))
        if found is None:
            continue  # not found: the launch says so
        program = os.path.realpath(found)
        store.execute("INSERT INTO upstream_programs (upstream, command, program, first_seen) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (upstream) DO NOTHING", [name, cfg.command, program, now()])
        row = store.execute("SELECT command, program FROM upstream_programs WHERE upstream = ?", [name]).fetchone()
        if row is not None and row[0] == cfg.command and row[1] != program:
            raise ConfigError(
                f"upstream {name!r} runs {cfg.command!r}, which this PATH finds at {program}, but which was "
                f"{row[1]} when it first ran: another program would take this upstream's approvals. If the "
                f"program moved, write its full path as the upstream's command in {config.source or 'the config'}")
        if row is not None and row[0] != cfg.command:  # the config names another program now: pin that
            store.execute("UPDATE upstream_programs SET command = ?, program = ?, first_seen = ? WHERE upstream = ?",
                          [cfg.command, program, now(), name])


def _host_name(url: str) -> str:
    from urllib.parse import urlparse

    host = urlparse(url).hostname or "remote"
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in host)


def select_upstreams(config: Config, *, names: list[str] | None = None, command: list[str] | None = None,
                     name: str | None = None, url: str | None = None, headers: dict[str, str] | None = None,
                     transport: str | None = None) -> list[str]:
    """Decide which upstreams this proxy fronts, adding an ad-hoc one to `config` for CMD or URL.

    An ad-hoc upstream may take a configured name only with that entry's own command or URL (the form
    `wrap` writes): it then keeps the entry's policy and credentials. Another command or URL under a
    configured name is refused: a project's client config must not borrow an upstream's secrets,
    headers or approvals for a program of its own.
    """
    if command or url:
        upstream_name = name or (adhoc_name(command[0], command[1:]) if command else _host_name(url or ""))
        base = config.upstreams.get(upstream_name)
        if base is not None and (
            [base.command, *base.args] != command if command else (base.url or "").rstrip("/") != url.rstrip("/")  # type: ignore[union-attr]
        ):
            given = " ".join(command) if command else url
            raise ConfigError(
                f"upstream {upstream_name!r} is configured with another "
                f"{'command' if base.command else 'URL'} than {given!r}: run it with --upstream {upstream_name}, "
                "or give this one its own --name"
            )
        fields: dict[str, Any] = {}
        if base:
            fields = base.model_dump(exclude={"command", "args", "url", "transport", "headers"})
        if command:
            fields.update(command=command[0], args=command[1:], transport="stdio")
        else:
            fields.update(url=url, headers={**(base.headers if base else {}), **(headers or {})}, transport=transport)
        config.upstreams[upstream_name] = UpstreamConfig.model_validate(fields)
        if base is not None:  # the entry's own program: it starts where its config file says
            config.upstreams[upstream_name]._folder = base._folder
        selected = [upstream_name]
    elif names:
        for n in names:
            config.upstream(n)
        selected = names
    else:
        selected = list(config.upstreams)
        if not selected:
            raise ConfigError(
                "no upstream: give a command after '--', --url URL, or define [upstreams.NAME] in the config")
    for n in selected:
        if not UPSTREAM_NAME.match(n) or config.proxy.separator in n:
            raise ConfigError(f"upstream name {n!r} must be letters, digits, '-', '_' or '.' and must not "
                              f"contain the separator {config.proxy.separator!r}")
    return selected


def build_guards(config: Config, store: Store, audit: AuditSink, intent: IntentGuard | None) -> list[Guard]:
    """The guards in the order they decide: secrets, config lists, provenance, review, intent, result scan."""
    from mcp_guard.guards.manifest import ManifestGuard
    from mcp_guard.guards.provenance import ProvenanceGuard
    from mcp_guard.guards.result_scan import ResultScanGuard
    from mcp_guard.guards.secrets import SecretGuard

    upstreams = config.upstreams.values()
    guards: list[Guard] = [SecretGuard(), ToolFilterGuard({n: u.tools for n, u in config.upstreams.items()})]
    if any(u.provenance is not None and u.provenance.mode != "off" for u in upstreams):
        guards.append(ProvenanceGuard(config, store, audit_log=audit.writer))
    # SQLite: a connection of its own (its writes run in a worker thread); a pool is shared safely.
    guards.append(ManifestGuard(config, store if store.dialect != "sqlite" else None,
                                unchanged_since=audit.writer.log.others_stamp))
    if intent is not None:
        guards.append(intent)
    if any(u.scan.results != "off" for u in upstreams):
        guards.append(ResultScanGuard(config, store, audit=audit))
    return guards


def session_secrets(config: Config, names: list[str], profile: str | None) -> dict[str, dict[str, str | None]]:
    """Each upstream's environment additions for a session: the secrets its profile grants, and the
    other declared secrets removed, so none leaks from our own environment into a session."""
    from mcp_guard.intent.credentials import session_env, withheld

    return {name: {**{n: None for n in withheld(config, name)}, **session_env(config, name, profile)}
            for name in names}


def new_session(intent: str | None = None, profile: str | None = None, session_id: str | None = None) -> SessionInfo:
    return SessionInfo(id=session_id or uuid.uuid4().hex, intent=intent, profile=profile)


def warm_scanner(*, intent: bool = False) -> threading.Thread:
    """Load the scanner (its rules, RE2 sets and learned model) in a background thread: the first
    listing of a server is scanned, so a cold start would otherwise load it only once the server has
    answered, on the client's wait, while the proxy sat idle during the server's own start-up. A
    request that needs the scanner meanwhile waits for the import (Python's module lock). With
    `intent`, the intent engine's verb table too: the intent guard classifies every tool of that first
    listing. The thread is returned: a process that ends early joins it (exiting while RE2 compiles
    aborts the process)."""

    def load() -> None:
        # Loads and compiles only (each cached once per process): no text is scanned here, as the
        # scanner keeps its last answers in module globals that a concurrent scan must not see change.
        try:
            from mcp_guard import scan, scan_model, textview  # noqa: F401 - textview: the first scan reads through it

            scan_model.load()
            scan._anchor_set()
            if intent:
                from mcp_guard.intent import derived, naming, spelling, words

                words.verb_kinds("")  # loads the table, published whole (see `words._load_verbs`)
                derived.warm()  # and WordNet's other tables, each filled in one step
                spelling.warm()
                naming.warm()  # the proper names' list
        except Exception as err:  # noqa: BLE001 - a failure shows again, with its context, on first real use
            log.debug("scanner warm-up failed: %s", err)

    thread = threading.Thread(target=load, name="mcp-guard-warm-up", daemon=True)
    thread.start()
    return thread


class Proxy:
    """What every session of one proxy process shares: config, store, audit log, guards."""

    def __init__(self, config: Config, upstreams: list[str], *, store: Store | None = None,
                 hook_intent: bool = False) -> None:
        """`hook_intent`: a session that declared no intent takes the prompts recorded by Claude Code's
        hook in this project. Only for `run`, whose one session is that person's; never for `serve`,
        whose sessions are anyone's that can reach it."""
        from mcp_guard.audit import AuditLog, AuditSink, AuditWriter
        from mcp_guard.store import open_store

        self.config = config
        self.upstream_names = upstreams
        self.store = store or open_store(config.database)
        self.audit = AuditSink(AuditWriter(AuditLog(self.store, durability=config.audit.durability)),
                               config.audit.sensitive)
        self.holds = HeldApprovals(self.store, self.audit)
        self.call_observers: list[Observer] = []  # told how each governed call ended (metrics, traces)
        self.intent: IntentGuard | None = None
        self.hook: HookIntent | None = None
        if config.intent.mode != "off":
            # Loaded only here: with intent off, the engine (its word tables and rules) is never read.
            from mcp_guard.guards.intent import IntentGuard
            from mcp_guard.intent.sessions import hook_intent_source
            from mcp_guard.intent.shared_taint import run_session_key

            if hook_intent:  # a session that declared nothing takes the prompts its person typed
                hooked = hook_intent_source(self.store)  # None: Claude Code did not start this process
                if hooked is not None:
                    self.hook = HookIntent(hooked, self.audit)
            # `run` serves one agent session, which its other `run` processes share (its taint).
            key = run_session_key() if hook_intent else None
            self.intent = IntentGuard(config, store=self.store, intent_source=self.hook, taint_key=key,
                                      audit=self.audit)
        self.guards = GuardChain(build_guards(config, self.store, self.audit, self.intent) +
                                 ([self.hook] if self.hook is not None else []))
        self.shared: SharedUpstreams | None = None  # set by `serve` when an upstream is shared
        self.telemetry: Telemetry | None = None  # metrics and traces: `serve`, or traces configured
        if config.telemetry.traces != "off":
            self.enable_telemetry()

    def enable_telemetry(self, tracer_provider: Any = None) -> Telemetry:
        from mcp_guard.guards.manifest import ManifestGuard
        from mcp_guard.telemetry import Telemetry

        manifest = next((g for g in self.guards.guards if isinstance(g, ManifestGuard)), None)
        self.telemetry = Telemetry(self.config.telemetry, tracer_provider=tracer_provider, held=self._held_counts,
                                   listed=manifest.listed_tool if manifest is not None else None)
        self.telemetry.watch_audit(self.audit.writer)
        self.call_observers.append(self.telemetry.observe_call)
        return self.telemetry

    def _held_counts(self) -> dict[str, int]:
        """What waits for a person, read from the database (other processes and replicas hold and
        approve too). SQLite: a read-only connection of its own, off the proxy's shared one."""
        from mcp_guard import approvals

        review_sql = "SELECT count(*) FROM items WHERE state = 'pending'"
        if self.store.dialect != "sqlite":
            return {"review": self.store.execute(review_sql).fetchone()[0],
                    "call": len(approvals.listing(self.store))}  # pending, not expired
        import sqlite3

        conn = sqlite3.connect(f"{self.config.db_path.absolute().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            created = [r[0] for r in conn.execute("SELECT created FROM approvals WHERE state = 'pending'")]
            return {"review": conn.execute(review_sql).fetchone()[0],
                    "call": sum(not approvals.expired(c) for c in created)}
        finally:
            conn.close()

    def share_upstreams(self, task_group: TaskGroup) -> None:
        """`serve`: upstreams with `share = "all"` get one process for every session, living in `task_group`."""
        from mcp_guard.proxy.shared import SharedUpstreams

        if any(self.config.upstreams[n].share == "all" for n in self.upstream_names):
            self.shared = SharedUpstreams(self.config, self.guards.prepare_launch,
                                          lambda name: session_secrets(self.config, [name], None)[name], task_group)
            self.shared.start(self.upstream_names)

    async def serve_session(self, client: Channel, session: SessionInfo,
                            started: dict[str, ChildProcess] | None = None, *, resumed: bool = False) -> list[str]:
        """Serve one client session; `started` are servers already running for it (`start_early`);
        `resumed`: a session another `serve` replica opened, rebuilt here. Returns why each upstream
        failed to start when none did (the session served nothing)."""
        from mcp_guard.intent.credentials import spellings

        secrets = session_secrets(self.config, self.upstream_names, session.profile)
        for env in secrets.values():  # in every spelling the scrub knows: a request may carry one (`SecretGuard`)
            self.audit.writer.log.add_secrets(form for v in env.values() if v for form in spellings(v))
        relay = Relay(client, self.config, self.upstream_names, self.guards, session, started=started,
                      audit=self.audit, holds=self.holds, extra_env=secrets.__getitem__,
                      connect=self.shared.connect if self.shared is not None else None, telemetry=self.telemetry,
                      resumed=resumed)
        relay.gate.observers.extend(self.call_observers)
        await relay.run()
        return relay.none_started

    def close(self) -> None:
        self.audit.writer.close()
