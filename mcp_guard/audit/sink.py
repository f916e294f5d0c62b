"""The one way running parts of mcp-guard record: the relay, the call gate and every guard.

`AuditSink` wraps the process's group-commit `AuditWriter`: a record is queued without blocking the
event loop, and the awaitable it returns resolves once the record is committed (durability "full")
or at once (durability "normal": written in the background). A call's arguments that the config
marks sensitive are kept only as digests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mcp_guard.audit.data import call_record, read_record
from mcp_guard.audit.writer import AuditWriter

if TYPE_CHECKING:  # types only: the audit log does not depend on the guards
    from mcp_guard.guards.base import Decision, ToolCall


class AuditSink:
    def __init__(self, writer: AuditWriter, sensitive: Iterable[str] = ()) -> None:
        self.writer = writer
        self.sensitive = list(sensitive)
        # Durability "full": a request's record is fsynced before the request leaves; else it is
        # committed while the server works on it (the call gate awaits it before the answer).
        self.write_ahead = writer.log.durability == "full"
        # Set when a request's record failed after the request had left: until a record is written
        # again, requests are recorded before they leave (a failing log refuses calls, never lets
        # them through unrecorded one after the other).
        self.failing = False

    def record(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> Awaitable[Any]:
        """Queue a record; await the result before answering anything that depends on it."""
        return self.writer.enqueue(kind, session_id, data)

    def kept(self, call: ToolCall, decision: Decision) -> dict[str, Any]:
        """What any record keeps of a call: its arguments (sensitive ones as digests) and the decision's
        reason, without the session's secrets."""
        return self.writer.log.redacted(call_record(call, decision, self.sensitive))

    def call(self, kind: str, call: ToolCall, decision: Decision) -> Awaitable[Any]:
        """A call's record (`call`: the decision before it leaves; `result`: a result withheld)."""
        return self.record(kind, call.session.id, call_record(call, decision, self.sensitive))

    def read(self, session_id: str | None, method: str, upstream: str, kind: str, name: str,
             params: Mapping[str, Any], decision: Decision) -> Awaitable[Any]:
        """A prompts/get, resources/read or /subscribe, or completion/complete record: the decision
        and what the request sends (a prompt's arguments, a completion's argument and context)."""
        return self.record("read", session_id, read_record(method, upstream, kind, name, params, decision,
                                                           self.sensitive))
