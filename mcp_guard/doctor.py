"""`mcp-guard doctor`: is everything in place, and if not, what to do about it.

Each check prints one line, `ok`, `warn` or `fail`, with what it found and, when not ok, what to
fix. Any `fail` makes the exit status 1. Upstreams are probed the way the proxy would meet them: with
the `mcp` SDK client (initialize, list tools) under a timeout.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_guard.cli.literal import visible
from mcp_guard.config import Config
from mcp_guard.errors import GuardError, ProvenanceError

NODE_COMMANDS = {"npx", "node", "npm", "pnpm", "yarn", "bunx"}


@dataclass
class Line:
    status: str  # ok | warn | fail
    topic: str
    text: str

    def render(self) -> str:
        return f"{self.status:<4}  {self.topic}: {self.text}"


# -- probing an upstream --------------------------------------------------------------------------


def probe(config: Config, name: str, timeout: float, extra_env: dict[str, str] | None = None):
    """Connect, initialize and list tools: (server_info, tools), or raise with a short reason.
    `extra_env` is what the client's entry gives the server (wrap); declared secrets come from here."""
    import anyio

    from mcp_guard.intent.credentials import available_secrets
    from mcp_guard.upstream_client import snapshot

    missing = [m for m in available_secrets(config, name)[1] if m not in (extra_env or {})]
    if missing:
        raise LookupError(f"secrets not set in this environment: {', '.join(missing)}")
    lists = anyio.run(snapshot, config, name, extra_env, timeout)
    return lists["server"][0].get("serverInfo", {}), lists.get("tool", [])


def _reason(err: BaseException) -> str:
    while isinstance(err, BaseExceptionGroup) and err.exceptions:
        err = err.exceptions[0]
    if isinstance(err, TimeoutError):
        return "no answer in time"
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:200]


def record_first_tools(
    config: Config, names: list[str], env_of: dict[str, dict[str, str]] | None = None, timeout: float = 30.0
) -> list[str]:
    """Start each upstream once and put its tools in the review queue (new ones pending, none approved)."""
    from mcp_guard.review import ReviewQueue
    from mcp_guard.store import open_store

    lines = []
    queue = None
    for name in names:
        up = config.upstream(name)
        try:
            _, tools = probe(config, name, timeout, (env_of or {}).get(name))
        except ProvenanceError as err:  # its provenance policy refuses to start it: nothing is recorded
            lines.append(f"refused: {name}: not started, tools not recorded: {err.message}")
            continue
        except Exception as err:  # noqa: BLE001 - any failure is reported, wrap itself already succeeded
            lines.append(f"warn: {name}: tools not recorded ({_reason(err)}); they are held for review on first use")
            continue
        if queue is None:
            queue = ReviewQueue(open_store(config.database))
        served = queue.record(name, "tool", tools, trust=up.trust)
        pending = sum(item.state == "pending" for item in served.values())
        lines.append(f"{name}: {len(tools)} tools recorded, {pending} pending review (mcp-guard review list)")
    return lines


# -- the checks -----------------------------------------------------------------------------------


def check_installation(config: Config | None) -> list[Line]:
    lines = [Line("ok", "python", f"{sys.version.split()[0]} at {sys.executable}")]
    try:
        lines.append(Line("ok", "mcp SDK", importlib.metadata.version("mcp")))
    except importlib.metadata.PackageNotFoundError:
        lines.append(Line("fail", "mcp SDK", "not installed: pip install mcp-guard again"))
    from mcp_guard.clients.entries import venv_of

    found = shutil.which("mcp-guard")
    venv = venv_of(found) if found else None
    if found and venv:
        lines.append(Line("warn", "mcp-guard on PATH", f"{found}, found only because the virtual environment {venv} "
                          "is active: a client started elsewhere will not find it by name. `mcp-guard wrap` run "
                          "from this shell writes that full path into the entries; use it in any entry you write"))
    elif found:
        lines.append(Line("ok", "mcp-guard on PATH", found))
    else:
        here = Path(sys.executable).parent / "mcp-guard"
        lines.append(Line("warn", "mcp-guard on PATH", f"not found: a client entry must name it by its full path, "
                          f"{here} (`mcp-guard wrap` does), or put that folder on PATH"))
    from mcp_guard.proxy.channels import isolation_unavailable

    why = isolation_unavailable()
    if not why:
        lines.append(Line("ok", "server isolation", "each stdio server runs in its own user, PID and mount namespaces, "
                          "blind to the others (not to a process of your user outside them: see the README)"))
    else:
        lines.append(Line("warn", "server isolation", f"unavailable ({why}): a stdio server can read the environment "
                          "of the other servers this proxy starts; see the README's `isolate` setting"))
    uses_node = config is not None and any(
        up.command and Path(up.command).name in NODE_COMMANDS for up in config.upstreams.values()
    )
    node = shutil.which("node")
    if node:
        try:
            version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            version = "unknown version"
        major = int(version.lstrip("v").split(".")[0]) if version.lstrip("v")[:1].isdigit() else 0
        if uses_node and major < 18:
            lines.append(Line("warn", "node", f"{version} at {node}: npm MCP servers want Node 18 or later"))
        else:
            lines.append(Line("ok", "node", f"{version} at {node}"))
    elif uses_node:
        lines.append(Line("fail", "node", "not found, but some upstreams run with npx/node: install Node.js"))
    return lines


