"""Class: a config value no process can be started with ends `run` in a traceback (s12, attacker 2).

`run` now starts a plain configured server from the TOML as written (`prelaunch.start_written`), and the
validated config's servers early too (`upstream.start_early`); both hand the entry's values to the OS as they
are. An `env` name holding "=" or a NUL, or a NUL in `command`, `args` or `cwd`, makes Python's process start
raise ValueError, which neither path catches: `run` dies with a traceback instead of the one-line error the
project promises for bad input.

Expected (secure): one line naming the entry's key, no traceback, exit status 2; no server started.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.clients import GUARD, python_env


@pytest.mark.parametrize("entry", [
    'command = "/bin/cat"\nenv = { "A=B" = "1" }\n',
    'command = "/bin/cat"\nargs = ["a\\u0000b"]\n',
    'command = "/bin/cat"\npass_env = []\nenv = { "A=B" = "1" }\n',  # not plain: the regular early start
])
def test_a_value_no_process_takes_is_a_one_line_error(home, tmp_path, entry):
    config = tmp_path / "mcp-guard.toml"
    config.write_text(f'[storage]\npath = "guard.db"\n[upstreams.x]\n{entry}')
    done = subprocess.run([*GUARD, "--config", str(config), "run"], env={**os.environ, **python_env()},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2 and "upstreams.x" in done.stderr, done.stderr
