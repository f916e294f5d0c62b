"""A secret reaches only the upstream it was granted to: what a client sends one upstream never carries
another's.

The scrub (`intent.credentials`) keeps every secret value out of what servers write, so the model cannot
learn one from an upstream; it may still know one from elsewhere (an agent reads a project's `.env` with
its own file tool, a person pastes a key into the chat). A call, a client's answer during a call, or a
read of a prompt or resource that carries, in any spelling the scrub knows, a secret read for another
upstream is refused; the reason names the secret, never its value.
"""

from __future__ import annotations

from typing import Any

from mcp_guard.guards.base import ALLOW, Decision, Guard, ReadKind, SessionInfo, ToolCall, deny
from mcp_guard.intent.credentials import foreign_secret


class SecretGuard(Guard):
    name = "secrets"

    def _refusal(self, name: str, upstream: str) -> Decision:
        return deny(f"the request carries the secret {name}, which upstream {upstream!r} was not given",
                    guard=self.name, rule="foreign-secret")

    async def check_call(self, call: ToolCall) -> Decision:
        # `_meta` too: the gate forwards some of the client's keys there (a progress token, trace context)
        found = foreign_secret([call.tool, call.arguments, call.inputs, call.meta], call.upstream)
        return ALLOW if found is None else self._refusal(found, call.upstream)

    async def check_answer(self, call: ToolCall) -> Decision:
        return await self.check_call(call)

    async def check_read(self, session: SessionInfo, upstream: str, kind: ReadKind, name: str,
                         arguments: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> Decision:
        found = foreign_secret([name, arguments, meta], upstream)  # `_meta` as in check_call
        return ALLOW if found is None else self._refusal(found, upstream)
