"""The simplest guard: each upstream's tools allowed or denied by name (globs) in the config."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from mcp_guard.config import ToolFilter
from mcp_guard.guards.base import ALLOW, Decision, Guard, ListKind, SessionInfo, ToolCall, Upstream, deny


class ToolFilterGuard(Guard):
    name = "tool-filter"

    def __init__(self, filters: dict[str, ToolFilter]) -> None:
        self.filters = filters

    def _permits(self, upstream: str, tool: str) -> str | None:
        """None when permitted, else the rule that forbids it."""
        f = self.filters.get(upstream)
        if f is None:
            return None
        for pattern in f.deny:
            if fnmatchcase(tool, pattern):
                return f"deny {pattern!r}"
        if not any(fnmatchcase(tool, p) for p in f.allow):
            return "not in allow list"
        return None

    async def filter_list(self, session: SessionInfo, upstream: Upstream, kind: ListKind,
                          items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if kind != "tools" or upstream.name not in self.filters:
            return items
        kept = [t for t in items if self._permits(upstream.name, t.get("name", "")) is None]
        return items if len(kept) == len(items) else kept

    async def check_call(self, call: ToolCall) -> Decision:
        rule = self._permits(call.upstream, call.tool)
        if rule is None:
            return ALLOW
        return deny(f"tool '{call.tool}' of upstream '{call.upstream}' is not allowed by the config ({rule})",
                    guard=self.name, rule=rule)
