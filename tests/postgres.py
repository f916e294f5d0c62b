"""A throwaway PostgreSQL cluster for the tests that need one (Debian's `postgresql` package).

`postgres_cluster` (session scope) runs initdb and pg_ctl in a temporary folder, on a free port on
127.0.0.1, as an unprivileged user when the tests run as root (PostgreSQL refuses root); it skips
with the reason when the binaries or psycopg are missing. `pg_url` gives each test a fresh, empty
database of that cluster. Import both into a test module to use them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[str]:
    """The URL of a running throwaway cluster's `postgres` database (user `mcpguard`, trust auth)."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        pytest.skip("psycopg / psycopg_pool not installed: pip install -e '.[postgres]'")
    bindir = _bin_dir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="mcp-guard-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root
        run_as = ["runuser", "-u", "nobody", "--"]
        shutil.chown(folder, "nobody")
    data, log = folder / "data", folder / "server.log"
    port = _free_port()

    def run(*cmd: str) -> None:
        done = subprocess.run([*run_as, *cmd], capture_output=True, text=True, timeout=120, cwd=folder)
        if done.returncode != 0:
            pytest.fail(f"{cmd[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "mcpguard", "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} -c fsync=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "-t", "60", "start")
        yield f"postgresql://mcpguard@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_cluster: str) -> str:
    """A fresh database of the throwaway cluster, for one test."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_cluster, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_cluster.rsplit("/", 1)[0] + "/" + name
