"""CLI: `mcp-guard wrap`, `unwrap` (client configs through mcp-guard and back) and `doctor`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CLIENT_CHOICES = ("claude-code", "claude-desktop", "cursor", "vscode", "all")


def register(sub) -> None:
    for name, func, text in (
        ("wrap", _wrap, "put the MCP servers of Claude Code, Claude Desktop, Cursor and VS Code behind mcp-guard"),
        ("unwrap", _unwrap, "restore the client entries that `mcp-guard wrap` rewrote, exactly as they were"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--client", choices=CLIENT_CHOICES, default="all", help="which client's config (default: all)")
        p.add_argument("--scope", choices=("project", "user", "local"), help="only this scope (default: every scope)")
        p.add_argument("--project", metavar="DIR", help="the project folder for project and local scopes (default: .)")
        p.add_argument("--server", action="append", metavar="NAME", help="only this server (repeatable)")
        p.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
        if name == "wrap":
            p.add_argument("--no-review", action="store_true", help="do not start the servers to record their tools")
        p.set_defaults(func=func)
    p = sub.add_parser("doctor", help="check the installation, config, database, upstreams and client wiring")
    p.add_argument("--project", metavar="DIR", help="the project folder whose client configs to check (default: .)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for each upstream (default: 20)")
    p.add_argument("--offline", action="store_true", help="do not start or connect to any upstream")
    p.set_defaults(func=_doctor)


def _config(args: argparse.Namespace):
    """The config in force and the file wrap registers servers in (created when none exists yet):
    --config, else $MCP_GUARD_CONFIG, else (with --scope project) the project folder's mcp-guard.toml
    when there is one, else the user's. Never a folder's file for user-scope entries: they run in
    every project the client opens."""
    import os

    from mcp_guard.config import CONFIG_ENV, DEFAULT_CONFIG_NAME, Config, load_config, user_config_path

    project_file = Path(args.project or ".") / DEFAULT_CONFIG_NAME
    if args.config or os.environ.get(CONFIG_ENV):
        path = Path(args.config or os.environ[CONFIG_ENV])
    elif args.scope == "project" and project_file.is_file():
        path = project_file
    else:
        path = user_config_path()
    path = path.expanduser().resolve()
    if path.exists():
        return load_config(path), path
    config = Config()
    config.source = path
    return config, path


def _locations(args: argparse.Namespace):
    from mcp_guard.clients import locations
    from mcp_guard.errors import GuardError

    if args.project and not Path(args.project).is_dir():
        raise GuardError(f"--project {args.project}: no such folder")
    return locations(args.client, args.scope, Path(args.project) if args.project else None)


def _report(plan, dry_run: bool, verb: str) -> None:
    diff = plan.diff()
    if diff:
        sys.stdout.write(diff)
    for line in plan.skipped:
        print(f"= {line}")
    for line in plan.notes:
        print(f"note: {line}")
    for change in plan.changes:
        how = "" if change.exact else " (rebuilt from its wrapped command line: no exact record)"
        print(
            f"{'would ' + verb.removesuffix('ped') if dry_run else verb} {change.location.describe()}: {change.name}"
            f" -> upstream {change.upstream!r}{how}"
        )


def _wrap(args: argparse.Namespace) -> int:
    from mcp_guard.clients.entries import guard_launch, only_in_venv
    from mcp_guard.clients.wrap import apply, plan_wrap
    from mcp_guard.config import default_config_path

    config, path = _config(args)
    locs = _locations(args)
    command, warning = guard_launch()
    plan = plan_wrap(locs, config, path, args.server, command)
    if warning and plan.changes:
        print(f"warning: {warning}", file=sys.stderr)
    if not plan.changes:
        _report(plan, args.dry_run, "wrapped")
        print("nothing to wrap" + ("" if any(loc.path.is_file() for loc in locs) else ": no client config file found"))
        return 0
    _report(plan, args.dry_run, "wrapped")
    if args.dry_run:
        print("dry run: nothing written")
        return 0
    store = _store(config)
    created = not path.exists()
    backups = apply(plan, store, config.db_path.parent / "backups")
    for b in backups:
        print(f"backup: {b}")
    if created and path.exists():
        _carry_bom(config, path)
    if plan.registrations:
        print(f"registered upstreams in {path}: {', '.join(plan.registrations)}")
        for name, reg in plan.registrations.items():
            where = only_in_venv(str(reg["command"])) if reg.get("command") else None
            if where is not None:
                print(f"warning: upstream {name!r}: its command {reg['command']!r} is {where[0]}, found only through "
                      f"the activated virtual environment {where[1]}: a client started outside this shell will not "
                      f"find it; give its full path in the client's entry", file=sys.stderr)
        found = default_config_path()
        if found is None or found.resolve() != path:  # what `review` and `bom` read here without --config
            print(f"note: commands run here read {found or 'no config file'}: review these servers with "
                  f"`mcp-guard --config {path} review list`")
        for name, reg in plan.registrations.items():
            headers = reg.get("headers") or {}
            if headers:
                print(f"note: the HTTP headers of {name!r} are now also in {path}; keep that file private")
        if not args.no_review:
            env_of = {c.upstream: dict(c.new_value.get("env") or {}) for c in plan.changes}
            if not _record_tools(path, list(plan.registrations), env_of):
                return 1  # a server its provenance policy refuses was not started (wrap itself is done)
    return 0


def _carry_bom(config, path: Path) -> None:
    """A config file `wrap` just created moves the AI-BOM's home from the state folder (where runs
    without a config keep it) to beside that file: the approved BOM comes along, so `bom check`
    reads the same approvals as before."""
    import shutil

    from mcp_guard.config import Config, load_config

    before, after = Config().bom_path, load_config(path).bom_path
    if before.is_file() and not after.exists():
        after.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(before, after)
        print(f"note: the AI-BOM now lives beside {path.name}: copied {before} to {after}")


def _unwrap(args: argparse.Namespace) -> int:
    from mcp_guard.clients.wrap import apply, plan_unwrap

    config, _ = _config(args)
    locs = _locations(args)
    store = _store(config)
    plan = plan_unwrap(locs, config, store, args.server, kept=config.db_path.parent / "backups")
    _report(plan, args.dry_run, "unwrapped")
    if not plan.changes:
        print("nothing to unwrap")
        return 0
    if args.dry_run:
        print("dry run: nothing written")
        return 0
    for b in apply(plan, store, config.db_path.parent / "backups"):
        print(f"backup: {b}")
    print("the upstreams stay registered in mcp-guard's config, with their review history")
    return 0


def _store(config):
    from mcp_guard.store import open_store

    return open_store(config.database)


def _record_tools(path: Path, names: list[str], env_of: dict[str, dict[str, str]]) -> bool:
    """Start each newly registered server once and put its tools in the review queue as pending;
    false when a provenance policy refused to start one."""
    from mcp_guard.config import load_config
    from mcp_guard.doctor import record_first_tools

    lines = record_first_tools(load_config(path), names, env_of)
    for line in lines:
        print(line)
    return not any(line.startswith("refused:") for line in lines)


def _doctor(args: argparse.Namespace) -> int:
    from mcp_guard.doctor import run_doctor
    from mcp_guard.errors import GuardError

    if args.project and not Path(args.project).is_dir():
        raise GuardError(f"--project {args.project}: no such folder")
    return run_doctor(args)
