"""CLI: `mcp-guard run` (stdio), `mcp-guard serve` (HTTP) and `mcp-guard demo`."""

from __future__ import annotations

import argparse
import os
import sys

from mcp_guard.errors import ConfigError, GuardError


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run", help="front upstream MCP server(s) over stdio (use as the command of a client's server entry)",
        description="Front one or more MCP servers over stdio. Examples:\n"
                    "  mcp-guard run -- npx -y @modelcontextprotocol/server-filesystem /srv\n"
                    "  mcp-guard run --url https://example.test/mcp --header 'Authorization:Bearer …'\n"
                    "  mcp-guard --config mcp-guard.toml run --upstream github",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--name", help="name of the upstream given by CMD or --url "
                                    "(default: the package the command runs, or the URL's host)")
    run.add_argument("--upstream", action="append", metavar="NAME", help="an upstream from the config (repeatable)")
    run.add_argument("--url", help="a remote upstream over streamable HTTP or SSE")
    run.add_argument("--header", action="append", default=[], metavar="K:V", help="HTTP header for --url (repeatable)")
    run.add_argument("--transport", choices=["streamable-http", "sse"], default="streamable-http",
                     help="transport of --url (default: streamable-http)")
    run.add_argument("--intent", help="what this session is for (also $MCP_GUARD_INTENT)")
    run.add_argument("--profile", help="intent profile from the config (also $MCP_GUARD_PROFILE)")
    run.add_argument("--verbose", "-v", action="store_true", help="log every decision to stderr")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ARGS… of a local stdio server")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="serve the configured upstreams over streamable HTTP (/mcp) and SSE (/sse)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8765; 0 picks a free one)")
    serve.add_argument("--upstream", action="append", metavar="NAME", help="serve only these upstreams")
    serve.add_argument("--verbose", "-v", action="store_true")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="a guided tour in a temporary folder: review, intent, scanning, rug pull, "
                                       "audit (exit 1 if a step misbehaves)")
    demo.add_argument("--keep", metavar="DIR", help="run in DIR (new or empty) and keep it afterwards")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from mcp_guard.demo import cmd_demo as demo

    return demo(args)


def _parse_headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        key, sep, val = value.partition(":")
        if not sep or not key.strip():
            raise ConfigError(f"--header {value!r}: expected NAME:VALUE")
        headers[key.strip()] = val.strip()
    return headers


