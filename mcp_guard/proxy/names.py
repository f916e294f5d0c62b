"""Default names of ad-hoc upstreams (`mcp-guard run -- CMD ARGS`): from the package the command runs.

A name is where an upstream's reviews live, so it must be stable (the same server started another
way keeps its name: `python -m mcp_server_time` and `.venv/bin/mcp-server-time`, `npx -y @s/pkg`
and `node …/node_modules/@s/pkg/dist/index.js`) and distinct (two servers whose entry file is
`dist/index.js` are not both `index`). Besides the name, `adhoc_source` gives the identity it
stands for: the package, or the folder of a local script, so that one state can tell two different
servers apart when they still derive the same name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# Programs that run a package named by their first positional argument.
_PACKAGE_RUNNERS = {"npx", "bunx", "pnpx", "uvx", "pipx"}
# Programs followed by a subcommand, then a package: `uv tool run X`, `npm exec X`, `pnpm dlx X`.
_SUBCOMMANDS = {"uv": {"run", "tool", "x"}, "npm": {"exec", "x"}, "pnpm": {"dlx", "exec"}, "yarn": {"dlx", "exec"},
                "pipx": {"run"}, "deno": {"run"}, "bun": {"run", "x"}, "docker": {"run"}, "podman": {"run"}}
# Interpreters whose first positional argument is a script (or, with -m, a module).
_INTERPRETERS = re.compile(r"^(python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bun|tsx|ts-node)(\.exe)?$")
# Options whose value is the package to run.
_PACKAGE_OPTIONS = {"--from", "-p", "--package"}
# Options that take a value which is not the package (so the value is not mistaken for it).
_VALUE_OPTIONS = {"-e", "--env", "-v", "--volume", "--name", "--network", "--mount", "-w", "--workdir", "-u",
                  "--user", "--entrypoint", "--with", "--python", "-c", "--cwd", "--env-file", "--registry",
                  "--index-url", "--platform", "--pull"}
# Entry files and build folders that say nothing about which server it is.
_GENERIC = {"index", "main", "server", "app", "cli", "run", "start", "__main__", "__init__", "mcp", "stdio"}
_FOLDERS = {"dist", "build", "lib", "src", "bin", "out", "esm", "cjs", "scripts", "node_modules", "site-packages"}
_SCRIPT_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".pyz")


def normalise(name: str) -> str:
    """One spelling per name: lower case, runs of `_`, `.`, `-` and other punctuation as one `-`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def adhoc_source(command: str, args: list[str]) -> tuple[str, str]:
    """(name, identity) of what `command args` runs; identity is `package:NAME` or `path:FOLDER`."""
    program = Path(command).name
    words = list(args)
    subcommands = _SUBCOMMANDS.get(program, set())
    while words and words[0] in subcommands:  # `uv tool run`, `npm exec`, `docker run`
        words.pop(0)
    interpreter = _INTERPRETERS.match(program)
    if program in _PACKAGE_RUNNERS or (subcommands and not interpreter) or (interpreter and words and
                                                                             _is_spec(words)):
        found = _package_argument(words)
        if found is not None:
            return _from_spec(found)
    if interpreter:
        module = _module_argument(words)
        if module is not None:
            name = normalise(module.split(".")[0])
            return name, f"package:{name}"
        script = _first_positional(words)
        if script is not None:
            return _from_path(script)
    return _from_path(command, program=True)


def _is_spec(words: list[str]) -> bool:
    """`deno run npm:@s/pkg`, `bun x pkg`: a package named by a registry prefix."""
    first = _first_positional(words)
    return first is not None and first.startswith(("npm:", "jsr:"))


def _first_positional(words: list[str]) -> str | None:
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word == "--":
            continue
        if word.startswith("-"):
            skip = word in _VALUE_OPTIONS or word in _PACKAGE_OPTIONS
            continue
        return word
    return None


def _package_argument(words: list[str]) -> str | None:
    for i, word in enumerate(words):
        if word in _PACKAGE_OPTIONS and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(tuple(f"{o}=" for o in _PACKAGE_OPTIONS if o.startswith("--"))):
            return word.split("=", 1)[1]
    return _first_positional(words)


def _module_argument(words: list[str]) -> str | None:
    for i, word in enumerate(words):
        if word == "-m" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("-m") and len(word) > 2:
            return word[2:]
        if not word.startswith("-"):
            return None
    return None


def _from_spec(spec: str) -> tuple[str, str]:
    """A package as a runner names it: `@scope/name@1.2`, `name==1.2`, `npm:name`, an image `org/name:tag`."""
    spec = re.sub(r"^(npm|jsr|pypi):", "", spec)
    if spec.startswith((".", "/", "~")) or spec.endswith(_SCRIPT_SUFFIXES):
        return _from_path(spec)
    if "://" in spec or spec.startswith("git+"):
        base = spec.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        name = normalise(re.split(r"[@#]", base)[0]) or "upstream"
        return name, f"package:{spec}"
    scoped = spec.startswith("@")
    body = spec[1:] if scoped else spec
    body = re.split(r"[@=<>~!\[;: ]", body, maxsplit=1)[0]  # version, extras, tag
    package = ("@" if scoped else "") + body
    name = normalise(body.rsplit("/", 1)[-1]) or "upstream"
    return name, f"package:{normalise(package) if not scoped else package.lower()}"


def _from_path(path: str, *, program: bool = False) -> tuple[str, str]:
    """A script or program by its path: the package it belongs to, else its own (or its folder's) name."""
    p = Path(path).expanduser()
    if p.parent.name == ".bin" and p.is_symlink():  # node_modules/.bin/CMD links into its package
        return _from_path(str(p.resolve()), program=program)
    if "node_modules" in p.parts:  # …/node_modules/@scope/NAME/dist/index.js
        i = len(p.parts) - 1 - p.parts[::-1].index("node_modules")
        rest = p.parts[i + 1:]
        if rest and rest[0].startswith("@") and len(rest) > 1:
            return _from_spec(f"{rest[0]}/{rest[1]}")
        if rest:
            return _from_spec(rest[0])
    if program and len(p.parts) == 1:  # a program found on PATH: its name is all there is
        name = normalise(p.name) or "upstream"
        return name, f"package:{name}"
    declared = _package_json_name(p)
    if declared is not None:
        return _from_spec(declared)
    full = _resolved(p)
    if program and full.parent.name in ("bin", "Scripts") and not p.name.endswith(_SCRIPT_SUFFIXES):
        name = normalise(p.name) or "upstream"
        return name, f"package:{name}"  # an installed console script: the package's own command
    stem = p.name
    for suffix in _SCRIPT_SUFFIXES:
        stem = stem.removesuffix(suffix)
    if normalise(stem) in _GENERIC or not normalise(stem):
        folder = next((d for d in reversed(full.parts[:-1]) if d.lower() not in _FOLDERS and d != full.anchor), None)
        if folder is not None:
            stem = folder
    return normalise(stem) or "upstream", f"path:{full.parent}"


def _package_json_name(script: Path) -> str | None:
    """The `name` of the package.json nearest above a script, when there is one (a checkout's build)."""
    if not script.name.endswith(_SCRIPT_SUFFIXES):
        return None
    for folder in list(_resolved(script).parents)[:4]:
        manifest = folder / "package.json"
        try:
            name = json.loads(manifest.read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError, AttributeError):
            continue
        return name if isinstance(name, str) and name else None
    return None


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p.absolute()
