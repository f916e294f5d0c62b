"""The config file (`mcp-guard.toml`): pydantic models and a loader whose errors name file and field.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored setting.
Sections owned by one feature (provenance, scanning, profiles) are defined here too, so that the
whole file format is readable in one place.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import types
import typing
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from mcp_guard.config_paths import (  # noqa: F401 - the config's names, kept importable from here
    CONFIG_ENV,
    DEFAULT_CONFIG_NAME,
    database_file,
    default_config_path,
    state_dir,
    text_digest,
    user_config_path,
)
from mcp_guard.errors import ConfigError


class _Model(BaseModel):
    # Built at first use, not at import: a command that reads no config (or part of it) does not pay for all of it.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ToolFilter(_Model):
    """The simplest guard: tool names (globs over the upstream's own names) allowed or denied."""

    allow: list[str] = Field(default_factory=lambda: ["*"])
    deny: list[str] = Field(default_factory=list)


class ProvenancePolicy(_Model):
    """Who must have built an upstream's artifact, and what to do when that cannot be shown."""

    mode: Literal["enforce", "warn", "off"] = "enforce"
    package: str | None = None  # a purl, e.g. pkg:npm/%40scope/name@1.2.3 or pkg:pypi/name@1.0
    server_json: str | None = None  # an MCP Registry server.json naming the package
    artifact: str | None = None  # a local file artifact (wheel, sdist, tarball, .mcpb, binary)
    bundle: str | None = None  # its sigstore bundle, or attestation file
    sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")] | None = None  # digest pinning: weakest level
    sha512: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{128}$")] | None = None
    issuer: str | None = None  # OIDC issuer, e.g. https://token.actions.githubusercontent.com
    identity: str | None = None  # exact signer identity (SAN)
    identity_pattern: str | None = None  # regular expression over the signer identity
    repository: str | None = None  # source repository, e.g. owner/name
    ref: str | None = None
    workflow: str | None = None
    trusted_root: str | None = None  # "production" (default, shipped in sigstore), "staging", or a file
    # Download the package with npm pack / pip download when no local artifact is named (off: offline).
    fetch: bool = False


class ScanPolicy(_Model):
    """What happens to tool results that carry hidden text or instructions.

    off: not scanned; record: findings go to the audit log, the result passes unchanged; neutralise:
    hidden characters and escapes are stripped and every text is wrapped in untrusted-data markers
    (findings recorded too); block: a result with a finding is withheld and the call answered with
    an error. Findings below `min_severity` are ignored in every mode.
    """

    results: Literal["off", "record", "neutralise", "block"] = "record"
    min_severity: Literal["low", "medium", "high"] = "medium"


class UpstreamConfig(_Model):
    """One MCP server behind the proxy: a local command or a remote URL."""

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    # Names of variables of mcp-guard's own environment this server inherits beyond the ordinary ones
    # (PATH, HOME, locale, proxies: see intent/credentials.py); e.g. what a client's entry sets.
    pass_env: list[str] = Field(default_factory=list)
    cwd: str | None = None
    url: str | None = None
    transport: Literal["stdio", "streamable-http", "sse"] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    # A `url` server reached through this HTTP(S) proxy. The proxy and CA variables of mcp-guard's own
    # environment (HTTP_PROXY, SSL_CERT_FILE, ...) are never used: whoever starts it sets them.
    proxy: str | None = None
    operator: str | None = None  # who runs it: "self", a vendor's name, …
    stateful: bool | None = None  # keeps state beyond the session (memory, stored resources)
    trust: Literal["review", "pinned", "tofu"] = "review"
    tools: ToolFilter = Field(default_factory=ToolFilter)
    provenance: ProvenancePolicy | None = None
    scan: ScanPolicy = Field(default_factory=ScanPolicy)
    secrets: dict[str, str] = Field(default_factory=dict)  # ENV_NAME -> source ("env:NAME" or "file:PATH")
    call_timeout: float | None = None  # seconds; overrides proxy.call_timeout
    init_timeout: float | None = Field(None, gt=0)  # seconds; overrides proxy.init_timeout
    # `serve` only: one process (or HTTP connection) for every client session ("all"), or one per
    # session ("per-session", the default: a server may keep per-client state). See proxy/shared.py.
    share: Literal["all", "per-session"] = "per-session"
    # A stdio server runs in its own Linux user and PID namespaces (it cannot see or read the other
    # servers' processes and environments); false starts it as a plain child process.
    isolate: bool = True
    _folder: str | None = PrivateAttr(None)  # the folder of the config file that defines it

    @model_validator(mode="after")
    def _command_or_url(self) -> UpstreamConfig:
        if bool(self.command) == bool(self.url):
            raise ValueError("give exactly one of 'command' (a local server) or 'url' (a remote one)")
        if self.transport is None:
            self.transport = "stdio" if self.command else "streamable-http"
        elif (self.transport == "stdio") != bool(self.command):
            raise ValueError(f"transport {self.transport!r} does not fit {'command' if self.command else 'url'}")
        if self.proxy is not None and not self.url:
            raise ValueError("proxy is for a remote server ('url'); a local one reads its own environment")
        return self

    @model_validator(mode="after")
    def _startable(self) -> UpstreamConfig:
        """What the OS refuses to start a process with: a NUL anywhere, an environment name with "=" or empty."""
        for key, values in (("command", [self.command or ""]), ("args", self.args), ("cwd", [self.cwd or ""]),
                            ("env", [*self.env, *self.env.values()])):
            if any("\0" in v for v in values):
                raise ValueError(f"{key}: a NUL character cannot be passed to a process")
        if bad := next((n for n in self.env if not n or "=" in n), None):
            raise ValueError(f"env: {bad!r} is no environment variable name (empty, or holds '=')")
        return self

    @model_validator(mode="after")
    def _not_our_own(self) -> UpstreamConfig:
        for name in self.pass_env:
            if name.upper().startswith("MCP_GUARD_"):
                raise ValueError(f"pass_env: {name!r}: mcp-guard's own variables are never handed to a server")
        return self

    @model_validator(mode="after")
    def _shared_safely(self) -> UpstreamConfig:
        """A shared server is one process for every session: what it is handed at launch, or keeps,
        reaches all of them."""
        if self.share != "all":
            return self
        if self.secrets:
            raise ValueError("share = \"all\" cannot be used with secrets: a session's scoped credentials reach "
                             "a server through its environment, so one shared process would hold one session's "
                             "secrets for every session; use share = \"per-session\"")
        if self.stateful:
            raise ValueError("share = \"all\" cannot be used with stateful = true: a server that keeps state would "
                             "carry one session's data into the others; use share = \"per-session\"")
        return self

    @property
    def is_remote(self) -> bool:
        return self.url is not None

    def folders(self) -> tuple[str, ...]:
        """The folders the deployer hands this server in its arguments (a filesystem server's allowed
        directories): existing directories, absolute (a relative one read from where the server starts)."""
        if self.command is None:
            return ()
        start = self.launch_cwd() or os.getcwd()
        found = []
        for arg in self.args:
            if not arg or arg.startswith("-"):
                continue
            folder = os.path.normpath(os.path.join(start, os.path.expanduser(arg)))
            if os.path.isdir(folder) and folder != os.sep:
                found.append(folder)
        return tuple(found)

    def launch_cwd(self) -> str | None:
        """The folder the server starts in: its `cwd`; else the folder of the config file that defines
        it (the one its author chose); never the folder a client happens to start `run` in, whose code
        `python -m`, npx or a relative path would load as this server. Only a server defined by the
        client's own command line (no config entry) starts in the client's folder: without secrets
        (None; see `intent.credentials.upstream_env` for PYTHONSAFEPATH), else in the filesystem root."""
        if self.cwd or self._folder:
            return self.cwd or self._folder
        return None if not self.secrets else os.path.abspath(os.sep)


class ArgConstraint(_Model):
    """A rule over one argument of the tools matched by `tool` (a glob over namespaced names).

    Every condition given must hold; a list value must hold item by item. An absent argument passes
    unless `required` is set.
    """

    tool: str
    arg: str
    equals: object | None = None
    one_of: list[object] | None = None
    pattern: str | None = None  # a regular expression the whole value must match
    min: float | None = None
    max: float | None = None
    in_intent: bool = False  # the value must appear in the declared intent
    trusted_list: str | None = None  # a file with one trusted value per line
    required: bool = False
    on_fail: Literal["deny", "ask"] = "deny"

    @model_validator(mode="after")
    def _valid_pattern(self) -> ArgConstraint:
        if self.pattern is not None:
            import re

            try:
                re.compile(self.pattern)
            except re.error as err:
                raise ValueError(f"pattern {self.pattern!r} is not a valid regular expression: {err}") from None
        return self


class Budget(_Model):
    total: int | None = None
    per_tool: dict[str, int] = Field(default_factory=dict)  # glob -> calls


class TrustedSource(_Model):
    """Values of these kinds may come from the results of the tools `tool` matches (a glob over
    `UPSTREAM/TOOL`), e.g. recipients from `crm/list_contacts`; no kinds: every kind."""

    tool: str
    kinds: list[Literal["email", "person", "phone", "channel", "url", "host", "iban", "account", "path",
                        "credential"]] = Field(default_factory=list)


class Profile(_Model):
    """Policy as code for a kind of session.

    Tool globs match `UPSTREAM/TOOL` (e.g. `mail/send_*`); a glob without `/` matches the tool on any
    upstream. Order: expiry, deny, constraints, budget, ask, allow; a call no glob matches gets
    `fallback` ("engine": the default engine judges it against the declared intent).
    """

    owner: str
    description: str = ""
    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    ask: list[str] = Field(default_factory=list)
    constraints: list[ArgConstraint] = Field(default_factory=list)
    budget: Budget = Field(default_factory=Budget)
    grants: list[str] = Field(default_factory=list)  # secret names this profile's sessions receive
    expires: str | None = None  # ISO 8601 date or datetime (UTC when no offset)
    fallback: Literal["engine", "allow", "deny", "ask"] = "engine"
    trusted: list[str] = Field(default_factory=list)  # files of trusted destinations for the engine
    trusted_sources: list[TrustedSource] = Field(default_factory=list)  # tools whose results ground values


class ProxySettings(_Model):
    separator: str = "__"
    call_timeout: float = 120.0
    # Seconds a session's initialize waits for each upstream's: one that stays silent is then
    # unavailable and the others are served (clients give up on a server after ~30 s).
    init_timeout: float = Field(15.0, gt=0)
    max_message_bytes: int = 16 * 1024 * 1024
    restart_backoff: Annotated[list[float], Field(min_length=1)] = Field(default_factory=lambda: [0.5, 1, 2, 5, 10])


class ServeSettings(_Model):
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None  # "env:NAME" or a literal; required to bind anything but loopback
    allowed_hosts: list[str] = Field(default_factory=list)
    allowed_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0)  # a larger POST is answered 413
    max_sessions: int = Field(64, gt=0)  # open at once, all clients together (503 beyond)
    max_sessions_per_client: int = Field(8, gt=0)  # per credential, or per address without one (429 beyond)
    idle_timeout: float = Field(1800.0, gt=0)  # seconds without a request before a session and its servers end
    socket_timeout: float = Field(10.0, gt=0)  # seconds a connection may stay silent before a request
    max_connections: int = Field(256, gt=0)  # open HTTP connections (503 beyond)
    max_streams_per_client: int = Field(4, gt=0)  # 2026-07-28 response streams open per credential (429 beyond)
    # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (e.g.
    # ["127.0.0.1"]); empty: none are, and a client's address is that of its own connection.
    forwarded_allow_ips: list[str] = Field(default_factory=list)


