"""Scoped credentials: secrets an upstream needs, handed over only to sessions whose profile grants them.

`[upstreams.X.secrets]` maps the environment variable the server reads to where the value lives
("env:NAME" in mcp-guard's own environment, "file:PATH" relative to the config). The relay adds
`session_env(...)` to the upstream's launch environment for that session only. Values never appear
in errors, reprs or logs. Every value read is remembered for the process (`scrub`): no text a
server writes may carry it on, whichever server wrote it (a result, a listing, an error, its stderr),
to the model, another server through the model, the review store or a log.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mcp_guard import system
from mcp_guard.errors import ConfigError

if TYPE_CHECKING:  # `run` builds a server's environment before it loads the config's models (proxy/prelaunch.py)
    from mcp_guard.config import Config, Profile, UpstreamConfig

REDACTED = "[redacted:{name}]"


class Secret(str):
    """A string whose repr does not show it (so a stray log of a dict does not leak it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"


def _read(config: Config, upstream: str, name: str, source: str) -> Secret:
    value = _source(config, upstream, name, source)
    _remember(name, value, upstream)
    return value


def _source(config: Config, upstream: str, name: str, source: str) -> Secret:
    kind, _, ref = source.partition(":")
    where = f"upstreams.{upstream}.secrets.{name}"
    if kind == "env" and ref:
        value = os.environ.get(ref)
        if value is None:
            raise ConfigError(f"{where}: environment variable {ref} is not set")
        return Secret(value)
    if kind == "file" and ref:
        path = config.resolve(ref)
        try:
            return Secret(path.read_text(encoding="utf-8").strip())
        except OSError as err:
            raise ConfigError(f"{where}: cannot read {path}: {err.strerror}") from None
    raise ConfigError(f"{where}: source must be 'env:NAME' or 'file:PATH'")


def granted(upstream: UpstreamConfig, profile: Profile | None) -> list[str]:
    """Names of this upstream's secrets that the profile grants (none without a profile)."""
    if profile is None:
        return []
    return [n for n in upstream.secrets if n in profile.grants]


def session_env(config: Config, upstream: str, profile: str | None) -> dict[str, Secret]:
    """Environment additions for one session's upstream: only the granted secrets, read now."""
    up = config.upstream(upstream)
    prof = config.profiles.get(profile) if profile else None
    if profile and prof is None:
        raise ConfigError(f"no profile named {profile!r} in the config")
    return {n: _read(config, upstream, n, up.secrets[n]) for n in granted(up, prof)}


def available_secrets(config: Config, upstream: str) -> tuple[dict[str, Secret], list[str]]:
    """Every declared secret of an upstream that this environment holds, and the names it lacks: for
    the operator's own commands (bom generate, scan, doctor), never for an agent's session."""
    found: dict[str, Secret] = {}
    missing: list[str] = []
    for name, source in config.upstream(upstream).secrets.items():
        try:
            found[name] = _read(config, upstream, name, source)
        except ConfigError:
            missing.append(name)
    return found, missing


# What any program needs to run, find its files and reach the network, and nothing that is one
# upstream's business: an upstream process inherits only these from mcp-guard's environment (compared
# without case: Windows names are case-insensitive, and proxy variables come in both cases). Left out
# on purpose: npm_config_* (may hold registry auth tokens), NODE_OPTIONS / PYTHONPATH (change what
# code runs), and everything else; an entry names more with `pass_env`, or sets values with `env`.
ORDINARY_ENV = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR", "TEMP", "TMP",
    "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
    # Windows: a process cannot start, or find its profile, without these.
    "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA",
    "PROGRAMFILES", "PROGRAMFILES(X86)", "PROGRAMW6432", "USERPROFILE", "HOMEDRIVE", "HOMEPATH", "USERNAME",
    "PROCESSOR_ARCHITECTURE", "NUMBER_OF_PROCESSORS", "OS",
    # The network as this machine reaches it: proxies and the certificate authorities it trusts.
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
})
ORDINARY_PREFIXES = ("LC_",)
# Of those, what decides which program and code runs (PATH; HOME and the XDG folders: user site-packages,
# npm and uv caches and settings), where temporary files go, and where traffic goes and whom it trusts:
# an upstream with secrets takes these from the system or its entry, never from whoever started us.
LOCATING_ENV = frozenset({
    "PATH", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
    "TMPDIR", "TMP", "TEMP",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
})
OWN_PREFIX = "MCP_GUARD_"  # mcp-guard's own settings and tokens: never handed to a server


