"""An upstream written with the `mcp` SDK whose one tool returns its own process environment: what a
server could read of mcp-guard's secrets if the proxy handed them over."""

from __future__ import annotations

import json
import os

from mcp.server import MCPServer

server = MCPServer("env-dump")


@server.tool(structured_output=False)
def environ() -> str:
    """Every environment variable this server process sees, as JSON."""
    proc = "/proc/self/environ"  # what the kernel says the process got (its pid may be its namespace's)
    raw = open(proc, "rb").read().decode() if os.path.exists(proc) else None
    return json.dumps({"pid": os.getpid(), "env": dict(os.environ), "proc_environ": raw})


server.run()