class StorageSettings(_Model):
    path: str | None = None  # default: $XDG_STATE_HOME/mcp-guard/guard.db
    # A PostgreSQL database shared by several `serve` replicas ("postgresql://USER@HOST/DB", or
    # "env:NAME" to read it from the environment); the SQLite file at `path` when absent.
    url: str | None = None

    @model_validator(mode="after")
    def _one_place(self) -> StorageSettings:
        if self.url is not None and self.path is not None:
            raise ValueError("give storage.path (a SQLite file) or storage.url (PostgreSQL), not both")
        if self.url is not None and not self.url.startswith("env:") and \
                self.url.split("://", 1)[0] not in ("postgresql", "postgres"):
            raise ValueError("storage.url must be a postgresql://… URL (or env:NAME)")
        return self


class BomSettings(_Model):
    path: str = "bom/aibom.cdx.json"


class ReviewSettings(_Model):
    two_person: bool = False


class IntentSettings(_Model):
    default_profile: str | None = None
    mode: Literal["enforce", "warn", "off"] = "enforce"
    text: str | None = None  # the declared intent when neither --intent nor $MCP_GUARD_INTENT gives one
    trusted: list[str] = Field(default_factory=list)  # files of trusted destinations, one per line
    # Who answers an "ask": "client" = the MCP client by elicitation (its user, if it shows the question);
    # "person" = held for `mcp-guard approvals` only (a client that answers its own questions gains nothing).
    ask: Literal["client", "person"] = "client"


