"""How a stdio server is launched, and `run`'s servers started before the config is validated.

Loading and checking the config's models (pydantic) costs `run` about 150 ms of CPU before it could
start a server; a client's cold start waits for that and then for the server's own start-up. So
`start_written` starts, from the TOML as written, each named entry that nothing must check before its
launch, and the models load while the server starts. Once the config is validated, `keep` keeps such
a process only if the validated entry launches exactly the same (program, arguments, environment,
folder, isolation) and ends the others; when the config is refused, `run` ends them all. None of them
has been sent anything by then.

Only a config text that passed `run`'s checks before starts anything early (`accepted` records its
sha256 in the store): a text nobody validated, say one whose entry the models refuse, runs no program
until it is validated, so what validation refuses never starts. The first `run` after each edit starts
its servers the regular way; a store that cannot be read (PostgreSQL) starts none early.

An entry qualifies only with keys among `PLAIN_KEYS` of the expected types, a command that is an
absolute path or a bare name (no folder to resolve), an absolute `cwd` if any, and isolation left on:
no provenance policy (a server with one starts only once verified), no secrets, no `pass_env`. A bare
name starts early only if the program its PATH finds is the one `runner.pin_programs` would accept
(the store's record of the program it first ran, read as the validated config will read it): a program
that pin refuses, one a client's entry put first on PATH, must never run, not even for a moment.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mcp_guard.config_paths import database_file, default_config_path, text_digest
from mcp_guard.intent.credentials import upstream_env
from mcp_guard.proxy.channels import ChildProcess, start_process

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mcp_guard.config import Config, UpstreamConfig
    from mcp_guard.store import Store

# An entry's keys that either set its launch (command, args, env, cwd, transport) or matter only
# after it (review, filters, scanning, timeouts): any other key keeps it for the regular launch.
PLAIN_KEYS = frozenset({"command", "args", "env", "cwd", "transport", "trust", "tools", "scan", "operator",
                        "stateful", "call_timeout", "init_timeout", "share"})


class Launch(NamedTuple):
    argv: list[str]
    env: dict[str, str]
    cwd: str | None
    isolate: bool


def launch(upstream: UpstreamConfig | _Written, additions: Mapping[str, str | None] | None = None) -> Launch | None:
    """How a stdio server is started with this session's `additions` to its environment; None for one
    that must be checked first (a provenance policy: it starts once verified) or is not local."""
    checked = upstream.provenance is not None and upstream.provenance.mode != "off"
    if upstream.transport != "stdio" or checked or not upstream.command:
        return None
    return Launch([upstream.command, *upstream.args], upstream_env(upstream, additions),  # type: ignore[arg-type]
                  upstream.launch_cwd(), upstream.isolate)


def start(spec: Launch) -> ChildProcess:
    return start_process(spec.argv[0], spec.argv[1:], spec.env, spec.cwd, isolate=spec.isolate)


class _Written:
    """A plain entry as the TOML writes it, read where `launch` reads an `UpstreamConfig`."""

    transport = "stdio"
    provenance = None
    pass_env: tuple[str, ...] = ()
    secrets: dict[str, str] = {}  # noqa: RUF012 - never written: a plain entry has none

    def __init__(self, entry: dict[str, Any], folder: str) -> None:
        self.command: str = entry["command"]
        self.args: list[str] = entry.get("args", [])
        self.env: dict[str, str] = entry.get("env", {})
        self.cwd: str | None = str(Path(entry["cwd"])) if entry.get("cwd") else None
        self.isolate = True
        self._folder = folder

    def launch_cwd(self) -> str | None:
        return self.cwd or self._folder

    @staticmethod
    def plain(entry: Any) -> bool:
        if not isinstance(entry, dict) or not entry.keys() <= PLAIN_KEYS:
            return False
        command, args, env, cwd = entry.get("command"), entry.get("args", []), entry.get("env", {}), entry.get("cwd")
        return (isinstance(command, str) and bool(command) and (os.path.isabs(command) or os.sep not in command)
                and not command.startswith(("~", "{"))
                and entry.get("transport", "stdio") == "stdio"
                and isinstance(args, list) and all(isinstance(a, str) for a in args)
                and isinstance(env, dict) and all(isinstance(v, str) for v in env.values())
                and (cwd is None or (isinstance(cwd, str) and os.path.isabs(cwd))))


def start_written(config_path: str | None, names: list[str] | None) -> dict[str, tuple[Launch, ChildProcess]]:
    """Start the plain entries among `names` (all the file's entries when None) of the config `run`
    reads; nothing when the file cannot be read as TOML (the regular load says why)."""
    path = Path(config_path) if config_path else default_config_path(folder=False)
    if path is None:
        return {}
    try:
        source = path.resolve()
        text = source.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RuntimeError):
        return {}
    upstreams = raw.get("upstreams")
    database = _written_database(raw, source)
    if not isinstance(upstreams, dict) or not _accepted_before(database, text_digest(text)):
        return {}
    started: dict[str, tuple[Launch, ChildProcess]] = {}
    for name in dict.fromkeys(names if names is not None else upstreams):
        entry = upstreams.get(name)
        if not _Written.plain(entry):
            continue
        spec = launch(_Written(entry, str(source.parent)))
        if spec is None or not pin_accepts(database, name, spec):
            continue
        try:
            started[name] = (spec, start(spec))
        except (OSError, ValueError):  # (ValueError: a value no process takes; the validation refuses it)
            continue  # the regular launch tries again, and reports it
    return started


def _written_database(raw: dict[str, Any], source: Path) -> Path | None:
    """The SQLite file the validated config will open, from its TOML as written; None for PostgreSQL or
    a value it may read otherwise."""
    storage = raw.get("storage", {})
    if not isinstance(storage, dict) or "url" in storage or not isinstance(storage.get("path"), str | None):
        return None
    return database_file(storage.get("path"), source)


def _read_only(database: Path) -> Any:
    import sqlite3  # (here: a run that starts nothing early does without it)

    return contextlib.closing(sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro", uri=True, timeout=0.05))


def _accepted_before(database: Path | None, digest: str) -> bool:
    """Did `run` accept this very config text before (`accepted`)? No when the store cannot be read."""
    import sqlite3

    if database is None or not database.exists():
        return False
    try:
        with _read_only(database) as conn:
            return conn.execute("SELECT 1 FROM validated_configs WHERE digest = ?", [digest]).fetchone() is not None
    except sqlite3.Error:  # (also: a store older than the table)
        return False


def accepted(store: Store, config: Config) -> None:
    """Remember that `config`'s text passed `run`'s checks, so that the next `run` of it starts early."""
    from mcp_guard.canonical import now

    if config.source_digest is not None:
        store.execute("INSERT INTO validated_configs (digest, first_seen) VALUES (?, ?) "
                      "ON CONFLICT (digest) DO NOTHING", [config.source_digest, now()])


def pin_accepts(database: Path | None, name: str, spec: Launch) -> bool:
    """May `spec` start before `runner.pin_programs` has looked at it: a command given by a path, or a
    bare name whose program on the launch's PATH that pin would accept (none recorded for the upstream,
    a record of another command, or of this very program)? A store that cannot be read (`database`
    None: PostgreSQL) says no: the launch then waits for the pin."""
    if os.sep in spec.argv[0]:
        return True
    import shutil  # (here: a command given by its path starts without their ~6 ms of imports)
    import sqlite3

    found = shutil.which(spec.argv[0], path=spec.env.get("PATH", os.defpath))
    if database is None or found is None:
        return False  # (not found: the regular launch says so)
    if not database.exists():
        return True  # no record yet: the regular launch pins the program found now
    try:
        with _read_only(database) as conn:
            row = conn.execute("SELECT command, program FROM upstream_programs WHERE upstream = ?", [name]).fetchone()
    except sqlite3.Error:
        return False
    return row is None or row[0] != spec.argv[0] or row[1] == os.path.realpath(found)


def keep(early: dict[str, tuple[Launch, ChildProcess]], config: Config, names: list[str],
         envs: dict[str, dict[str, str | None]]) -> dict[str, ChildProcess]:
    """The processes started early that the validated `config` launches the same way for this
    session's `names` and `envs`; the others are ended."""
    kept: dict[str, ChildProcess] = {}
    for name, (spec, process) in early.items():
        if name in names and name in config.upstreams and launch(config.upstreams[name], envs.get(name)) == spec:
            kept[name] = process
        else:
            process.discard()
    return kept
