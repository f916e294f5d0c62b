"""The code style the project keeps (ruff, configured in pyproject.toml), checked with the tests so that
a lapse shows in CI, not at the next engineer's first `ruff check`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import REPO


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="ruff is one of the test extras (scripts/install-test-deps)")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "mcp_guard", "tests", "scripts"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
