"""`mcp-guard wrap` / `unwrap`: plan every edit first, show it, then write each file atomically.

Nothing is written unless every file parses and every entry has a known shape, so bad input leaves
all files as they were. Each wrapped entry's original text is kept in a private file beside the
backups (it may hold env keys and headers: never in the database, which a team may share), and the
database records its digest, so `unwrap` puts back the very same bytes; an entry without a record
(or edited since, or whose kept text is gone) is rebuilt from its wrapped command line instead.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcp_guard.canonical import timestamp
from mcp_guard.clients import entries, jsonedit
from mcp_guard.clients.base import Location
from mcp_guard.config import Config
from mcp_guard.errors import GuardError

RECORDS = "wrapped_entries"


class ClientConfigError(GuardError):
    """A client's config file cannot be read, parsed, understood or written."""


@dataclass
class Change:
    location: Location
    name: str
    upstream: str
    action: str  # wrap | unwrap
    original: str  # the entry's text before this change
    new_text: str
    new_value: Any
    exact: bool = True  # unwrap: restored from the record rather than rebuilt


@dataclass
class FilePlan:
    path: Path
    raw: bytes
    text: str
    changes: list[Change] = field(default_factory=list)
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def new_text(self) -> str:
        return jsonedit.replace_spans(self.text, self.edits)


@dataclass
class Plan:
    files: list[FilePlan] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per entry left as it is, and why
    notes: list[str] = field(default_factory=list)  # what a person may want to do otherwise
    registrations: dict[str, dict[str, Any]] = field(default_factory=dict)  # new upstreams
    config_path: Path | None = None
    config_before: str = ""
    config_after: str = ""

    @property
    def changes(self) -> list[Change]:
        return [c for f in self.files for c in f.changes]

    def diff(self) -> str:
        out = []
        for f in self.files:
            out += difflib.unified_diff(
                f.text.splitlines(keepends=True), f.new_text.splitlines(keepends=True), str(f.path), str(f.path)
            )
        if self.config_after != self.config_before:
            name = str(self.config_path)
            out += difflib.unified_diff(
                self.config_before.splitlines(keepends=True), self.config_after.splitlines(keepends=True), name, name
            )
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)


# -- reading --------------------------------------------------------------------------------------


def _read(path: Path, comments: bool) -> tuple[bytes, str, jsonedit.Node]:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ClientConfigError(f"{path}: not UTF-8 text; left untouched") from None
    except OSError as err:
        raise ClientConfigError(f"{path}: cannot read: {err.strerror}; left untouched") from None
    try:
        root = jsonedit.parse(text, comments=comments)
    except jsonedit.JsonSyntaxError as err:
        kind = "JSONC" if comments else "JSON"
        raise ClientConfigError(f"{path}: not valid {kind}: {err}; fix it first (file left untouched)") from None
    return raw, text, root


def _servers(loc: Location, root: jsonedit.Node) -> jsonedit.Node | None:
    node = root
    for depth, key in enumerate(loc.container):
        if not isinstance(node.value, dict):
            where = "/".join(loc.container[:depth]) or "the top level"
            raise ClientConfigError(f"{loc.path}: {where} is not an object; left untouched")
        if key not in node.members:
            return None
        node = node.members[key][1]
    if not isinstance(node.value, dict):
        raise ClientConfigError(f"{loc.path}: {loc.pointer} is not an object of servers; left untouched")
    return node


def _group(locations: list[Location]) -> dict[Path, list[Location]]:
    groups: dict[Path, list[Location]] = {}
    for loc in locations:
        if loc.path.is_file():
            groups.setdefault(loc.path, []).append(loc)
    return groups


def _entry_label(loc: Location, name: str) -> str:
    return f"{loc.path}: {loc.pointer}/{name}"


# -- wrap -----------------------------------------------------------------------------------------


