"""The ordered stack of guards the relay consults; the first guard that does not allow decides."""

from __future__ import annotations

from typing import Any

from mcp_guard.guards.base import (
    ALLOW,
    Decision,
    Guard,
    LaunchSpec,
    ListKind,
    ReadKind,
    SessionInfo,
    ToolCall,
    Upstream,
)

# Rules of an allow that says more than "no guard objected" (reports count them).
NOTED_ALLOWS = ("approved:", "warn:")

class GuardChain:
    def __init__(self, guards: list[Guard]) -> None:
        self.guards = guards
        # Only guards that override check_result make the relay look inside results.
        self._result_guards = [g for g in guards if type(g).check_result is not Guard.check_result]
        self._message_guards = [g for g in guards if type(g).check_message is not Guard.check_message]

    @property
    def inspects_results(self) -> bool:
        return bool(self._result_guards)

    @property
    def inspects_messages(self) -> bool:
        return bool(self._message_guards)

    async def check_message(self, session: SessionInfo, upstream: str,
                            msg: dict[str, Any]) -> dict[str, Any] | Decision:
        for g in self._message_guards:
            out = await g.check_message(session, upstream, msg)
            if isinstance(out, Decision):
                return out if out.guard else Decision(out.action, out.reason, g.name, out.rule)
            msg = out
        return msg

    async def prepare_launch(self, spec: LaunchSpec) -> LaunchSpec:
        for g in self.guards:
            spec = await g.prepare_launch(spec)
        return spec

    async def on_session_start(self, session: SessionInfo) -> dict[str, Any]:
        """What the guards know at the start that its audit record carries."""
        facts: dict[str, Any] = {}
        for g in self.guards:
            facts |= await g.on_session_start(session) or {}
        return facts

    async def filter_initialize(self, session: SessionInfo, upstream: Upstream,
                                result: dict[str, Any]) -> dict[str, Any]:
        for g in self.guards:
            result = await g.filter_initialize(session, upstream, result)
        return result

    async def on_upstream_ready(self, session: SessionInfo, upstream: Upstream) -> None:
        for g in self.guards:
            await g.on_upstream_ready(session, upstream)

    async def filter_list(self, session: SessionInfo, upstream: Upstream, kind: ListKind,
                          items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for g in self.guards:
            items = await g.filter_list(session, upstream, kind, items)
        return items

    async def on_list_changed(self, session: SessionInfo, upstream: Upstream, kind: ListKind) -> None:
        for g in self.guards:
            await g.on_list_changed(session, upstream, kind)

    async def check_call(self, call: ToolCall) -> Decision:
        noted = ALLOW  # an allow the audit must keep: a person's approval, or a pass in warn mode
        for g in self.guards:
            decision = await g.check_call(call)
            if decision.action != "allow":
                return decision if decision.guard else Decision(
                    decision.action, decision.reason, g.name, decision.rule, decision.question)
            if decision.rule.startswith(NOTED_ALLOWS):
                noted = Decision("allow", decision.reason, decision.guard or g.name, decision.rule)
        return noted

    async def check_answer(self, call: ToolCall) -> Decision:
        for g in self.guards:
            decision = await g.check_answer(call)
            if decision.action != "allow":
                return decision if decision.guard else Decision(
                    decision.action, decision.reason, g.name, decision.rule, decision.question)
        return ALLOW

    async def on_approved(self, call: ToolCall) -> Decision | None:
        """Each guard's hook; the first refusal (a budget spent meanwhile) stops the call."""
        for g in self.guards:
            refused = await g.on_approved(call)
            if refused is not None:
                return refused
        return None

    async def check_read(self, session: SessionInfo, upstream: str, kind: ReadKind, name: str,
                         arguments: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> Decision:
        for g in self.guards:
            decision = await g.check_read(session, upstream, kind, name, arguments, meta)
            if decision.action != "allow":
                return decision
        return ALLOW

    async def check_result(self, call: ToolCall, result: dict[str, Any]) -> dict[str, Any] | Decision:
        for g in self._result_guards:
            out = await g.check_result(call, result)
            if isinstance(out, Decision):
                return out if out.guard else Decision(out.action, out.reason, g.name, out.rule)
            result = out
        return result

    async def on_session_end(self, session: SessionInfo) -> None:
        for g in self.guards:
            await g.on_session_end(session)
