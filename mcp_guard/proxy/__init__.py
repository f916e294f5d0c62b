"""The proxy: a relay between one downstream client session and its upstream servers.

- `jsonrpc.py`   parse/serialise messages and build errors (the only place that knows the framing)
- `channels.py`  one side of the relay as a stream of messages: stdio lines, a child process, SDK streams
- `upstream.py`  one upstream server: launch, initialize, pending requests, timeouts, restarts
- `routing.py`   names and cursors when several upstreams stand behind one endpoint
- `relay.py`     the per-session relay: forwards everything, intercepts what guards govern
- `http.py`      `mcp-guard serve`: streamable HTTP and SSE for downstream clients
- `runner.py`    assembles config, guards, store and audit into a running proxy
"""
