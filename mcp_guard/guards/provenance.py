"""The provenance guard: the proxy's door to the launch gate (`mcp_guard.provenance.gate`).

Before an upstream starts, its artifact is verified and the verified copy launched; the decision
(enforce / warn / off) is the gate's, shared with every other command that starts an upstream.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

import anyio.to_thread

from mcp_guard.config import Config
from mcp_guard.guards.base import Guard, LaunchSpec
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

            if self.store is not None and self.store.dialect != "sqlite":
                self._own = self.store  # a pool: its connections already serve worker threads
            else:
                path = self.store.path if self.store is not None else self.config.database
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
        from mcp_guard.provenance.gate import admit

        up = self.config.upstreams.get(spec.upstream)
        if up is None or up.provenance is None or up.provenance.mode == "off":
            return spec

        def record(result: Any, mode: str) -> None:
            self._record(spec.upstream, result, mode)

        return await anyio.to_thread.run_sync(lambda: admit(self.config, spec, record=record, say=self._say))
