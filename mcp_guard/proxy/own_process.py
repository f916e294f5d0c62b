"""The proxy's own process, set up first in `run` and `serve`: where its log lines go, and that other
processes of the same user cannot read its memory. Nothing here loads the config's models, so `run`
can do it before it starts a server (see `proxy/prelaunch.py`)."""

from __future__ import annotations

import logging
import os
import sys

from mcp_guard.intent.credentials import ScrubbedLog

log = logging.getLogger("mcp_guard")


def setup_logging(verbose: bool = False) -> None:
    """Logs go to stderr (stdout carries the protocol in `run`); MCP_GUARD_LOG=debug for more.

    The level applies to mcp-guard's own loggers; libraries keep theirs at warning."""
    level = os.environ.get("MCP_GUARD_LOG", "debug" if verbose else "warning").upper()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="mcp-guard: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(ScrubbedLog())  # no secret in our own lines either (an upstream's error quoted)
    logging.getLogger("mcp_guard").setLevel(getattr(logging, level, logging.WARNING))


def harden_process() -> None:
    """Linux: make the proxy not dumpable, so its /proc files (environ with every secret's source,
    mem, fd) belong to root: upstreams, which run as the same user, cannot read them. Best effort;
    root and other systems are not covered."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE = 4
            log.debug("prctl(PR_SET_DUMPABLE, 0) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError) as err:
        log.debug("prctl unavailable: %s", err)

