"""The one launch gate: every command that starts an upstream asks `admit` first.

The proxy (through `ProvenanceGuard`) and the operator commands (`doctor`, `bom`, `scan`, `wrap`,
through `upstream_client.snapshot`) both call it, so a policy that refuses a server refuses it
everywhere. Per upstream `provenance.mode`: enforce refuses the launch with one line saying why;
warn launches and says so loudly; off does nothing. Every result is recorded before the decision.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable

from mcp_guard.config import Config, UpstreamConfig
from mcp_guard.errors import ProvenanceError
from mcp_guard.guards.base import LaunchRefused, LaunchSpec
from mcp_guard.provenance.artifacts import Prepared, prepare
from mcp_guard.provenance.verify import Result

Record = Callable[[Result, str], None]  # (result, mode): raises when it cannot be recorded
Say = Callable[[str], None]


def admit(config: Config, spec: LaunchSpec, *, record: Record, say: Say) -> LaunchSpec:
    """The spec to launch (pointed at the verified copy), or `LaunchRefused` with the reason."""
    up = config.upstreams.get(spec.upstream)
    pol = up.provenance if up else None
    if up is None or pol is None or pol.mode == "off":
        return spec
    try:
        prepared = judge(config, up, spec)
    except ProvenanceError as err:  # the policy itself is unusable: nothing can be shown
        prepared = Prepared(Result("invalid", f"cannot verify: {err.message}"), spec, False)
    result = prepared.result
    try:
        record(result, pol.mode)
    except Exception as err:  # noqa: BLE001 - an unrecorded launch is refused in enforce mode
        why = getattr(err, "message", None) or str(err) or type(err).__name__
        if pol.mode == "enforce":
            raise LaunchRefused(f"provenance result could not be recorded: {why}") from None
        say(f"WARNING provenance result for upstream {spec.upstream!r} not recorded: {why}")
    if result.ok:
        return prepared.spec
    if pol.mode == "enforce":  # the caller prefixes "refused to launch upstream NAME"
        raise LaunchRefused(f"provenance check failed: {result.line()}")
    say(f"WARNING (provenance warn mode) upstream {spec.upstream!r} launched UNVERIFIED: {result.line()}")
    return spec


def judge(config: Config, up: UpstreamConfig, spec: LaunchSpec) -> Prepared:
    """What launching `spec` would meet: the artifact verified, its cached copy intact, and the command
    running that copy (else `invalid`, saying so). `ProvenanceError` when the policy is unusable."""
    prepared = prepare(config, up, spec)
    result = prepared.result
    if result.ok and spec.command and not prepared.runs_verified_copy:
        detail = _not_the_copy(spec, result, prepared.why)
        prepared.result = dataclasses.replace(result, outcome="invalid", detail=detail)
    return prepared


def launch_spec(name: str, upstream: UpstreamConfig, env: dict[str, str] | None = None) -> LaunchSpec:
    """What starting `upstream` would run; with no `env`, the whole environment it would get without a
    session's secrets (`credentials.upstream_env`: pass_env included), so `verify` judges as a launch."""
    if env is None:
        from mcp_guard.intent.credentials import upstream_env

        env = upstream_env(upstream) if upstream.transport == "stdio" else {}
    return LaunchSpec(name, upstream.command, list(upstream.args), dict(env), upstream.launch_cwd(), upstream.url)


def admit_upstream(config: Config, name: str, upstream: UpstreamConfig, env: dict[str, str], *,
                   record: Record, say: Say) -> UpstreamConfig:
    """`admit` for a configured upstream started with exactly `env` (its whole environment, as
    `credentials.upstream_env` builds it: pass_env included): the upstream to start, its command
    pointed at the verified copy and its environment that whole, judged one (nothing added after)."""
    spec = launch_spec(name, upstream, env)
    out = admit(config, spec, record=record, say=say)
    whole = {k: v for k, v in out.env.items() if v is not None}
    return upstream.model_copy(update={"command": out.command, "args": list(out.args), "env": whole,
                                       "pass_env": [], "url": out.url})


def _not_the_copy(spec: LaunchSpec, result: Result, why: str | None = None) -> str:
    command = shlex.join([spec.command or "", *spec.args])
    if why:
        return f"artifact {result.label}, but the command `{command}` does not run the verified copy: {why}"
    return (
        f"artifact {result.label}, but the command `{command}` does not run the verified copy; "
        "run the package itself (npx PACKAGE, uvx PACKAGE or its own command), "
        "or run a file of the copy itself: command `{verified}` or `{verified_dir}/FILE`, or an interpreter "
        "with `{verified_dir}/SCRIPT` as its script (no -c/-e/-m/--require/--import)"
    )


def admit_configured(config: Config, name: str, upstream: UpstreamConfig, env: dict[str, str]) -> UpstreamConfig:
    """The gate for the operator commands (doctor, bom, scan, wrap), given the server's whole
    environment (see `admit_upstream`): the result goes to the config's
    database and audit log, warnings to stderr, and a refusal is a `ProvenanceError` line."""
    import sys

    def record(result: Result, mode: str) -> None:
        from mcp_guard.provenance.record import record as keep
        from mcp_guard.store import open_store

        store = open_store(config.database)
        try:
            keep(store, name, result, mode=mode)
        finally:
            store.close()

    def say(text: str) -> None:
        print(f"mcp-guard: {text}", file=sys.stderr, flush=True)

    try:
        return admit_upstream(config, name, upstream, env, record=record, say=say)
    except LaunchRefused as err:
        raise ProvenanceError(f"refused to launch upstream {name!r}: {err}") from None