def _guard_args(config_path: Path, loc: Location) -> list[str]:
    """`--config F`, always: `mcp-guard run` named no config reads only the user's (never the folder
    the client starts it in), and an entry that names its config cannot be turned to another one."""
    from mcp_guard.config import DEFAULT_CONFIG_NAME

    project_config = loc.path.parent / DEFAULT_CONFIG_NAME
    if loc.scope == "project" and loc.client == "claude-code" and config_path == project_config.resolve():
        # Claude Code starts project servers in the project folder; the file travels with the project.
        return ["--config", DEFAULT_CONFIG_NAME]
    return ["--config", str(config_path)]


def plan_wrap(
    locations: list[Location],
    config: Config,
    config_path: Path,
    servers: list[str] | None = None,
    command: str | None = None,
) -> Plan:
    """Every edit `wrap` would make; raises ClientConfigError (naming file and entry) on bad input."""
    import tomlkit

    command = command or entries.guard_command()
    plan = Plan(config_path=config_path)
    try:
        plan.config_before = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    except OSError as err:
        raise ClientConfigError(f"{config_path}: cannot read mcp-guard's config: {err.strerror}") from None
    taken = {name: up.model_dump(exclude_defaults=True) for name, up in config.upstreams.items()}
    problems: list[str] = []
    for path, locs in _group(locations).items():
        try:
            raw, text, root = _read(path, locs[0].comments)
            fplan = FilePlan(path, raw, text)
            for loc in locs:
                node = _servers(loc, root)
                for name, (key_start, entry) in (node.members if node else {}).items():
                    if servers and name not in servers:
                        continue
                    try:
                        kind = entries.kind_of(entry.value)
                    except entries.EntryShapeError as err:
                        problems.append(f"{_entry_label(loc, name)}: unknown server entry shape: {err}; left untouched")
                        continue
                    if kind == "wrapped":
                        plan.skipped.append(f"{loc.describe()}: {name}: already runs through mcp-guard")
                        continue
                    reg = entries.registration(entry.value)
                    if loc.project and kind == "stdio" and "cwd" not in reg and config_path.parent != loc.project:
                        # An upstream starts in its config file's folder; the client starts this one in the
                        # project (its relative paths, `python -m` modules), so the entry says so.
                        reg["cwd"] = str(loc.project)
                    upstream = _allocate(name, reg, taken, config.proxy.separator)
                    own = _fit(name, config.proxy.separator)
                    if upstream != own and own in config.upstreams:
                        plan.notes.append(
                            f"{name}: upstream {own!r} is already registered in {config_path} with another "
                            f"command, so this server becomes {upstream!r}; to keep the name instead, fix or remove "
                            f"[upstreams.{own}] there and wrap again"
                        )
                    refs = [k for k, v in reg.get("headers", {}).items() if "${" in v]
                    if refs and upstream not in config.upstreams:
                        # The client expands ${VAR} in headers; mcp-guard's config would send it verbatim.
                        plan.skipped.append(
                            f"{loc.describe()}: {name}: not wrapped: header {refs[0]!r} uses a ${{VAR}} reference; "
                            f"add [upstreams.{upstream}] with url and headers to {config_path}, then wrap again"
                        )
                        continue
                    if upstream not in config.upstreams and upstream not in plan.registrations:
                        plan.registrations[upstream] = reg
                    taken[upstream] = reg
                    value = entries.wrap_entry(entry.value, upstream, _guard_args(config_path, loc), command)
                    new_text = jsonedit.render(value, text, entry, key_start)
                    original = text[entry.start : entry.end]
                    fplan.changes.append(Change(loc, name, upstream, "wrap", original, new_text, value))
                    fplan.edits.append((entry.start, entry.end, new_text))
            if fplan.changes:
                plan.files.append(fplan)
        except ClientConfigError as err:
            problems.append(err.message)
    if problems:
        raise ClientConfigError("\n".join(problems))
    if plan.registrations:
        doc = tomlkit.parse(plan.config_before)
        table = doc.get("upstreams")
        if table is None:
            table = tomlkit.table(is_super_table=True)
            doc["upstreams"] = table
        for name, reg in plan.registrations.items():
            table[name] = _toml_table(reg)
        plan.config_after = tomlkit.dumps(doc)
        _validate_config(plan.config_after, config_path)
    else:
        plan.config_after = plan.config_before
    return plan