def ordinary(name: str) -> bool:
    upper = name.upper()
    return (upper in ORDINARY_ENV or upper.startswith(ORDINARY_PREFIXES)) and not upper.startswith(OWN_PREFIX)


def upstream_env(upstream: UpstreamConfig, additions: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The whole environment of one upstream process (the proxy and `bom`/`scan`/`doctor` alike): the
    ordinary variables, the names its entry passes on (`pass_env`), its entry's `env`, then
    `additions` (the secrets a session is granted; None removes a name). Nothing else of ours: not
    another upstream's secrets or their sources, not mcp-guard's tokens."""
    passed = {n.upper() for n in upstream.pass_env}
    # Whoever starts mcp-guard sets its environment (a project's client entry can): for a server that
    # gets secrets, or runs a verified copy (through a runner found by name: python3, node, npx, uvx, and
    # what they load from HOME or fetch through a proxy), it must not choose which program runs, what
    # code that loads, nor where its traffic goes. Those variables come from the system (PATH, HOME),
    # else from its entry (`env`, `pass_env`).
    pinned = bool(upstream.secrets) or verified_launch(upstream)
    located = LOCATING_ENV if pinned else frozenset()
    env = {k: v for k, v in os.environ.items()
           if (ordinary(k) and k.upper() not in located)
           or (k.upper() in passed and not k.upper().startswith(OWN_PREFIX))}
    if pinned:
        env.update({k: v for k, v in system.system_locations(upstream.command).items() if k not in passed})
    if upstream.launch_cwd() is None and any(a in ("-m", "-c") for a in upstream.args):
        # It starts in the client's folder (no config entry defines it): `python -m/-c` would put that
        # folder first on sys.path, and a repository's module would run as this server.
        env["PYTHONSAFEPATH"] = "1"
    env.update(upstream.env)
    for name, value in (additions or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def verified_launch(upstream: UpstreamConfig) -> bool:
    """Whether the upstream starts only through the provenance gate (its launch runs a verified copy)."""
    provenance = getattr(upstream, "provenance", None)
    return provenance is not None and provenance.mode != "off"


def withheld(config: Config, upstream: str) -> list[str]:
    """Secret names an upstream declares: strip them from any environment it inherits."""
    return list(config.upstream(upstream).secrets)


class Redactor:
    """Replaces known secret values in text (in any letter case) with a marker naming the secret."""

    def __init__(self, secrets: dict[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        items = secrets.items() if isinstance(secrets, dict) else secrets
        pairs = sorted(((str(v), n) for n, v in items if v and len(str(v)) >= 4), key=lambda p: -len(p[0]))
        self._names = {value.lower(): name for value, name in reversed(pairs)}
        self._pattern = None
        if pairs:  # imported here: `run` loads this module before it starts a server, the audit log after
            from mcp_guard.audit.data import any_of

            self._pattern = any_of(v for v, _ in pairs)

    def __call__(self, text: str) -> str:
        if self._pattern is None or not self.found_in(text):
            return text
        return self._pattern.sub(lambda m: REDACTED.format(name=self._names.get(m.group(0).lower(), "secret")), text)

    def name_in(self, text: str) -> str | None:
        """The name of a secret `text` holds (None when it holds none)."""
        lowered = text.lower()
        return next((name for value, name in self._names.items() if value in lowered), None)

    def found_in(self, text: str) -> bool:
        """Whether `text` holds a secret: plain substring tests of the lower-cased text (a regular
        expression that ignores case costs a hundred times more, and most text holds none)."""
        if not self._names:
            return False
        lowered = text.lower()
        return any(value in lowered for value in self._names)


# Every secret value this process has read (value -> its name), and the redactor of them all.
_READ: dict[str, str] = {}
_scrubber = Redactor()
# Each spelling's upstreams: those it was read for (None: a remote upstream's header, read without its name).
_OWNERS: dict[str, set[str | None]] = {}
_FOREIGN: dict[str, Redactor] = {}  # upstream -> the redactor of the secrets it was not given


# The lower-cased bytes of every spelling, while each one is written as it is inside any JSON string an
# encoder writes (else None: a message is then always walked). An encoder may escape `/` as `\/`.
_RAW_FORMS: list[bytes] | None = []
_VERBATIM = re.compile(r"[A-Za-z0-9 !#$%'()*+,./:;=?@\[\]^_`{|}~-]+")


# A header whose name says it carries a credential; other configured headers (Accept, a tenant's name) are no
# secret, and scrubbing their values would rewrite what servers say.
_CREDENTIAL_HEADER = re.compile(r"auth|token|key|secret|session|cookie|passw|signature", re.IGNORECASE)


def remember_headers(headers: Mapping[str, str], upstream: str | None = None) -> None:
    """A remote upstream's credential headers (`Authorization = "Bearer …"`) are secrets read, as its
    `secrets` are: scrubbed from whatever any server writes, the token after an auth scheme alone too."""
    for name, value in headers.items():
        if _CREDENTIAL_HEADER.search(name) and value:
            _remember(name, value, upstream)
            scheme, _, token = value.strip().partition(" ")
            if token and scheme.isalpha():
                _remember(name, token.strip(), upstream)


def _remember(name: str, value: str, upstream: str | None = None) -> None:
    global _scrubber, _RAW_FORMS
    spellings = _spellings(value)
    for form in spellings:
        owners = _OWNERS.setdefault(form, set())
        if upstream not in owners:
            owners.add(upstream)
            _FOREIGN.clear()
    forms = {form for form in spellings if _READ.get(form) != name}
    if forms:
        _READ.update(dict.fromkeys(forms, name))
        _scrubber = Redactor([(n, v) for v, n in _READ.items()])
        verbatim = all(_VERBATIM.fullmatch(form) for form in _READ)
        _RAW_FORMS = [form.lower().encode() for form in _READ] if verbatim else None


def spellings(value: str) -> set[str]:
    """A secret as it is and in every spelling the scrub knows (what the audit log redacts)."""
    return {value, *_spellings(value)} if value else set()


def _spellings(value: str) -> set[str]:
    """A secret as a server may write it: as it is, percent-encoded (a URL's query), and in base64 (a
    Basic `Authorization` header encodes `user:secret`, so the secret may start at any of the three
    byte offsets of a base64 group: the characters that encode only its own bytes, at each offset)."""
    from urllib.parse import quote, quote_plus

    if not value:
        return set()
    # As it is, percent-encoded (a query's way and a path's, which keeps `/`), with `/` escaped as some JSON
    # encoders write it, and each line of a value of several lines (a PEM key on a server's stderr, which
    # is read line by line).
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value), value.replace("/", "\\/")}
    forms |= {line.strip() for line in value.splitlines()}
    raw = value.encode()
    if len(raw) >= 12:  # shorter, the part that encodes only its own bytes is too short to mean it
        for pad in range(3):
            coded = base64.b64encode(b"\0" * pad + raw).decode()
            inner = coded[4 * -(-pad // 3): 4 * ((pad + len(raw)) // 3)]
            forms |= {inner, inner.replace("+", "-").replace("/", "_")}
    # Eight characters or more: a shorter value is a word a server may well write as its own (a tool's
    # name, a field), and rewriting it would change what it says; the audit log redacts any length.
    return {f for f in forms if len(f) >= 8}


def scrub_text(text: str) -> str:
    """`text` without any secret value this process has read."""
    return _scrubber(text)


def scrub(data: Any) -> Any:
    """A parsed message (any JSON value) without any secret value this process has read, in its keys
    or strings at any depth; `data` itself when it holds none."""
    return _scrub(data, _scrubber) if _READ and _carries(data, _scrubber) else data


def foreign_secret(data: Any, upstream: str) -> str | None:
    """The name of a secret that `data` (what a client sends `upstream`: a call's arguments, a read's
    name) carries in any spelling the scrub knows (also with invisible characters or spaces between its
    characters), read for another upstream and not for this one; None when it carries none. A secret
    reaches only the upstream it was granted to."""
    if not _READ:
        return None
    r = _FOREIGN.get(upstream)
    if r is None:
        r = _FOREIGN[upstream] = Redactor([(n, v) for v, n in _READ.items() if upstream not in _OWNERS.get(v, ())])
    return _name_carried(data, r)


_SPACE = re.compile(r"\s+")


def _squeezed(text: str) -> str:
    """The text without what its reader drops or a sender slips between a secret's characters to hide it:
    invisible characters (zero-width, format) and every space (`s k - l i v e …`)."""
    from mcp_guard.scan import strip_hidden

    return _SPACE.sub("", strip_hidden(text))


def _name_carried(data: Any, r: Redactor) -> str | None:
    if isinstance(data, str):
        if r.found_in(data):
            return r.name_in(data)
        squeezed = _squeezed(data)
        return r.name_in(squeezed) if squeezed != data and r.found_in(squeezed) else None
    if isinstance(data, int | float) and not isinstance(data, bool):
        return _name_carried(str(data), r)
    if isinstance(data, Mapping):
        return next((n for k, v in data.items() if (n := _name_carried(str(k), r) or _name_carried(v, r))), None)
    if isinstance(data, list | tuple):
        return next((n for v in data if (n := _name_carried(v, r))), None)
    return None


def scrub_message(msg: Any, raw: bytes | None) -> tuple[Any, bytes | None]:
    """`scrub` for a message and its bytes as received: the bytes, when there are some, answer most
    messages (no secret in them) at the cost of one search; a changed message loses its bytes."""
    if not _READ:
        return msg, raw
    if raw is not None and _RAW_FORMS is not None:
        lowered = raw.lower().replace(b"\\/", b"/")
        # A `\u` escape may spell any character (a server need not write as encoders do): only bytes
        # without one show every spelling of a secret as it is.
        if b"\\u" not in lowered and not any(form in lowered for form in _RAW_FORMS):
            return msg, raw
        # Bytes that may spell a secret are never forwarded as they are, even when the message they parse
        # to holds none: a key the parser dropped (the first of two duplicates) is still in them.
        return scrub(msg), None
    scrubbed = scrub(msg)
    return (msg, raw) if scrubbed is msg else (scrubbed, None)


def _carries(data: Any, r: Redactor) -> bool:
    if isinstance(data, str):
        return r.found_in(data)
    if isinstance(data, int | float) and not isinstance(data, bool):  # a numeric key written as a number
        return r.found_in(str(data))
    if isinstance(data, Mapping):
        return any(_carries(k, r) or _carries(v, r) for k, v in data.items())
    if isinstance(data, list | tuple):
        return any(_carries(v, r) for v in data)
    return False


def _scrub(data: Any, r: Redactor) -> Any:
    if isinstance(data, str):
        return r(data)
    if isinstance(data, int | float) and not isinstance(data, bool) and r.found_in(str(data)):
        return r(str(data))
    if isinstance(data, Mapping):
        return {r(str(k)): _scrub(v, r) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_scrub(v, r) for v in data]
    return data


class ScrubbedLog(logging.Filter):
    """A log handler's filter: no record it writes carries a secret value this process has read."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _READ:
            text = record.getMessage()
            if _scrubber.found_in(text):
                record.msg, record.args = scrub_text(text), ()
            if record.exc_info and not record.exc_text:  # a traceback's messages too (the formatter keeps this)
                record.exc_text = scrub_text(logging.Formatter().formatException(record.exc_info))
        return True