def check_config(path_arg: str | None) -> tuple[Config | None, list[Line]]:
    from mcp_guard.config import default_config_path, load_config

    path = Path(path_arg) if path_arg else default_config_path()
    if path is None:
        return Config(), [Line("warn", "config", "no config file: run `mcp-guard wrap` or create ./mcp-guard.toml")]
    try:
        config = load_config(path)
    except GuardError as err:
        # One line: a heading ("…: 2 mistakes:") then each mistake, separated by "; ".
        first, *rest = (line.strip() for line in err.message.splitlines())
        return None, [Line("fail", "config", " ".join([first, "; ".join(rest)]) if rest else first)]
    return config, [Line("ok", "config", f"{path}: valid, {len(config.upstreams)} upstream(s)")]


def check_database(config: Config) -> tuple[Any, list[Line]]:
    from mcp_guard.store import SCHEMA_VERSION, open_store

    try:
        store = open_store(config.database)
    except GuardError as err:
        return None, [Line("fail", "database", err.message)]
    version = store.schema_version()
    return store, [Line("ok", "database", f"{store.label}: schema {version} (this mcp-guard: {SCHEMA_VERSION})")]


def check_provenance(config: Config, store: Any, name: str) -> Line:
    up = config.upstreams[name]
    topic = f"provenance {name}"
    if up.provenance is None:
        return Line("warn", topic, f"no [upstreams.{name}.provenance] policy: the server is run unverified")
    if up.provenance.mode != "enforce":
        return Line("warn", topic, f"mode {up.provenance.mode!r}: failures are not enforced")
    if store is None:
        return Line("warn", topic, "no database: verification results cannot be read")
    last = store.execute("SELECT outcome, at FROM verifications WHERE upstream = ? ORDER BY at DESC LIMIT 1",
                         [name]).fetchone()
    if last is None:
        return Line("warn", topic, f"never verified yet: run `mcp-guard verify {name}`")
    status = "ok" if last[0] in ("verified", "pinned") else "fail"
    return Line(status, topic, f"{last[0]} at {last[1]}")


def check_upstreams(config: Config, store: Any, timeout: float, offline: bool, env_of: dict[str, dict]) -> list[Line]:
    lines = []
    for name, up in config.upstreams.items():
        topic = f"upstream {name}"
        if offline:
            lines.append(Line("ok", topic, f"{up.transport}: not probed (--offline)"))
        else:
            try:
                info, tools = probe(config, name, timeout, env_of.get(name))
                label = f"{info.get('name', '?')} {info.get('version', '')}".strip()
                lines.append(Line("ok", topic, f"reachable: {label}, {len(tools)} tools"))
            except LookupError as err:
                lines.append(Line("warn", topic, f"not probed: {err}"))
            except ProvenanceError as err:  # the launch gate refused it: doctor starts nothing run refuses
                lines.append(Line("fail", topic, f"not started: {err.message}"))
            except Exception as err:  # noqa: BLE001 - every failure becomes a line, the next check still runs
                fix = "check its URL and that it is running" if up.url else "check its command runs on its own"
                lines.append(Line("fail", topic, f"unreachable: {_reason(err)}; {fix}"))
        if up.command:
            lines.extend(_only_in_venv(topic, up.command))
        lines.append(check_provenance(config, store, name))
        if store is not None:
            sql = "SELECT count(*) FROM items WHERE upstream = ? AND state = 'pending'"
            pending = store.execute(sql, [name]).fetchone()[0]
            if pending:
                text = f"{pending} definition(s) held until reviewed: mcp-guard review list --upstream {name}"
                lines.append(Line("warn", f"review {name}", text))
    return lines


