"""mcp-guard: an MCP proxy that enforces provenance, tool review, session intent and audit."""

__version__ = "0.1.0"