def _allocate(name: str, reg: dict[str, Any], taken: dict[str, dict[str, Any]], separator: str) -> str:
    """The server's own name (made fit for an upstream name), unless another server has it already."""
    base = _fit(name, separator)
    candidate, n = base, 1
    while candidate in taken and not entries.same_server(reg, taken[candidate]):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _fit(name: str, separator: str) -> str:
    """A client's server name made fit for an upstream name."""
    base = re.sub(r"[^A-Za-z0-9_.-]", "-", name).lstrip("-_.")
    while separator and separator in base:
        base = base.replace(separator, "-")
    return base or "server"


def _toml_table(reg: dict[str, Any]) -> Any:
    import tomlkit

    table = tomlkit.table()
    for key, value in reg.items():
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(value)
            table[key] = inline
        else:
            table[key] = value
    return table


def _validate_config(text: str, path: Path) -> None:
    import tomllib

    from mcp_guard.config import parse_config

    parse_config(tomllib.loads(text), path)


# -- unwrap ---------------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _wrapped_digest(value: Any) -> str:
    # What the database records of a wrapped entry: its digest (the entry keeps its env: secrets).
    return "sha256:" + hashlib.sha256(_canonical(value).encode("utf-8")).hexdigest()


def _kept_path(backup_dir: Path, key: tuple[str, str, str]) -> Path:
    # Beside the backups folder (which holds whole files only), as private.
    return backup_dir.parent / "wrapped-entries" / hashlib.sha256(json.dumps(list(key)).encode()).hexdigest()


def _keep_original(folder: Path, key: tuple[str, str, str], text: str) -> str:
    """Keep an entry's original text in a private file (0600, folder 0700); return what the database
    records instead: its digest."""
    target = _kept_path(folder, key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, text.encode("utf-8"), mode=0o600)
    except OSError as err:
        raise ClientConfigError(f"{target}: cannot keep the original entry: {err.strerror}; nothing changed") from None
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _original(folder: Path | None, key: tuple[str, str, str], recorded: str) -> str | None:
    """The original text a record stands for: kept beside the backups (checked against its digest), or
    the text itself in a record written before originals were kept out of the database."""
    if not recorded.startswith("sha256:"):
        return recorded  # an entry's text starts with "{": an older record holds the text itself
    if folder is None:
        return None
    try:
        data = _kept_path(folder, key).read_bytes()
    except OSError:
        return None
    return data.decode("utf-8") if "sha256:" + hashlib.sha256(data).hexdigest() == recorded else None


def plan_unwrap(locations: list[Location], config: Config, store: Any, servers: list[str] | None = None,
                kept: Path | None = None) -> Plan:
    """Every edit `unwrap` would make; `kept` is the backups folder given to `apply` (beside which it
    kept the original entries)."""
    plan = Plan()
    problems: list[str] = []
    for path, locs in _group(locations).items():
        try:
            raw, text, root = _read(path, locs[0].comments)
            fplan = FilePlan(path, raw, text)
            for loc in locs:
                node = _servers(loc, root)
                for name, (key_start, entry) in (node.members if node else {}).items():
                    if servers and name not in servers:
                        continue
                    try:
                        if entries.kind_of(entry.value) != "wrapped":
                            continue
                    except entries.EntryShapeError:
                        continue  # not ours: unwrap only touches entries that run mcp-guard
                    key = (str(path.resolve()), loc.pointer, name)
                    rows = [{"original": r[0], "wrapped": r[1]} for r in store.execute(
                        f"SELECT original, wrapped FROM {RECORDS} WHERE file = ? AND container = ? AND name = ?",
                        key).fetchall()]
                    form = entries.read_wrapped(entry.value)
                    upstream = form.upstream if form else ""
                    before = _original(kept, key, rows[0]["original"]) if rows else None
                    unchanged = rows and rows[0]["wrapped"] in (_wrapped_digest(entry.value), _canonical(entry.value))
                    if before is not None and unchanged:
                        new_text, value, exact = before, None, True
                    else:
                        up = config.upstreams.get(upstream)
                        try:
                            value = entries.unwrap_entry(entry.value, up.model_dump() if up else None)
                        except entries.EntryShapeError as err:
                            problems.append(f"{_entry_label(loc, name)}: cannot unwrap: {err}; left untouched")
                            continue
                        new_text, exact = jsonedit.render(value, text, entry, key_start), False
                    original = text[entry.start : entry.end]
                    fplan.changes.append(Change(loc, name, upstream, "unwrap", original, new_text, value, exact))
                    fplan.edits.append((entry.start, entry.end, new_text))
            if fplan.changes:
                plan.files.append(fplan)
        except ClientConfigError as err:
            problems.append(err.message)
    if problems:
        raise ClientConfigError("\n".join(problems))
    return plan


