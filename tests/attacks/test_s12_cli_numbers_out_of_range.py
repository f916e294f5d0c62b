"""Class: a number too large for what it is stored in reaches the store or the clock unchecked, and the
command ends in a traceback (the standard: bad input gets a clear one-line error).

`session start --ttl 99999999d` passes the duration check and overflows the expiry's date;
`audit verify --anchor SEQ:HASH` with a sequence number past 64 bits overflows SQLite's integer.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.clients import GUARD


@pytest.mark.parametrize("args", [
    ["session", "start", "--intent", "read my notes", "--ttl", "99999999d"],
    ["audit", "verify", "--anchor", "9" * 30 + ":" + "a" * 64],
])
def test_a_number_out_of_range_is_a_one_line_error(tmp_path, args):
    config = tmp_path / "mcp-guard.toml"
    config.write_text('[storage]\npath = "guard.db"\n')
    subprocess.run([*GUARD, "--config", str(config), "session", "start", "--intent", "x"],  # the database exists
                   capture_output=True, timeout=60, check=True)
    done = subprocess.run([*GUARD, "--config", str(config), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-400:]
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
