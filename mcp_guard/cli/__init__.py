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
# The commands each module registers: a command line that names one builds only its module's parsers
# (all of them cost `run` ~25 ms of CPU before it can start its server).
COMMANDS = {"run": "proxy", "serve": "proxy", "demo": "proxy", "bom": "bom", "review": "bom",
            "verify": "provenance", "scan": "scan", "session": "intent", "approvals": "intent",
            "intent": "intent", "audit": "audit", "report": "audit", "wrap": "clients", "unwrap": "clients",
            "doctor": "clients"}
CONFIG_HELP = ("config file (default: $MCP_GUARD_CONFIG, then ./mcp-guard.toml (never for `run`), "
               "then $XDG_CONFIG_HOME/mcp-guard/mcp-guard.toml, i.e. ~/.config/…)")


class SuggestingParser(argparse.ArgumentParser):
    """A parser whose usage errors name the closest option or command to a mistyped one."""

    def error(self, message: str):  # type: ignore[override]
        import difflib
        import re

        typed = re.match(r"argument \S+: invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if typed and (placed := self._misplaced(typed.group(1))):
            super().error(f"{message} ({placed})")
        if typed:
            words, wanted = [typed.group(1)], re.findall(r"'([^']*)'", typed.group(2))
        else:
            unknown = message.removeprefix("unrecognized arguments: ")
            words = [w.split("=", 1)[0] for w in unknown.split() if w.startswith("-")] if unknown != message else []
            wanted = list(self._option_string_actions)
        for word in words:
            close = difflib.get_close_matches(word, wanted, n=1, cutoff=0.75)
            if close and close[0] == word:  # the command's own option, written before the command's name
                message += f" ({word} is an option of '{self.prog}': write it after '{self.prog.split()[-1]}')"
                break
            if close:
                message += f" (did you mean {close[0]!r}?)"
                break
            owners = commands_taking(word)
            if 0 < len(owners) <= 3:  # e.g. `--verbose`, which only the proxy commands take
                message += f" ({word} is an option of {' and '.join(repr(o) for o in owners)} only)"
                break
            if owners:
                message += f" ({word} is another command's option; `{self.prog} -h` lists this one's)"
                break
        super().error(message)


    argv: list[str] = []  # the words parsed (set by `main`), for what a message about one of them needs around it

    def _misplaced(self, word: str) -> str:
        """`mcp-guard --intent hello run`: "hello" is no command because it is the value of a command's option
        written before the command. The hint for that, or ""."""
        at = self.argv.index(word) if word in self.argv else -1
        option = self.argv[at - 1] if at > 0 else ""
        if not option.startswith("-") or option in self._option_string_actions:
            return ""
        owners = commands_taking(option)
        if not owners:
            return ""
        where = " and ".join(repr(o) for o in owners[:3]) + (" …" if len(owners) > 3 else "")
        return f"{option} {word} is an option of {where}: write it after the command"


def commands_taking(option: str) -> list[str]:
    """The commands (with their subcommands) that take `option`: every command's parser is built,
    which costs the imports a usage error can afford."""
    found: list[str] = []

    def walk(parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in dict.fromkeys(action.choices.values()):
                    if option in sub._option_string_actions:
                        found.append(sub.prog)
                    walk(sub)

    walk(build_parser())
    return found


class CommandParser(SuggestingParser):
    """A subcommand's parser: it also takes --config, so `mcp-guard run --config F` works as
    `mcp-guard --config F run` does (argparse makes nested subcommands' parsers of this class too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # SUPPRESS: absent here, it does not overwrite a --config given before the command.
        self.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)


def named_module(argv: list[str]) -> str | None:
    """The module of the command `argv` names, when the words before it are only `--config FILE`;
    None otherwise (no command, help, --version, an unknown word): then every module is needed."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] not in ("--config", "-c") and not argv[i].startswith(("--config=", "-c")):
            return None
        i += 2 if argv[i] in ("--config", "-c") else 1
    return COMMANDS.get(argv[i]) if i < len(argv) else None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `argv`, only the parsers of the command it names (if any)."""
    parser = SuggestingParser(
        prog="mcp-guard",
        description="An MCP proxy that verifies, reviews and polices the tools agents call.",
    )
    parser.add_argument("--version", action="version", version=f"mcp-guard {__version__}")
    parser.add_argument("--config", "-c", metavar="FILE", help=CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    named = named_module(argv) if argv is not None else None
    for name in (named,) if named else COMMAND_MODULES:
        importlib.import_module(f"mcp_guard.cli.{name}").register(sub)
    return parser


def command_parser(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The parser of the (sub)command `argv` names: its words followed down the subcommands."""
    for word in argv:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if subs and word in subs[0].choices:
            parser = subs[0].choices[word]
    return parser


def fail(message: str, code: int = 2) -> int:
    # What the command printed comes first even when both streams go to one pipe (`2>&1 | less`).
    sys.stdout.flush()
    print(f"mcp-guard: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    parser.argv = argv
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser, whose usage lists what it takes
        command_parser(parser, argv).error(f"unrecognized arguments: {' '.join(unknown)}")
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