class AuditSettings(_Model):
    """The audit trail. `sensitive` globs name what is kept only as a SHA-256 digest: `UPSTREAM/TOOL`
    (all of a tool's arguments) or `UPSTREAM/TOOL:ARG` (one argument); without `/`, any upstream."""

    sensitive: list[str] = Field(default_factory=list)
    # group: each record committed while the server works on its call, before the answer goes out,
    # fsynced right after (with the records committed meanwhile); full: fsynced before the call is
    # forwarded (write-ahead); normal: written in the background
    durability: Literal["full", "group", "normal"] = "group"


class TelemetrySettings(_Model):
    """Prometheus metrics at `serve`'s `/metrics`, and OpenTelemetry traces (one span per call)."""

    metrics: bool = True  # /metrics on the serve port, behind the same token as /mcp
    traces: Literal["off", "otlp"] = "off"  # "otlp" needs the `otlp` extra (pip install 'mcp-guard[otlp]')
    otlp_endpoint: str | None = None  # default: $OTEL_EXPORTER_OTLP_ENDPOINT, else the exporter's own
    service_name: str = "mcp-guard"


class Config(_Model):
    proxy: ProxySettings = Field(default_factory=ProxySettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    bom: BomSettings = Field(default_factory=BomSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    intent: IntentSettings = Field(default_factory=IntentSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    upstreams: dict[str, UpstreamConfig] = Field(default_factory=dict)
    profiles: dict[str, Profile] = Field(default_factory=dict)

    # Where the file was read from: relative paths in it are resolved against its folder.
    source: Path | None = Field(default=None, exclude=True)
    # The sha256 of the text read there (`run` remembers the texts it accepted: proxy/prelaunch.py).
    source_digest: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _names_unambiguous(self) -> Config:
        """With several upstreams a tool is exposed as NAME<sep>TOOL: that must lead back to one upstream.
        NAME<sep>TOOL == OTHER<sep>TOOL2 exactly when one of NAME<sep>, OTHER<sep> begins the other
        (`mail` and `mail_` with `__`: both can expose `mail___send`), so such pairs are refused."""
        sep = self.proxy.separator
        if not sep:
            raise ValueError("proxy.separator must not be empty")
        for name in self.upstreams:
            if sep in name:
                raise ValueError(f"upstream name {name!r} contains the separator {sep!r}")
        prefixes = sorted(n + sep for n in self.upstreams)
        for a, b in zip(prefixes, prefixes[1:], strict=False):  # sorted: a prefix sorts just before
            if b.startswith(a):
                raise ValueError(
                    f"upstream names {a[:-len(sep)]!r} and {b[:-len(sep)]!r} are ambiguous with the separator "
                    f"{sep!r}: {b}TOOL could belong to either; rename one")
        return self

    @model_validator(mode="after")
    def _secrets_stay_put(self) -> Config:
        """`pass_env` must not hand a server another upstream's secret, a secret's source or our token."""
        sources = {ref.upper() for up in self.upstreams.values() for kind, _, ref in
                   (s.partition(":") for s in up.secrets.values()) if kind == "env" and ref}
        token = self.serve.token or ""
        if token.startswith("env:"):
            sources.add(token[4:].upper())
        for name, up in self.upstreams.items():
            others = {s.upper() for n, o in self.upstreams.items() if n != name for s in o.secrets}
            for var in up.pass_env:
                if var.upper() in sources or var.upper() in others:
                    raise ValueError(f"upstreams.{name}.pass_env: {var!r} holds a secret of mcp-guard's "
                                     "config; declare it under `secrets` instead")
        return self

    @model_validator(mode="after")
    def _isolation_not_undone(self) -> Config:
        """A server outside the namespaces reads every isolated server's /proc/PID/environ (the owner of
        a user namespace holds every capability in it), so the secrets isolation keeps are not kept."""
        plain = [n for n, up in self.upstreams.items() if up.command and not up.isolate]
        kept = [n for n, up in self.upstreams.items() if up.command and up.isolate and up.secrets]
        if plain and kept:
            raise ValueError(
                f"isolate = false on {', '.join(plain)}: a server outside the namespaces can read the environment, "
                f"secrets included, of the isolated {', '.join(kept)}; remove it, or set isolate = false on "
                f"{', '.join(kept)} too to accept that")
        return self

    def resolve(self, path: str) -> Path:
        p = Path(os.path.expanduser(path))
        if p.is_absolute() or self.source is None:
            return p
        return self.source.parent / p

    @property
    def bom_path(self) -> Path:
        # One stable home per configuration: beside the config file, or, with no file, in the state
        # folder; never the folder a command happens to be run from.
        p = Path(os.path.expanduser(self.bom.path))
        if self.source is None and not p.is_absolute():
            return state_dir() / "bom" / p.name
        return self.resolve(self.bom.path)

    @property
    def database(self) -> str | Path:
        """What `open_store` opens: the PostgreSQL URL when `[storage] url` is set, else the SQLite file."""
        url = self.storage.url
        if url is not None and url.startswith("env:"):
            url = os.environ.get(url[4:])
            if not url:
                raise ConfigError(f"storage.url names environment variable {self.storage.url[4:]}, which is not set")
        return url if url is not None else self.db_path

    @property
    def db_path(self) -> Path:
        return database_file(self.storage.path, self.source)

    def upstream(self, name: str) -> UpstreamConfig:
        try:
            return self.upstreams[name]
        except KeyError:
            known = ", ".join(sorted(self.upstreams)) or "none"
            raise ConfigError(f"no upstream named {name!r} in the config (known: {known})") from None


def unread_folder_config(in_use: Path | None) -> Path | None:
    """The ./mcp-guard.toml of the current folder when there is one and it is not the config in use.

    `run` without --config never reads it (see `folder_clash`): a client starts `run` in whatever
    folder it has open, and a repository must not choose the command or policy of the user's servers.
    """
    local = Path(DEFAULT_CONFIG_NAME)
    if not local.is_file():
        return None
    local = local.resolve()
    return None if in_use is not None and in_use.resolve() == local else local


def folder_clash(folder: Path, upstreams: dict[str, UpstreamConfig], names: list[str]) -> str | None:
    """The first of `names` that the unread config `folder` defines otherwise than `upstreams` (the
    config in use) does, a name only it defines included; None when they agree on every one."""
    try:
        data = tomllib.loads(folder.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # not a config anything reads: nothing of it can be confused with ours
    theirs = data.get("upstreams") if isinstance(data.get("upstreams"), dict) else {}
    try:
        parsed: dict[str, UpstreamConfig] | None = parse_config(data, folder).upstreams
    except ConfigError:
        parsed = None  # not valid as a whole: any name it gives clashes
    for name in names:
        if name not in theirs:
            continue
        mine = upstreams.get(name)
        if parsed is None or mine is None or parsed[name].model_dump() != mine.model_dump():
            return name
    return None


def _keys_at(loc: tuple) -> list[str]:
    """The keys the config accepts in the table at `loc` (its path; a dict's keys are the user's names)."""
    annotation: object = Config
    parts = list(loc)
    while parts:
        if typing.get_origin(annotation) is dict:
            parts.pop(0)  # an upstream's or a profile's name
            annotation = typing.get_args(annotation)[1]
            continue
        model = _model_in(annotation)
        fields = getattr(model, "model_fields", {})
        if parts[0] not in fields:
            return []
        annotation = fields[parts.pop(0)].annotation
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):  # optional: what it holds
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return list(getattr(_model_in(annotation), "model_fields", {}))


def _model_in(annotation: object) -> object:
    """The config table a field holds: itself, or what a list of it holds."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _describe(err: ValidationError, path: Path | None) -> str:
    where = str(path) if path else "config"
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            near = difflib.get_close_matches(str(e["loc"][-1]), _keys_at(e["loc"][:-1]), n=1, cutoff=0.75)
            msg = f"unknown key (did you mean {near[0]!r}?)" if near else "unknown key (check its spelling)"
        elif e["type"] == "missing":
            msg = "missing (this key is required)"
        elif e["type"] in ("literal_error", "enum"):  # say what was written beside what is allowed
            msg = f"{e['input']!r} is not allowed: {msg[0].lower()}{msg[1:]}"
        lines.append(f"{loc}: {msg}")
    if len(lines) == 1:
        return f"{where}: {lines[0]}"
    # Several mistakes: one heading, then each under it, so none reads as a line of its own error.
    return f"{where}: {len(lines)} mistakes:" + "".join(f"\n  {line}" for line in lines)


def parse_config(data: dict, source: Path | None = None) -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(err, source)) from None
    config.source = source
    if source is not None:
        # Paths in a config file are relative to its folder, so it works from wherever a client or
        # CI starts mcp-guard: an upstream's working folder, and a command given as a path.
        for up in config.upstreams.values():
            up._folder = str(source.parent)
            if up.cwd:
                up.cwd = str(config.resolve(up.cwd))
            copy = (up.command or "").startswith(("{verified}", "{verified_dir}"))  # provenance names the copy
            relative = up.command and not Path(os.path.expanduser(up.command)).is_absolute()
            if up.command and os.sep in up.command and not copy and relative:
                up.command = str(config.resolve(up.command))
    return config


def load_config(path: str | Path | None = None, *, required: bool = False, folder: bool = True) -> Config:
    """Read and validate the config; with no file anywhere, an empty config (safe defaults).
    `folder=False`: with no path given, the current folder's ./mcp-guard.toml is not read."""
    resolved = Path(path) if path else default_config_path(folder=folder)
    if resolved is None:
        if required:
            raise ConfigError(f"no config file: pass --config FILE or create ./{DEFAULT_CONFIG_NAME}")
        return Config()
    try:
        text = resolved.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{resolved}: config file not found") from None
    except IsADirectoryError:
        hint = resolved / DEFAULT_CONFIG_NAME
        raise ConfigError(f"{resolved}: is a folder; give the config file (e.g. {hint})") from None
    except OSError as err:
        raise ConfigError(f"{resolved}: cannot read config file: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{resolved}: cannot read config file: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{resolved}: not valid TOML: {err}") from None
    config = parse_config(data, resolved.resolve())
    config.source_digest = text_digest(text)
    return config
