"""Where a session's declared intent comes from, and how it stays bound.

- `mcp-guard run --intent "…" [--profile P]`, else $MCP_GUARD_INTENT / $MCP_GUARD_PROFILE, else the
  config's `[intent] text` / `default_profile`: `declared_intent()`.
- HTTP clients: `mcp-guard session start` issues a bearer token; only its sha256 is stored, and
  `resolve_token()` turns a presented token back into the session's id, intent and profile.
- Claude Code: the `UserPromptSubmit` hook (`mcp-guard intent hook`) records each prompt the person
  typed, keyed by Claude's session id and the project folder; `hook_intent()` reads it back.

To install the hook, add to the project's `.claude/settings.json` (or the user's):

    {"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": "mcp-guard intent hook"}]}]}}

The proxy Claude Code starts then reads the record through `hook_intent_source()`, only when Claude
Code started it (`CLAUDECODE=1` in its environment: a `run` that another client or a person started
never takes a person's prompts from the folder it happens to run in). Claude Code names its session to
the servers it starts (`CLAUDE_CODE_SESSION_ID`): that session's prompts are the ones in force. An
older Claude Code that does not leaves the project folder ($CLAUDE_PROJECT_DIR, or the cwd) as the
key: the most recently prompted session of that project when the proxy first looks is the one in
force from then on (another session's later prompts in the same folder never widen it).

Intent is only ever written by these paths (a person's command or a person's prompt): nothing an
agent sends through the proxy reaches them, so an agent cannot widen its own scope.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_guard.canonical import timestamp
from mcp_guard.config import Config
from mcp_guard.errors import ConfigError, GuardError

if TYPE_CHECKING:  # `mcp-guard run` reads the declared intent before it opens the database
    from mcp_guard.store import Store

INTENT_ENV = "MCP_GUARD_INTENT"
PROFILE_ENV = "MCP_GUARD_PROFILE"
TOKEN_PREFIX = "mcpg_"
# A hook-recorded session keeps the person's prompts of this session, newest last, up to this size.
MAX_INTENT_CHARS = 16_000
PROMPT_SEPARATOR = "\n\n"


class SessionError(GuardError):
    """A session token is unknown or expired, or a session command got bad input."""


@dataclass(frozen=True, slots=True)
class BoundIntent:
    """What the relay puts into `SessionInfo`: the session id to use, its intent and profile."""

    session_id: str | None
    intent: str | None
    profile: str | None
    owner: str | None = None
    source: str = "run"


def _now() -> datetime:
    return datetime.now(UTC)


def parse_ttl(text: str) -> timedelta:
    """'90s', '30m', '2h', '1d' (or a bare number of seconds)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not m or float(m.group(1)) <= 0:
        raise SessionError(f"bad --ttl {text!r}: give a positive duration such as 90s, 30m, 2h or 1d")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    try:
        ttl = timedelta(seconds=float(m.group(1)) * unit)
        _now() + ttl  # the expiry must be a date
    except OverflowError:
        raise SessionError(f"bad --ttl {text!r}: longer than a date can reach") from None
    return ttl


def _check_profile(config: Config, profile: str | None) -> str | None:
    if profile is not None and profile not in config.profiles:
        known = ", ".join(sorted(config.profiles)) or "none"
        raise ConfigError(f"no profile named {profile!r} in the config (known: {known})")
    return profile


def declared_intent(config: Config, intent: str | None = None, profile: str | None = None) -> BoundIntent:
    """The intent of a `mcp-guard run` session: flag, then environment, then config."""
    text = intent or os.environ.get(INTENT_ENV) or config.intent.text
    prof = profile or os.environ.get(PROFILE_ENV) or config.intent.default_profile
    _check_profile(config, prof)
    owner = config.profiles[prof].owner if prof else None
    return BoundIntent(None, text or None, prof, owner, "run")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    store: Store, config: Config, intent: str, profile: str | None, ttl: timedelta
) -> tuple[str, str, datetime]:
    """Create a token-bound session; return (session id, token, expiry). The token is shown once."""
    if not intent or not intent.strip():
        raise SessionError("--intent must say what the session is for")
    _check_profile(config, profile)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session_id = "s-" + secrets.token_hex(6)
    now = _now()
    expires = now + ttl
    _insert(store, {
        "id": session_id,
        "intent": intent.strip(),
        "profile": profile,
        "owner": config.profiles[profile].owner if profile else None,
        "token_hash": token_hash(token),
        "started": timestamp(now),
        "expires": timestamp(expires),
        "source": "token",
        "cwd": None,
        "updated": timestamp(now),
    })
    return session_id, token, expires


_COLUMNS = ("id", "intent", "profile", "owner", "token_hash", "started", "expires", "source", "cwd", "updated")


