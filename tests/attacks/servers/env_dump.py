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
    return json.dumps({"pid": os.getpid(), "env": dict(os.environ)})


server.run()
