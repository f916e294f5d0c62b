"""The provenance guard: before an upstream starts, verify its artifact and launch the verified copy.

Per upstream `provenance.mode`: enforce refuses the launch with one line saying why; warn launches
anyway and says so loudly on stderr; off does nothing. Every result is recorded.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

import anyio.to_thread

from mcp_guard.config import Config
from mcp_guard.errors import ProvenanceError
from mcp_guard.guards.base import Guard, LaunchRefused, LaunchSpec
from mcp_guard.store import Store


class ProvenanceGuard(Guard):
    name = "provenance"

    def __init__(
        self, config: Config, store: Store | None = None, *, audit_log: Any = None, stderr: TextIO | None = None
    ) -> None:
        self.config = config
        self.store = store
        self.audit_log = audit_log  # the proxy's AuditLog or AuditWriter; else one is opened per record
        self._stderr = stderr
        self._own: Store | None = None
        self._lock = threading.Lock()  # upstreams launch concurrently; one write at a time

    def _store(self) -> Store:
        """A connection of the guard's own (records are written from worker threads) to the proxy's
        database, or to the config's when given none: a result is never left unrecorded."""
        if self._own is None:
            from mcp_guard.store import open_store

            path = self.store.path if self.store is not None else self.config.db_path
            self._own = open_store(path) if path is not None else self.store  # in-memory: share it
        assert self._own is not None
        return self._own

    def _record(self, upstream: str, result: Any, mode: str) -> None:
        from mcp_guard.provenance.record import record

        with self._lock:
            record(self._store(), upstream, result, mode=mode, audit_log=self.audit_log)

    def _say(self, text: str) -> None:
        print(f"mcp-guard: {text}", file=self._stderr or sys.stderr, flush=True)

    async def prepare_launch(self, spec: LaunchSpec) -> LaunchSpec:
        from mcp_guard.provenance import Prepared, Result, prepare

        up = self.config.upstreams.get(spec.upstream)
        pol = up.provenance if up else None
        if up is None or pol is None or pol.mode == "off":
            return spec
        try:
            prepared = await anyio.to_thread.run_sync(prepare, self.config, up, spec)
        except ProvenanceError as err:  # the policy itself is unusable: nothing can be shown
            prepared = Prepared(Result("invalid", f"cannot verify: {err.message}"), spec, False)
        result = prepared.result
        try:
            await anyio.to_thread.run_sync(self._record, spec.upstream, result, pol.mode)
        except Exception as err:  # noqa: BLE001 - an unrecorded launch is refused in enforce mode
            why = getattr(err, "message", None) or str(err) or type(err).__name__
            if pol.mode == "enforce":
                raise LaunchRefused(f"provenance result could not be recorded: {why}") from None
            self._say(f"WARNING provenance result for upstream {spec.upstream!r} not recorded: {why}")
        if result.ok:
            if spec.command and not prepared.runs_verified_copy:
                self._say(
                    f"warning: upstream {spec.upstream!r}: artifact {result.outcome}, but its command "
                    "does not run the verified copy (put {verified} or {verified_dir} in its args, "
                    "or run npx/uvx PACKAGE)"
                )
            return prepared.spec
        if pol.mode == "enforce":  # the proxy prefixes "refused to launch upstream NAME"
            raise LaunchRefused(f"provenance check failed: {result.line()}")
        self._say(f"WARNING (provenance warn mode) upstream {spec.upstream!r} launched UNVERIFIED: {result.line()}")
        return spec
