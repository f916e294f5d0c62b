"""What a record holds: the data of a `call` record (sensitive arguments as digests) and redaction."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from mcp_guard.canonical import digest

if TYPE_CHECKING:  # types only: the audit log does not depend on the guards
    from mcp_guard.guards.base import Decision, ToolCall

REDACTED = "[REDACTED]"
DIGESTED = "[DIGESTED]"  # a sensitive value quoted in a reason: the record keeps only its digest


def redact(data: Any, secrets: Iterable[str] | re.Pattern[str]) -> Any:
    """A copy of `data` with every occurrence of each secret (in keys and values, in any letter case:
    a guard's reason may quote a value lower-cased) replaced by [REDACTED]. `secrets` may be their
    `any_of` pattern, made once by a caller that redacts every record."""
    pattern = secrets if isinstance(secrets, re.Pattern) else any_of(secrets)
    if pattern is None:
        return data

    def scrub(v: Any) -> Any:
        if isinstance(v, str):
            return pattern.sub(REDACTED, v)
        if isinstance(v, Mapping):
            return {scrub(str(k)): scrub(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [scrub(x) for x in v]
        return v

    return scrub(data)


def any_of(values: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern matching each of `values` in any letter case, longest first (a secret that contains
    another is matched whole); None when there is none."""
    texts = sorted({v for v in values if v}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, texts)), re.IGNORECASE) if texts else None


def _unquoted(reason: str, values: Iterable[Any]) -> str:
    """`reason` without the values it may quote (a guard names the value it judged): each value's text,
    in any letter case, becomes [DIGESTED]; a value shorter than 4 characters only where quoted."""
    for value in values:
        for text in _leaves(value):
            if len(text) >= 4:
                reason = re.sub(re.escape(text), DIGESTED, reason, flags=re.IGNORECASE)
            elif text:
                reason = re.sub(f"'{re.escape(text)}'", f"'{DIGESTED}'", reason, flags=re.IGNORECASE)
    return reason


def _leaves(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _leaves(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _leaves(v)]
    return [] if value is None else [str(value)]


def call_data(
    *,
    tool: str,
    upstream: str,
    arguments: Mapping[str, Any] | None,
    decision: str,
    guard: str = "",
    rule: str = "",
    reason: str = "",
    sensitive_args: Iterable[str] = (),
    sensitive_tool: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """The data of a `call` record. A sensitive tool's arguments are kept only as their digest
    (`arguments_sha256`); a sensitive argument's value (names matched by the `sensitive_args`
    globs) is replaced by its digest, and `digested` lists those names. The reason does not quote
    what is kept only as a digest."""
    data: dict[str, Any] = {"tool": tool, "upstream": upstream}
    args = dict(arguments or {})
    if sensitive_tool:
        data["arguments_sha256"] = digest(args)
        reason = _unquoted(reason, args.values())
    else:
        globs = list(sensitive_args)
        hidden = sorted(k for k in args if any(fnmatchcase(k, g) for g in globs))
        data["arguments"] = {k: digest(v) if k in hidden else v for k, v in args.items()}
        if hidden:
            data["digested"] = hidden
            reason = _unquoted(reason, [args[k] for k in hidden])
    data |= {"decision": decision, "guard": guard, "rule": rule, "reason": reason}
    return data | extra


def _tool_matches(glob: str, upstream: str, tool: str) -> bool:
    """`UPSTREAM/TOOL` globs, as in profiles; a glob without `/` matches the tool on any upstream."""
    return fnmatchcase(f"{upstream}/{tool}", glob) if "/" in glob else fnmatchcase(tool, glob)


def call_record(call: ToolCall, decision: Decision, sensitive: Iterable[str] = ()) -> dict[str, Any]:
    """The data of a `call` (or `result`) record for the relay, honouring the config's
    `[audit] sensitive` globs: `UPSTREAM/TOOL` keeps all of a tool's arguments as one digest,
    `UPSTREAM/TOOL:ARG` one argument's value."""
    whole, arg_globs = False, []
    for pattern in sensitive:
        tool_glob, sep, arg_glob = pattern.partition(":")
        if _tool_matches(tool_glob or "*", call.upstream, call.tool):
            if sep:
                arg_globs.append(arg_glob)
            else:
                whole = True
    return call_data(
        tool=call.tool,
        upstream=call.upstream,
        arguments=call.arguments,
        decision=decision.action,
        guard=decision.guard,
        rule=decision.rule,
        reason=decision.reason,
        sensitive_args=arg_globs,
        sensitive_tool=whole,
    )


def read_record(method: str, upstream: str, kind: str, name: str, params: Mapping[str, Any],
                decision: Decision, sensitive: Iterable[str] = ()) -> dict[str, Any]:
    """The data of a `read` record. A prompt's arguments and a completion's argument value and
    context take the `[audit] sensitive` globs as a tool's arguments do (the prompt's or
    completion's `UPSTREAM/NAME`, `:ARG` its argument's name)."""
    whole, arg_globs = False, []
    for pattern in sensitive:
        name_glob, sep, arg_glob = pattern.partition(":")
        if _tool_matches(name_glob or "*", upstream, name):
            if sep:
                arg_globs.append(arg_glob)
            else:
                whole = True

    def hidden(arg: str) -> bool:
        return whole or any(fnmatchcase(arg, g) for g in arg_globs)

    def kept(values: Any) -> Any:
        if not isinstance(values, Mapping):
            return digest(values) if whole else values
        return {k: digest(v) if hidden(str(k)) else v for k, v in values.items()}

    data: dict[str, Any] = {"method": method, "upstream": upstream, "kind": kind, "name": name}
    if "arguments" in params:
        data["arguments"] = kept(params["arguments"])
    argument = params.get("argument")
    if isinstance(argument, Mapping):  # completion: the value typed so far of argument `name`
        arg = str(argument.get("name"))
        value = argument.get("value")
        data["argument"] = {"name": arg, "value": digest(value) if hidden(arg) else value}
    elif argument is not None:
        data["argument"] = kept(argument)
    context = params.get("context")
    if isinstance(context, Mapping) and "arguments" in context:
        data["context"] = {"arguments": kept(context["arguments"])}
    return data | {"decision": decision.action, "guard": decision.guard, "rule": decision.rule,
                   "reason": decision.reason}
