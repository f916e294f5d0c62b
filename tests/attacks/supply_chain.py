"""Helpers for the supply-chain attacks (session S4a): a tiny npm package with no dependencies (so npx
installs it offline from the verified tarball), a pinned enforce config, and one raw session."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

from tests.clients import GUARD, RawClient

SERVERS = Path(__file__).resolve().parent / "servers"
PURL = "pkg:npm/tinypkg@1.0.0"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def _add(tf: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 0
    tf.addfile(info, io.BytesIO(data))


def tiny_tarball(folder: Path, server: str = "tiny_mcp.js") -> Path:
    """`npm pack`-shaped tarball of `tinypkg@1.0.0`: one bin, `tinypkg`, running SERVERS/server."""
    manifest = {"name": "tinypkg", "version": "1.0.0", "bin": {"tinypkg": "index.js"}}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        _add(tf, "package/package.json", json.dumps(manifest).encode())
        _add(tf, "package/index.js", (SERVERS / server).read_bytes(), 0o755)
    path = folder / "tinypkg-1.0.0.tgz"
    path.write_bytes(buf.getvalue())
    return path


def enforce_config(tmp_path: Path, command: str, args: list[str], extra: str = "") -> Path:
    """An upstream `tiny` whose provenance (enforce) pins the tiny tarball by sha256."""
    tarball = tiny_tarball(tmp_path)
    pin = hashlib.sha256(tarball.read_bytes()).hexdigest()
    config = tmp_path / "mcp-guard.toml"
    config.write_text(
        '[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n'
        f'[upstreams.tiny]\ncommand = {json.dumps(command)}\nargs = {json.dumps(args)}\n{extra}'
        f'provenance = {{ mode = "enforce", package = "{PURL}", artifact = {json.dumps(str(tarball))}, '
        f'sha256 = "{pin}" }}\n',
        encoding="utf-8",
    )
    return config


def evil_js(tmp_path: Path) -> tuple[Path, Path]:
    """A script that leaves a marker when node loads it (code that is not the verified copy)."""
    marker = tmp_path / "unverified-code-ran"
    script = tmp_path / "evil.js"
    script.write_text(f"require('fs').writeFileSync({json.dumps(str(marker))}, process.argv.join(' '));\n")
    return script, marker


def session(config: Path, env: dict[str, str] | None = None, run_args: list[str] | None = None,
            timeout: float = 60) -> dict:
    """`initialize` through `mcp-guard run`; the answer (or {} when none came)."""
    client = RawClient([*GUARD, "--config", str(config), "run", *(run_args or [])], env=env)
    try:
        client.send(INIT)
        return client.read(timeout=timeout)
    except TimeoutError:
        return {}
    finally:
        client.close()
