"""The `mcp-guard` command. This package only parses arguments and renders results.

Each module here registers the subcommands of one area and imports the code that does the work
lazily, inside the handler, so that `mcp-guard run` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mcp_guard import __version__
from mcp_guard.errors import GuardError

# Modules under mcp_guard.cli, each with `register(subparsers)`.
COMMAND_MODULES = ("proxy", "bom", "provenance", "scan", "intent", "audit", "clients")
CONFIG_HELP = ("config file (default: $MCP_GUARD_CONFIG, then ./mcp-guard.toml (never for `run`), "
               "then $XDG_CONFIG_HOME/mcp-guard/mcp-guard.toml, i.e. ~/.config/…)")


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: it also takes --config, so `mcp-guard run --config F` works as
    `mcp-guard --config F run` does (argparse makes nested subcommands' parsers of this class too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # SUPPRESS: absent here, it does not overwrite a --config given before the command.
        self.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcp-guard",
        description="An MCP proxy that verifies, reviews and polices the tools agents call.",
    )
    parser.add_argument("--version", action="version", version=f"mcp-guard {__version__}")
    parser.add_argument("--config", "-c", metavar="FILE", help=CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"mcp_guard.cli.{name}").register(sub)
    return parser


def fail(message: str, code: int = 2) -> int:
    # What the command printed comes first even when both streams go to one pipe (`2>&1 | less`).
    sys.stdout.flush()
    print(f"mcp-guard: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except GuardError as err:
        return fail(err.message, err.exit_code)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
