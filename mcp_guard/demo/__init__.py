"""`mcp-guard demo`: a guided tour (`tour`) of the bundled mailbox server (`server`), also a smoke test."""

from mcp_guard.demo.tour import Demo, cmd_demo

__all__ = ["Demo", "cmd_demo"]