# -- writing --------------------------------------------------------------------------------------


def _check_writable(path: Path) -> None:
    real = path.resolve()
    try:
        mode = real.stat().st_mode
    except OSError as err:
        raise ClientConfigError(f"{path}: cannot write: {err.strerror}; left untouched") from None
    # A file with no write bit at all was made read-only on purpose; a rename would bypass that.
    if not mode & 0o222 or not os.access(real, os.W_OK):
        raise ClientConfigError(f"{path}: file is read-only; make it writable to wrap it (left untouched)")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise ClientConfigError(f"{path}: its folder is not writable, so it cannot be replaced; left untouched")


def write_atomic(path: Path, data: bytes, expect: bytes | None = None, mode: int = 0o600) -> None:
    """Replace `path` by `data` through a temp file and a rename, keeping its permissions."""
    real = path.resolve()
    if expect is not None:
        try:
            current = real.read_bytes()
        except OSError:
            current = None
        if current != expect:
            raise ClientConfigError(f"{path}: changed while mcp-guard was editing it; run the command again")
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
    except FileNotFoundError:
        real.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
        tmp = None
    except OSError as err:
        raise ClientConfigError(f"{path}: cannot write: {err.strerror}; left untouched") from None
    finally:
        if tmp is not None:
            os.unlink(tmp)


def backup(path: Path, raw: bytes, folder: Path) -> Path:
    """A private copy of the file as it was, named by time and by the file's path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    target = folder / f"{stamp}-{path.name.lstrip('.')}-{digest}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
    except OSError as err:
        raise ClientConfigError(f"{target}: cannot back up {path}: {err.strerror}; nothing changed") from None
    return target


def apply(plan: Plan, store: Any, backup_dir: Path) -> list[Path]:
    """Write the plan: checks first, then records, backups and files; returns the backups made."""
    for f in plan.files:
        _check_writable(f.path)
    if plan.config_path and plan.config_after != plan.config_before and plan.config_path.exists():
        _check_writable(plan.config_path)
    now = timestamp(datetime.now(UTC))
    # Records first: an interrupted wrap can still be undone exactly.
    for change in plan.changes:
        key = {"file": str(change.location.path.resolve()), "container": change.location.pointer, "name": change.name}
        if change.action == "wrap":
            kept = _keep_original(backup_dir, (key["file"], key["container"], key["name"]), change.original)
            row = {**key, "upstream": change.upstream, "original": kept}
            row |= {"wrapped": _wrapped_digest(change.new_value), "at": now}
            store.execute(
                f"INSERT INTO {RECORDS} (file, container, name, upstream, original, wrapped, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file, container, name) DO UPDATE SET "
                "upstream = excluded.upstream, original = excluded.original, wrapped = excluded.wrapped, "
                "at = excluded.at",
                [row[c] for c in ("file", "container", "name", "upstream", "original", "wrapped", "at")])
    if plan.config_path and plan.config_after != plan.config_before:
        write_atomic(plan.config_path, plan.config_after.encode("utf-8"), mode=0o600)
    backups = []
    for f in plan.files:
        backups.append(backup(f.path, f.raw, backup_dir))
        write_atomic(f.path, f.new_text.encode("utf-8"), expect=f.raw)
    for change in plan.changes:
        if change.action == "unwrap":
            key = (str(change.location.path.resolve()), change.location.pointer, change.name)
            store.execute(f"DELETE FROM {RECORDS} WHERE file = ? AND container = ? AND name = ?", key)
            _kept_path(backup_dir, key).unlink(missing_ok=True)
    return backups
