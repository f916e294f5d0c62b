"""Scoped credentials: secrets an upstream needs, handed over only to sessions whose profile grants them.

`[upstreams.X.secrets]` maps the environment variable the server reads to where the value lives
("env:NAME" in mcp-guard's own environment, "file:PATH" relative to the config). The relay adds
`session_env(...)` to the upstream's launch environment for that session only. Values never appear
in errors, reprs or logs: `Redactor` scrubs them from any text that is about to be logged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from mcp_guard.config import Config, Profile, UpstreamConfig
from mcp_guard.errors import ConfigError

REDACTED = "[redacted:{name}]"


class Secret(str):
    """A string whose repr does not show it (so a stray log of a dict does not leak it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"


def _read(config: Config, upstream: str, name: str, source: str) -> Secret:
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


def withheld(config: Config, upstream: str) -> list[str]:
    """Secret names an upstream declares: strip them from any environment it inherits."""
    return list(config.upstream(upstream).secrets)


class Redactor:
    """Replaces known secret values in text with a marker naming the secret."""

    def __init__(self, secrets: dict[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        items = secrets.items() if isinstance(secrets, dict) else secrets
        # Longest first, so a secret that contains another is replaced whole.
        self._pairs = sorted(((str(v), n) for n, v in items if v and len(str(v)) >= 4), key=lambda p: -len(p[0]))

    def __call__(self, text: str) -> str:
        for value, name in self._pairs:
            if value in text:
                text = text.replace(value, REDACTED.format(name=name))
        return text
