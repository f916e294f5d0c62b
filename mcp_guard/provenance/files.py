"""Reading the files a provenance policy names (artifact, attestation, trust root, server.json):
regular files only, and no more than a bound, so a device or a FIFO named there is one clear line,
not a hang or all of memory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_ARTIFACT = 512 * 2**20  # bytes: an MCP server's package is far smaller; more is refused, not read
MAX_EVIDENCE = 16 * 2**20  # attestations, trust roots, server.json


def read_file(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit` of them; `OSError` saying why otherwise (a device, a
    FIFO, a folder: never read, never waited on)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # opening a FIFO does not wait
    except FileNotFoundError:
        raise
    except OSError as err:
        raise OSError(f"{path}: {err.strerror or err}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path} is not a regular file")
        if st.st_size > limit:
            raise OSError(f"{path} is larger than {limit // 2**20} MiB")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path} is larger than {limit // 2**20} MiB")
    return data