class Interrupted(BaseException):
    """A signal that ends the process, raised where no event loop is there to take it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


ENDING_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def _leaves(group: BaseExceptionGroup) -> list[BaseException]:
    out: list[BaseException] = []
    for err in group.exceptions:
        out.extend(_leaves(err) if isinstance(err, BaseExceptionGroup) else [err])
    return out


def cmd_run(args: argparse.Namespace) -> int:
    import signal

    # Until the event loop takes them, the ending signals unwind the start-up, so that a server
    # started early is ended with its process group (it leads a session of its own).
    ending = [getattr(signal, name) for name in ENDING_SIGNALS if hasattr(signal, name)]
    for signum in ending:
        signal.signal(signum, _raise_interrupted)
    started: dict = {}
    try:
        return _run(args, ending, started)
    except GuardError as err:  # the proxy cannot start (a config error, a name clash …)
        if sys.stdin.isatty():
            raise
        print(f"mcp-guard: error: {err.message}", file=sys.stderr, flush=True)
        try:
            _refuse_client(f"mcp-guard cannot start: {err.message}")
        except Interrupted as stop:
            return 128 + stop.signum
        return err.exit_code
    except Interrupted as stop:
        return 128 + stop.signum
    except BaseExceptionGroup as group:  # the signal came while a task of the loop was running
        stop = next((e for e in _leaves(group) if isinstance(e, Interrupted)), None)
        if stop is None:
            raise
        return 128 + stop.signum
    finally:
        for process in started.values():
            process.discard()


def _refuse_client(message: str, timeout: float = 30.0) -> None:
    """Answer the client's requests with `message` as a JSON-RPC error, so that the client shows why
    (not "Connection closed"); until it has its initialize answer, its input ends, or `timeout`."""
    import json
    import os
    import select
    import time

    deadline = time.monotonic() + timeout
    fd = sys.stdin.fileno()
    pending = b""
    try:
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([fd], [], [], left)[0]:
                return
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(msg, dict) or "method" not in msg or not isinstance(msg.get("id"), str | int):
                    continue
                answer = {"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32603, "message": message}}
                sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
                sys.stdout.buffer.flush()
                if msg["method"] == "initialize":
                    return
    except (OSError, ValueError):  # no usable stdin or stdout: the stderr line is all we can give
        return


def _run(args: argparse.Namespace, ending: list[int], started: dict) -> int:
    from mcp_guard.proxy import prelaunch
    from mcp_guard.proxy.own_process import harden_process, setup_logging

    setup_logging(args.verbose)
    harden_process()
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    # The configured servers start now, and what follows (the config's models first) loads while
    # they do; `prelaunch.keep` ends each one the validated config would not launch the same way.
    early = {} if command or args.url else prelaunch.start_written(args.config, args.upstream)
    started.update({name: process for name, (_, process) in early.items()})

    import gc

    import anyio

    from mcp_guard.config import CONFIG_ENV, folder_clash, load_config, unread_folder_config
    from mcp_guard.intent.sessions import declared_intent
    from mcp_guard.proxy.channels import loop_options, own_stdio
    from mcp_guard.proxy.runner import (
        Proxy,
        claim_adhoc_name,
        new_session,
        pin_programs,
        select_upstreams,
        session_secrets,
        warm_scanner,
    )
    from mcp_guard.proxy.upstream import start_early

    if command and args.url:
        raise ConfigError("give either a command after '--' or --url, not both")
    # A client starts `run` in the folder it has open: unless a config is named (--config,
    # $MCP_GUARD_CONFIG), only the user's is read, never that folder's ./mcp-guard.toml.
    explicit = bool(args.config or os.environ.get(CONFIG_ENV))
    config = load_config(args.config, folder=False)
    folder = None if explicit else unread_folder_config(config.source)
    if folder is not None:
        print(f"mcp-guard: note: {folder} is not read (`run` reads a folder's config only with --config); "
              f"using {config.source or 'no config file'}", file=sys.stderr, flush=True)
    configured = dict(config.upstreams)

    def refuse_clash(names: list[str]) -> None:
        # The folder's file names a server this run fronts, otherwise than the config in use: that
        # file may be what a project's own entry relies on, or a repository's bid for the user's server.
        if folder is not None and (clash := folder_clash(folder, configured, names)):
            if clash in configured:
                what = f"otherwise than {config.source or 'the defaults'}"
            else:  # only the folder's file defines it
                what = f"which {config.source} does not define" if config.source else "which no config in use defines"
            raise ConfigError(
                f"{folder} defines upstream {clash!r}, {what}, and `run` without --config does not read it: "
                "add --config with the file to use to this server's entry")

    refuse_clash([*(args.upstream or []), *([args.name] if args.name else [])])
    names = select_upstreams(config, names=args.upstream, command=command or None, name=args.name,
                             url=args.url, headers=_parse_headers(args.header), transport=args.transport)
    refuse_clash(names)
    declared = declared_intent(config, args.intent, args.profile)
    envs = session_secrets(config, names, declared.profile)
    _check_commands(config, names, envs)
    kept = prelaunch.keep(early, config, names, envs)
    started.clear()
    started.update(kept)
    started.update(start_early(config, [n for n in names if n not in kept], envs))
    warm_up = warm_scanner(intent=config.intent.mode != "off")  # while the servers start
    proxy = Proxy(config, names, hook_intent=True)
    try:
        if command and not args.name:
            claim_adhoc_name(proxy.store, command)
        pin_programs(proxy.store, config, [n for n in names if n in configured], envs)
        prelaunch.accepted(proxy.store, config)
    except BaseException:
        proxy.close()
        warm_up.join()  # an exit while it compiles (native code) would abort the process
        raise
    session = new_session(declared.intent, declared.profile)
    # What is loaded by now lives as long as the process: keep it out of the collector's full
    # passes, which otherwise walk it all and stall the event loop (measured: up to 0.6 s).
    gc.freeze()
    caught: list[int] = []
    unserved: list[str] = []  # why each upstream failed to start, when none did

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            await tg.start(watch_signals, tg.cancel_scope)
            client = await own_stdio(config.proxy.max_message_bytes)
            adopted = dict(started)
            started.clear()  # the relay owns them now, and ends them however the session ends
            unserved.extend(await proxy.serve_session(client, session, adopted))
            tg.cancel_scope.cancel()

    async def watch_signals(scope: anyio.CancelScope, *, task_status: anyio.abc.TaskStatus) -> None:
        with anyio.open_signal_receiver(*ending) as signals:
            task_status.started()
            async for signum in signals:
                caught.append(signum)
                scope.cancel()  # the relay ends its upstreams on the way out
                return

    try:
        anyio.run(main, backend_options=loop_options())
    finally:
        try:
            from mcp_guard import approvals

            approvals.end_session(proxy.store, session.id)  # no call of this process can be retried now
        except Exception as err:  # the store may be what failed: say so, end anyway
            print(f"mcp-guard: the calls this session held stay listed: {err}", file=sys.stderr)
        proxy.close()
    if caught:
        return 128 + caught[0]
    if unserved:  # the client was told; the exit says it too (scripts, `claude mcp` logs)
        print(f"mcp-guard: error: no upstream started ({len(unserved)} failed, each said why above)",
              file=sys.stderr, flush=True)
        return 1
    return 0


def _check_commands(config, names: list[str], envs: dict) -> None:
    """Say at once, on stderr, which stdio servers cannot start because their program is not found;
    when none of this run's servers can, stop (one line, exit 2) rather than wait for a client that
    may never send initialize. A server checked for provenance is skipped: its command becomes the
    verified copy, and the launch gate speaks for it."""
    import shutil

    from mcp_guard.intent.credentials import upstream_env

    missing = []
    for name in names:
        cfg = config.upstreams[name]
        if cfg.transport != "stdio" or not cfg.command or (cfg.provenance and cfg.provenance.mode != "off"):
            continue
        env = upstream_env(cfg, envs.get(name))
        # The child is looked up on its own PATH, from its own folder when the command is a relative path.
        where = os.path.join(cfg.launch_cwd() or "", cfg.command)
        if os.sep in cfg.command and os.path.exists(where):
            continue  # there but not runnable: the launch says why
        if shutil.which(where if os.sep in cfg.command else cfg.command, path=env.get("PATH", os.defpath)) is None:
            missing.append(f"upstream {name!r} could not be started: command not found: {cfg.command}")
    if missing and len(missing) == len(names):
        raise ConfigError("; ".join(missing))
    for line in missing:
        print(f"mcp-guard: {line} (the other upstreams are served)", file=sys.stderr, flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    from mcp_guard.config import load_config
    from mcp_guard.proxy.http import serve
    from mcp_guard.proxy.runner import harden_process, select_upstreams, setup_logging

    setup_logging(args.verbose)
    harden_process()
    config = load_config(args.config)
    if args.host:
        config.serve.host = args.host
    if args.port is not None:
        config.serve.port = args.port
    if not config.upstreams:  # serve takes no command line of a server: only the config names them
        raise ConfigError(f"serve: no upstreams: define [upstreams.NAME] in {config.source or 'a config file'} "
                          "(see `mcp-guard wrap`, or the README's Configuration)")
    names = select_upstreams(config, names=args.upstream)
    _check_listen(config.serve.host, config.serve.port)
    serve(config, names)
    return 0


def _check_listen(host: str, port: int) -> None:
    """Refuse, in one line, an address `serve` cannot listen on (a port out of range, one in use,
    a host not of this machine), before any upstream starts."""
    import socket

    if not 0 <= port <= 65535:
        raise ConfigError(f"serve: port {port} is out of range (0-65535; 0 picks a free one)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise ConfigError(f"serve: cannot listen on {host}:{port}: {err.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself will
        try:
            probe.bind(address)
        except OSError as err:
            raise ConfigError(f"serve: cannot listen on {host}:{port}: {err.strerror}") from None
