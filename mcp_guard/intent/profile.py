"""Profiles: policy as code, compiled once so that a decision is a few dict look-ups.

Tool globs match `UPSTREAM/TOOL`; a glob without `/` matches the bare tool name on any upstream.
The matching rules for a name are computed on first sight and cached, so a profile of hundreds of
rules costs the same per call as one of ten.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from mcp_guard.config import ArgConstraint, Profile
from mcp_guard.errors import ConfigError
from mcp_guard.intent.engine import DeclaredIntent, Verdict, trusted_key


def _matcher(globs: list[str]) -> re.Pattern[str] | None:
    """One regex for a list of globs, matched against 'upstream/tool' (globs with /) or 'tool'."""
    if not globs:
        return None
    parts = []
    for g in globs:
        body = fnmatch.translate(g).removeprefix("(?s:").removesuffix(")\\Z")
        parts.append(body if "/" in g else r"[^/]*/" + body)
    return re.compile(r"(?s:" + "|".join(f"(?:{p})" for p in parts) + r")\Z")


def _glob(g: str) -> re.Pattern[str]:
    m = _matcher([g])
    assert m is not None
    return m


def parse_expiry(value: str) -> datetime:
    """ISO date (valid through that day, UTC) or datetime (UTC when it has no offset)."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC) + timedelta(days=1)
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"expiry {value!r} is not an ISO 8601 date or datetime") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class TrustedLists:
    """Files of trusted values, one per line ('#' comments), re-read when they change."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[float, frozenset[str]]] = {}

    def get(self, path: Path) -> frozenset[str]:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            raise ConfigError(f"trusted list {path} cannot be read; create it or fix the path") from None
        hit = self._cache.get(path)
        if hit and hit[0] == mtime:
            return hit[1]
        values = frozenset(trusted_key(line) for line in path.read_text(encoding="utf-8").splitlines() if _keep(line))
        self._cache[path] = (mtime, values)
        return values

    def lines(self, path: Path) -> list[str]:
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if _keep(line)]


def _keep(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


@dataclass(slots=True)
class _Rules:
    """What applies to one namespaced tool name."""

    deny: bool
    ask: bool
    allow: bool
    constraints: list[tuple[int, ArgConstraint]]
    budgets: list[tuple[str, int]]


class CompiledProfile:
    def __init__(self, name: str, profile: Profile, resolve=Path, trusted: TrustedLists | None = None) -> None:
        self.name = name
        self.profile = profile
        self.expires = parse_expiry(profile.expires) if profile.expires else None
        self._deny = _matcher(profile.deny)
        self._ask = _matcher(profile.ask)
        self._allow = _matcher(profile.allow)
        self._constraints = [(_glob(c.tool), c) for c in profile.constraints]
        self._patterns = {i: re.compile(c.pattern) for i, c in enumerate(profile.constraints) if c.pattern}
        self._lists = {i: resolve(c.trusted_list) for i, c in enumerate(profile.constraints) if c.trusted_list}
        self._budgets = [(_glob(g), g, n) for g, n in profile.budget.per_tool.items()]
        self._trusted = trusted or TrustedLists()
        self._rules: dict[str, _Rules] = {}
        self._sources = [(_glob(s.tool), frozenset(s.kinds)) for s in profile.trusted_sources]

    def trusted_source(self, source: str, kind: str) -> bool:
        """May values of `kind` come from the results of `source` (UPSTREAM/TOOL)?"""
        return any(m.match(source) and (not kinds or kind in kinds) for m, kinds in self._sources)

    def rules(self, qualified: str) -> _Rules:
        r = self._rules.get(qualified)
        if r is None:
            r = self._rules[qualified] = _Rules(
                deny=bool(self._deny and self._deny.match(qualified)),
                ask=bool(self._ask and self._ask.match(qualified)),
                allow=bool(self._allow and self._allow.match(qualified)),
                constraints=[(i, c) for i, (m, c) in enumerate(self._constraints) if m.match(qualified)],
                budgets=[(g, n) for m, g, n in self._budgets if m.match(qualified)],
            )
        return r

    def decide(
        self,
        qualified: str,
        arguments: dict[str, Any],
        intent: DeclaredIntent,
        counts: dict[str, int],
        now: datetime | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> Verdict | None:
        """The profile's verdict, or None when no rule matches (the fallback decides). `inputs` (a
        2026-07-28 retry's inputResponses, a client's answers to a server's questions) are held to
        the same constraints as the arguments: a value under a constrained name anywhere in them."""
        p = self.name
        if self.expires is not None and (now or datetime.now(UTC)) >= self.expires:
            return Verdict("deny", "expired", f"profile {p!r} expired at {self.expires.isoformat()}")
        r = self.rules(qualified)
        if r.deny:
            return Verdict("deny", "deny", f"profile {p!r} denies {qualified}")
        # The budget before anything that may ask: a person's yes never reopens a spent budget.
        spent = self.over_budget(qualified, counts)
        if spent is not None:
            return spent
        for i, c in r.constraints:
            # The constrained name at the top, and under it anywhere deeper (`message.to`): a value the
            # server reads in a nested object is held to the constraint as a top-level one is.
            problem = self._violation(i, c, arguments, intent) or self._anywhere(i, c, list(arguments.values()), intent)
            where = "argument"
            if not problem and inputs:
                problem, where = self._anywhere(i, c, inputs, intent), "answer"
            if problem:
                reason = f"profile {p!r}: {qualified} {where} {c.arg!r} {problem}"
                question = f"Allow {qualified} although its {where} {c.arg!r} {problem}?"
                return Verdict(c.on_fail, f"constraint:{c.tool}.{c.arg}", reason, question)
        if r.ask:
            return Verdict("ask", "ask", f"profile {p!r} asks a person before {qualified}", f"Allow {qualified}?")
        if r.allow:
            return Verdict("allow", "allow", f"profile {p!r} allows {qualified}")
        return None

    def over_budget(self, qualified: str, counts: dict[str, int]) -> Verdict | None:
        """The refusal of a call the session's budgets have no room left for, if they have none."""
        p = self.name
        total = self.profile.budget.total
        if total is not None and counts.get("", 0) >= total:
            return Verdict("deny", "budget", f"profile {p!r}: the session used its budget of {total} calls")
        for g, n in self.rules(qualified).budgets:
            if counts.get(g, 0) >= n:
                return Verdict("deny", f"budget:{g}", f"profile {p!r}: the session used its {n} calls of {g}")
        return None

    def count(self, qualified: str, counts: dict[str, int]) -> None:
        """Charge an allowed call to the session's budgets."""
        counts[""] = counts.get("", 0) + 1
        for g, _ in self.rules(qualified).budgets:
            counts[g] = counts.get(g, 0) + 1

    def _anywhere(self, i: int, c: ArgConstraint, data: Any, intent: DeclaredIntent) -> str:
        """A constraint broken by a value under the constrained name at any depth of `data` (nested
        arguments; inputs: an elicitation's answer is `{"action": ..., "content": {name: value}}`)."""
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if c.arg in node:
                    problem = self._violation(i, c, {c.arg: node[c.arg]}, intent)
                    if problem:
                        return problem
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return ""

    def _violation(self, i: int, c: ArgConstraint, arguments: dict[str, Any], intent: DeclaredIntent) -> str:
        if c.arg not in arguments:
            return "is required" if c.required else ""
        value = arguments[c.arg]
        for v in value if isinstance(value, list) else [value]:
            if c.equals is not None and v != c.equals:
                return f"must equal {c.equals!r}, got {v!r}"
            if c.one_of is not None and v not in c.one_of:
                return f"must be one of {c.one_of!r}, got {v!r}"
            if i in self._patterns and not self._patterns[i].fullmatch(str(v)):
                return f"must match {c.pattern!r}, got {v!r}"
            if c.min is not None or c.max is not None:
                if isinstance(v, bool) or not isinstance(v, int | float | str):
                    return f"must be a number, got {v!r}"
                try:
                    x = float(v)
                except ValueError:
                    return f"must be a number, got {v!r}"
                if c.min is not None and x < c.min:
                    return f"must be at least {c.min:g}, got {v!r}"
                if c.max is not None and x > c.max:
                    return f"must be at most {c.max:g}, got {v!r}"
            if c.in_intent and not intent.names(trusted_key(str(v)), ""):
                return f"value {v!r} does not appear in the declared intent"
            if i in self._lists and trusted_key(str(v)) not in self._trusted.get(self._lists[i]):
                return f"value {v!r} is not in the trusted list {self._lists[i].name}"
        return ""