def _insert(store: Store, row: dict) -> None:
    store.execute(f"INSERT INTO sessions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                  [row[c] for c in _COLUMNS])


def _rows(store: Store, where: str, params: list, tail: str = "") -> list[dict]:
    sql = f"SELECT {', '.join(_COLUMNS)} FROM sessions" + (f" WHERE {where}" if where else "") + tail
    return [dict(zip(_COLUMNS, row, strict=True)) for row in store.execute(sql, params).fetchall()]


def resolve_token(store: Store, token: str) -> BoundIntent:
    """The session a bearer token is bound to; an unknown or expired token is refused."""
    token = token.removeprefix("Bearer ").strip()
    rows = _rows(store, "token_hash = ?", [token_hash(token)])
    if not rows:
        raise SessionError("unknown session token: start one with `mcp-guard session start`")
    row = rows[0]
    if row["expires"] and datetime.fromisoformat(row["expires"]) <= _now():
        raise SessionError(f"session {row['id']} expired at {row['expires']}: start a new one")
    return BoundIntent(row["id"], row["intent"], row["profile"], row["owner"], "token")


def tokens_live(store: Store) -> bool:
    """Whether any `session start` token on this database is unexpired (and not ended)."""
    row = store.execute("SELECT 1 FROM sessions WHERE source = 'token' AND expires > ? LIMIT 1",
                        [timestamp(_now())]).fetchone()
    return row is not None


def end_session(store: Store, session_id: str) -> None:
    done = store.execute("UPDATE sessions SET expires = ? WHERE id = ?", [timestamp(_now()), session_id])
    if done.rowcount != 1:
        raise SessionError(f"no session {session_id!r}")


def record_prompt(store: Store, session_id: str, prompt: str, cwd: str | None) -> str:
    """Append a person's prompt to the session's intent (the hook's job); return the whole intent."""
    if not session_id:
        raise SessionError("the hook input has no session_id")
    prompt = (prompt or "").strip()
    now = timestamp(_now())
    folder = str(Path(cwd).resolve()) if cwd else None
    with store.write():  # two prompts at once both land
        rows = _rows(store, "id = ?", [session_id])
        if rows:
            intent = rows[0]["intent"]
            intent = (intent + PROMPT_SEPARATOR + prompt) if intent and prompt else (intent or prompt)
            intent = intent[-MAX_INTENT_CHARS:]
            store.execute("UPDATE sessions SET intent = ?, updated = ?, cwd = ? WHERE id = ?",
                          [intent, now, folder or rows[0]["cwd"], session_id])
            return intent
        _insert(store, {
            "id": session_id,
            "intent": prompt[-MAX_INTENT_CHARS:],
            "profile": None,
            "owner": None,
            "token_hash": None,
            "started": now,
            "expires": None,
            "source": "hook",
            "cwd": folder,
            "updated": now,
        })
    return prompt


def hook_intent(store: Store, *, session_id: str | None = None, cwd: str | None = None) -> BoundIntent | None:
    """The hook-recorded intent: of this Claude Code session, else the latest one in this project."""
    if session_id:
        rows = _rows(store, "id = ? AND source = 'hook'", [session_id])
    elif cwd:
        rows = _rows(store, "cwd = ? AND source = 'hook'", [str(Path(cwd).resolve())],
                     " ORDER BY updated DESC LIMIT 1")
    else:
        return None
    if not rows:
        return None
    r = rows[0]
    return BoundIntent(r["id"], r["intent"], r["profile"], r["owner"], "hook")


def hook_intent_source(store: Store, cwd: str | None = None, environ: Mapping[str, str] | None = None):
    """For `IntentGuard(intent_source=...)` when a `run` session declared no intent: before each call,
    the prompts the person typed (the Claude Code hook's record) of the Claude Code session that
    started this process, else of its project (`cwd`: that folder, for a caller that knows it).
    None (no source at all) for a process Claude Code did not start."""
    env = os.environ if environ is None else environ
    claude_session = env.get("CLAUDE_CODE_SESSION_ID") or None
    if cwd is None and claude_session is None and env.get("CLAUDECODE") != "1":
        return None
    folder = cwd or env.get("CLAUDE_PROJECT_DIR") or os.getcwd()
    pinned: list[str] = [claude_session] if claude_session else []

    def source(session) -> str | None:
        if pinned:
            bound = hook_intent(store, session_id=pinned[0])
        else:  # not named: the project's latest session, kept from now on (another one's prompts are not ours)
            bound = hook_intent(store, cwd=folder)
            if bound is not None and bound.session_id:
                pinned.append(bound.session_id)
        return bound.intent if bound else None

    return source


def list_sessions(store: Store) -> list[dict]:
    return _rows(store, "", [], " ORDER BY started, id")
