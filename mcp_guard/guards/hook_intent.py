"""The prompts Claude Code's hook recorded, as a `run` session's intent, and their place in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mcp_guard.guards.base import Guard, SessionInfo

if TYPE_CHECKING:
    from mcp_guard.audit import AuditSink


class HookIntent(Guard):
    """The prompts Claude Code's hook recorded, as the intent of a `run` session that declared none
    (the intent guard's `intent_source`). The audit trail starts at that intent: the text known at the
    start goes into `session.start`, and each new text into an `intent.declared` record, queued before
    the decision it is first used for."""

    name = "hook-intent"
    _KEY = "hook-intent"  # session.state: the text the audit log has, None before the start

    def __init__(self, read: Callable[[SessionInfo], str | None], audit: AuditSink) -> None:
        self.read = read
        self.audit = audit

    def __call__(self, session: SessionInfo) -> str | None:
        if session.intent is not None:  # declared with the session (`--intent`, env, config): that one
            return None
        text = self.read(session)
        if text is not None and self._KEY in session.state and session.state[self._KEY] != text:
            session.state[self._KEY] = text
            self.audit.record("intent.declared", session.id, {"intent": text, "intent_from": "hook"})
        return text

    async def on_session_start(self, session: SessionInfo) -> dict[str, Any] | None:
        text = self.read(session) if session.intent is None else None
        session.state[self._KEY] = text
        return {"intent": text, "intent_from": "hook"} if text is not None else None
