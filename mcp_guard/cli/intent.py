"""CLI: `session` (token-bound sessions), `approvals` (held calls), `intent` (hook, check)."""

from __future__ import annotations

import json
import sys


def register(sub) -> None:
    p = sub.add_parser("session", help="sessions bound to a declared intent (bearer tokens for HTTP clients)")
    ss = p.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    s = ss.add_parser("start", help="issue a short-lived bearer token bound to an intent")
    s.add_argument("--intent", required=True, help="what the session is for, in the person's words")
    s.add_argument("--profile", help="a profile of the config")
    s.add_argument("--ttl", default="2h", help="lifetime: 90s, 30m, 2h, 1d (default 2h)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_session_start)
    s = ss.add_parser("list", help="sessions and their intents")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_session_list)
    s = ss.add_parser("end", help="expire a session's token now")
    s.add_argument("id")
    s.set_defaults(func=_session_end)

    p = sub.add_parser("approvals", help="calls held for a person's approval")
    sa = p.add_subparsers(dest="approvals_command", metavar="ACTION", required=True)
    s = sa.add_parser("list", help="pending approvals (all with --all)")
    s.add_argument("--all", action="store_true", help="every state, not only pending")
    s.add_argument("--session", metavar="S")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_approvals_list)
    for name, verb in (("approve", "allow the held call once"), ("deny", "refuse the held call")):
        s = sa.add_parser(name, help=verb)
        s.add_argument("id")
        s.add_argument("--by", help="who decides (default: $USER)")
        s.add_argument("--reason", default="", help="why, for the audit log (beside the guard's reason for holding it)")
        s.set_defaults(func=_approvals_decide, approve=name == "approve")

    p = sub.add_parser("intent", help="declared intent: Claude Code hook, trying a call against an intent")
    si = p.add_subparsers(dest="intent_command", metavar="ACTION", required=True)
    s = si.add_parser("hook", help="UserPromptSubmit hook: record the person's prompt as the session's intent")
    s.set_defaults(func=_intent_hook)
    s = si.add_parser("check", help="judge one call against an intent or profile, as the proxy would")
    s.add_argument("--intent", help="the declared intent (default: as `run` finds it: $MCP_GUARD_INTENT, config)")
    s.add_argument("--profile", help="a profile of the config")
    s.add_argument("--tool", required=True, help="UPSTREAM/TOOL (or TOOL)")
    s.add_argument("--args", default="{}", help="the call's arguments, a JSON object")
    s.add_argument("--tools", metavar="FILE",
                   help="a JSON list of the upstream's tools (default: the approved tools the proxy recorded)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_intent_check)


def _config(args):
    from mcp_guard.config import load_config

    return load_config(args.config)


def _store(config):
    from mcp_guard.store import open_store

    return open_store(config.database)


def _session_start(args) -> int:
    from mcp_guard.intent.sessions import parse_ttl, start_session

    config = _config(args)
    ttl = parse_ttl(args.ttl)
    store = _store(config)
    sid, token, expires = start_session(store, config, args.intent, args.profile, ttl)
    if args.json:
        print(json.dumps({"session": sid, "token": token, "expires": expires.isoformat(), "profile": args.profile}))
    else:
        print(f"session {sid} (profile {args.profile or 'default engine'}), expires {expires.isoformat()}")
        print(f"token: {token}")
        print("send it as `Authorization: Bearer <token>`; it is shown only once")
    return 0


def _session_list(args) -> int:
    from mcp_guard.intent.sessions import list_sessions

    rows = list_sessions(_store(_config(args)))
    for r in rows:
        r.pop("token_hash", None)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        intent = r["intent"].replace("\n", " ")
        print(
            f"{r['id']}  {r['source'] or '-':<5} {r['profile'] or '-':<12} expires {r['expires'] or '-'}  {intent[:80]}"
        )
    return 0


def _session_end(args) -> int:
    from mcp_guard.intent.sessions import end_session

    end_session(_store(_config(args)), args.id)
    print(f"session {args.id} ended")
    return 0


def _approvals_list(args) -> int:
    from mcp_guard import approvals

    items = approvals.listing(_store(_config(args)), None if args.all else "pending", args.session)
    if args.json:
        print(json.dumps([_asdict(a) for a in items], indent=2))
        return 0
    if not items:
        print("no pending approvals" if not args.all else "no approvals")
        return 0
    from mcp_guard.cli.literal import visible

    for a in items:
        # In full: an approval covers exactly these arguments and inputs, so the person sees them all.
        shown = json.dumps(a.arguments) if a.arguments is not None else f"(digest {a.args_digest[:12]})"
        print(visible(f"{a.id}  {a.state:<8} session {a.session_id}  {a.tool} {shown}"))
        print(visible(f"    why: {a.reason}"))
    return 0


def _asdict(a) -> dict:
    from dataclasses import asdict

    return asdict(a)


def _approvals_decide(args) -> int:
    import getpass

    from mcp_guard import approvals

    by = args.by or getpass.getuser()
    a = approvals.decide(_store(_config(args)), args.id, args.approve, by, args.reason)
    what = "approved: the same call passes once when retried in that session" if a.state == "approved" else "denied"
    print(f"{a.id} {what} ({a.tool}, session {a.session_id})")
    return 0


def _intent_hook(args) -> int:
    # Claude Code treats exit code 2 of a UserPromptSubmit hook as "block this prompt": never use it.
    from mcp_guard.errors import GuardError
    from mcp_guard.intent.sessions import record_prompt

    try:
        data = json.load(sys.stdin)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except ValueError as err:
        print(f"mcp-guard intent hook: error: stdin is not the hook's JSON input: {err}", file=sys.stderr)
        return 1
    try:
        store = _store(_config(args))
        record_prompt(store, str(data.get("session_id") or ""), str(data.get("prompt") or ""), data.get("cwd"))
    except GuardError as err:
        print(f"mcp-guard intent hook: error: {err.message}", file=sys.stderr)
        return 1
    return 0


def _tool_of(name: str, config) -> tuple[str, str]:
    """(upstream, tool) of `--tool`: UPSTREAM/TOOL; the name the agent sees with several upstreams
    (UPSTREAM__TOOL); or a bare TOOL of the config's only upstream (upstream "" when none is said)."""
    upstream, _, tool = name.rpartition("/")
    if upstream:
        return upstream, tool
    for candidate in config.upstreams:
        prefix = candidate + config.proxy.separator
        if name.startswith(prefix) and len(name) > len(prefix):
            return candidate, name[len(prefix):]
    if len(config.upstreams) == 1:
        return next(iter(config.upstreams)), name
    return ("" if config.upstreams else "upstream"), name


def _intent_check(args) -> int:
    from mcp_guard import kinds
    from mcp_guard.errors import GuardError
    from mcp_guard.guards.base import SessionInfo, ToolCall
    from mcp_guard.guards.intent import IntentGuard
    from mcp_guard.intent.sessions import declared_intent

    config = _config(args)
    try:
        arguments = json.loads(args.args)
    except RecursionError:
        raise GuardError("--args is nested too deeply to read") from None
    except ValueError as err:
        raise GuardError(f"--args is not JSON: {err}") from None
    if not isinstance(arguments, dict):
        raise GuardError("--args must be a JSON object")
    upstream, tool = _tool_of(args.tool, config)
    if not args.tools and config.upstreams and upstream not in config.upstreams:
        # A typo would otherwise be judged as a tool never listed, and likely allowed.
        known = ", ".join(sorted(config.upstreams))
        said = f"no upstream named {upstream!r} in the config" if upstream else "which upstream serves it is not said"
        raise GuardError(f"--tool {args.tool}: {said} (upstreams: {known}); write UPSTREAM/TOOL (or the name the "
                         f"agent sees, UPSTREAM{config.proxy.separator}TOOL), or pass --tools with the tool list")
    if args.profile and args.profile not in config.profiles:
        raise GuardError(f"no profile named {args.profile!r} in the config")
    # The same intent and profile `run` would take, and the same tool list the proxy learns.
    declared = declared_intent(config, args.intent, args.profile)
    guard = IntentGuard(config, tool_store=None if args.tools else _store(config))
    if args.tools:
        try:
            with open(args.tools, encoding="utf-8") as fp:
                tools = json.load(fp)
        except (OSError, ValueError) as err:
            raise GuardError(f"--tools {args.tools}: cannot read a JSON list of tools: {err}") from None
        except RecursionError:
            raise GuardError(f"--tools {args.tools}: nested too deeply to read") from None
        listed = tools.get("tools", []) if isinstance(tools, dict) else tools
        if not isinstance(listed, list):
            raise GuardError(f"--tools {args.tools}: not a JSON list of tools (nor an object with one as `tools`)")
        for item in listed:  # as the proxy drops them from an upstream's list
            if why := kinds.malformed(kinds.TOOL, item):
                print(f"note: --tools {args.tools}: {why}: not learnt", file=sys.stderr)
        guard.learn(upstream, [t for t in listed if not kinds.malformed(kinds.TOOL, t)])
    elif guard.recorded_definition(upstream, tool) is None:
        print(f"note: no approved definition of {upstream}/{tool} is recorded (run the proxy once, or pass "
              "--tools); it is judged by its name, as the proxy judges a tool it never listed", file=sys.stderr)
    session = SessionInfo(id="check", intent=declared.intent, profile=declared.profile)
    d = guard.decide(ToolCall(session, upstream, tool, args.tool, arguments))
    if args.json:
        print(json.dumps({"action": d.action, "rule": d.rule, "reason": d.reason, "question": d.question}))
    else:
        print(f"{d.action} [{d.rule}] {d.reason}")
        if d.question:
            print(f"question: {d.question}")
    return 0 if d.action == "allow" else 1