def _only_in_venv(topic: str, command: str) -> list[Line]:
    """A command found by name only through this shell's activated virtual environment: the client
    starts mcp-guard outside this shell, so the upstream would not start there."""
    from mcp_guard.clients.entries import only_in_venv

    where = only_in_venv(command)
    if where is None:
        return []
    found, venv = where
    return [Line("warn", topic, f"its command {command!r} is {found}, found only through the activated virtual "
                 f"environment {venv}: a client started outside this shell may not find it; give its full path")]


def check_clients(config: Config, project: Path | None) -> tuple[list[Line], dict[str, dict]]:
    """Which client servers run through mcp-guard; and the env each wrapped upstream gets from its client."""
    from mcp_guard.clients import entries, locations
    from mcp_guard.clients.wrap import ClientConfigError, _read, _servers

    lines: list[Line] = []
    env_of: dict[str, dict] = {}
    for loc in locations("all", None, project):
        if not loc.path.is_file():
            continue
        topic = f"{loc.client} {loc.scope}"
        try:
            root = _read(loc.path, loc.comments)[2]
            node = _servers(loc, root)
        except ClientConfigError as err:
            lines.append(Line("fail", topic, err.message))
            continue
        for name, entry in (node.value if node else {}).items():
            where = f"{name} ({loc.path})"
            try:
                kind = entries.kind_of(entry)
            except entries.EntryShapeError as err:
                lines.append(Line("warn", topic, f"{where}: unknown entry shape, not wrapped: {err}"))
                continue
            if kind != "wrapped":
                fix = f"mcp-guard wrap --client {loc.client} --scope {loc.scope} --server {name}"
                lines.append(Line("warn", topic, f"{where}: not behind mcp-guard; run `{fix}`"))
                continue
            form = entries.read_wrapped(entry)
            if form is None:
                lines.append(Line("fail", topic, f"{where}: runs mcp-guard with arguments it cannot read"))
            elif not form.by_name and form.upstream not in config.upstreams:
                lines.append(
                    Line(
                        "fail",
                        topic,
                        f"{where}: upstream {form.upstream!r} is not in the config; "
                        "run `mcp-guard unwrap` then `mcp-guard wrap` again",
                    )
                )
            elif (form.by_name and (base := config.upstreams.get(form.upstream)) is not None and base.command
                  and [base.command, *base.args] != [form.command, *form.args]):
                # `run` refuses an entry whose command differs from its upstream's table (see select_upstreams).
                runs, table = shlex.join([form.command or "", *form.args]), shlex.join([base.command, *base.args])
                lines.append(Line("fail", topic, (
                    f"{where}: runs {runs!r} but upstream {form.upstream!r} is configured with {table!r}, so it "
                    "will not start; make them the same (or unwrap, fix the client's entry, delete "
                    f"[upstreams.{form.upstream}] and wrap again)")))
            else:
                env_of.setdefault(form.upstream, {}).update(entry.get("env") or {})
                args = list(entry.get("args") or [])
                if "--config" not in args[: args.index("run")]:
                    # Wrapped before `wrap` named the config: `run` reads only the user's config there.
                    fix = f"mcp-guard unwrap --client {loc.client} --scope {loc.scope} --server {name}, then wrap again"
                    lines.append(Line("warn", topic, f"{where}: names no config (`run` then reads only your own, "
                                                     f"never the project's); run `{fix}`"))
                    continue
                lines.append(Line("ok", topic, f"{where}: through mcp-guard as upstream {form.upstream!r}"))
    if not lines:
        lines.append(Line("warn", "clients", "no config of Claude Code, Claude Desktop, Cursor or VS Code found"))
    return lines, env_of


def run_doctor(args: argparse.Namespace) -> int:
    project = Path(args.project) if getattr(args, "project", None) else None
    out: list[Line] = []

    def emit(lines: list[Line]) -> None:
        for line in lines:
            print(visible(line.render()), flush=True)  # may quote a config's or a server's text
        out.extend(lines)

    config, lines = check_config(args.config)
    emit(check_installation(config))
    emit(lines)
    if config is not None:
        store, lines = check_database(config)
        emit(lines)
        client_lines, env_of = check_clients(config, project)
        emit(check_upstreams(config, store, args.timeout, args.offline, env_of))
        emit(client_lines)
    failed = sum(line.status == "fail" for line in out)
    warned = sum(line.status == "warn" for line in out)
    print(f"{failed} failed, {warned} warnings, {len(out) - failed - warned} ok")
    return 1 if failed else 0
