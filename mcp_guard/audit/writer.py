"""Group commit: one background thread writes every append of a process, batching what is waiting."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from typing import Any

from mcp_guard.audit.chain import AuditRecord
from mcp_guard.audit.log import AuditLog


class AuditWriter:
    """Group commit: appends from many threads or tasks share one fsynced transaction.

    `submit` returns a Future resolved with the record once it is committed; async code awaits
    `append_async(...)`, or the relay's per-session `hook(session_id)`. One background thread writes;
    closing it writes what is queued first.
    """

    def __init__(self, log: AuditLog, max_batch: int = 512) -> None:
        self.log = log
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="mcp-guard-audit", daemon=True)
        self._thread.start()

    def submit(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> Future[AuditRecord]:
        """Queue a record; bad input raises here. The canonical form is made in the caller's thread,
        so the writer thread only writes."""
        prepared = self.log._prepare(kind, session_id, data)
        fut: Future[AuditRecord] = Future()
        self._queue.put((prepared, fut))
        return fut

    def append(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
        return self.submit(kind, session_id, data).result()

    async def append_async(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
        """Await the commit without blocking the event loop (asyncio)."""
        return await asyncio.wrap_future(self.submit(kind, session_id, data))

    def hook(self, session_id: str | None) -> Callable[[str, Mapping[str, Any]], Awaitable[AuditRecord]]:
        """`async (kind, data)` that records into this session: the relay's audit hook."""

        async def record(kind: str, data: Mapping[str, Any]) -> AuditRecord:
            return await self.append_async(kind, session_id, data)

        return record

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if None in batch:
                stop = True
                batch = [b for b in batch if b is not None]
            prepared = [item[0] for item in batch]
            waiters = [item[1] for item in batch]
            try:
                records = self.log._write(prepared)
            except BaseException as err:  # handed to every waiter
                for fut in waiters:
                    fut.set_exception(err)
                continue
            for fut, rec in zip(waiters, records, strict=True):
                fut.set_result(rec)
