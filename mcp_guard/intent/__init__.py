"""Session intent: what a session was declared for, and whether each tool call fits it.

- `engine`: the default engine: where a call's values came from (request, results, nowhere).
- `record`: the bounded per-session record of the values tool results carried.
- `values`: address-like values (e-mail, web address, host, IBAN, phone, path) in text.
- `profile`: profiles from the config (globs, argument constraints, budgets, expiry).
- `tools`: read / write / destructive classification of tools.
- `sessions`: where a session's intent comes from (flag, env, config, bearer token, Claude Code hook).
- `credentials`: secrets handed to upstreams only for sessions whose profile grants them.
The guard the relay calls is `mcp_guard.guards.intent.IntentGuard`.
"""

from typing import Any

__all__ = ["DeclaredIntent", "DefaultEngine", "Verdict"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: `run` reads where its intent comes from (`sessions`) before it starts its
    # servers, and the engine's tables are not needed until the guards are built.
    if name in __all__:
        from mcp_guard.intent import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
