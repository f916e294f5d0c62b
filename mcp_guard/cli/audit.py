"""CLI: the audit trail (`mcp-guard audit verify|show|export|head`) and `mcp-guard report`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_guard.errors import AuditError, CheckFailed, GuardError, StoreError

if TYPE_CHECKING:
    from mcp_guard.audit import AuditLog, AuditRecord, VerifyResult



def _positive(text: str) -> int:
    """An argparse type: a count of one or more (argparse prints the refusal as a one-line usage error)."""
    import argparse

    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(text)

def register(sub) -> None:
    audit = sub.add_parser("audit", help="verify, show and export the hash-chained audit log")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    def add(name: str, help: str, func) -> argparse.ArgumentParser:
        p = asub.add_parser(name, help=help, description=help)
        p.add_argument("--db", metavar="FILE|URL",
                       help="database file or postgresql:// URL (default: the config's storage)")
        p.set_defaults(func=func)
        return p

    p = add("verify", "check that no record was edited, deleted or reordered", _verify)
    p.add_argument("--file", metavar="EXPORT", help="verify an exported JSON-lines file instead of the database")
    p.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="SEQ:HASH",
        help="a head copied earlier with `audit head`: the log must still contain it (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")

    p = add("show", "list audit records", _show)
    p.add_argument("--session", metavar="S", help="only this session's records")
    p.add_argument("--kind", metavar="K", help="only records of this kind (call, session.start, …)")
    p.add_argument("--last", type=_positive, metavar="N", help="only the last N matching records")
    p.add_argument("--json", action="store_true", help="print the records as JSON lines")

    p = add("export", "write the log as JSON lines (other sessions' data as digests with --session)", _export)
    p.add_argument("--session", metavar="S", help="full data only for this session")
    p.add_argument("file", metavar="FILE", help="output file, or - for standard output")

    add("head", "print the log's head as SEQ:HASH; keep a copy elsewhere to anchor the log", _head)

    help = ("per session and tool: calls, allowed, denied, refused as not yet reviewed, asked, approved by a "
            "person, and outside the declared intent")
    p = sub.add_parser("report", help=help, description=help)
    p.add_argument("--db", metavar="FILE|URL",
                       help="database file or postgresql:// URL (default: the config's storage)")
    p.add_argument("--session", metavar="S", help="only this session")
    p.add_argument("--last", type=_positive, metavar="N", help="only the last N sessions")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_report)


def _open_log(args: argparse.Namespace) -> AuditLog:
    """The audit log of an existing database: reading commands never create one."""
    from mcp_guard.audit import AuditLog
    from mcp_guard.config import load_config
    from mcp_guard.store import is_url, open_store

    target = args.db if args.db else load_config(args.config).database
    if is_url(target):
        return AuditLog(open_store(target))
    path = Path(target)
    if not path.is_file():
        raise StoreError(f"{path}: no audit database there (nothing recorded yet, or storage.path points elsewhere)")
    return AuditLog(open_store(path))


def _print_verify(res: VerifyResult, as_json: bool, source: str) -> int:
    if as_json:
        out = {"ok": res.ok, "source": source, "records": res.count, "head_seq": res.head_seq}
        out |= {
            "head_hash": res.head_hash,
            "problems": [{"seq": p.seq, "what": p.what} for p in res.problems],
        }
        out["more_problems"] = res.more
        if res.digested:  # an export of one session: the others' records are there as digests only
            out |= {"session": res.session, "digested": res.digested}
        print(json.dumps(out, indent=2))
        return 0 if res.ok else 1
    if res.ok:
        print(f"{source}: {res.summary()}")
        return 0
    for p in res.problems:
        print(f"{source}: {p}", file=sys.stderr)
    if res.more:
        print(f"{source}: … and {res.more} more problems", file=sys.stderr)
    n = len(res.problems) + res.more
    raise CheckFailed(f"{source}: audit log tampered: {n} problem{'s' if n > 1 else ''}, first at {res.problems[0]}")


def _verify(args: argparse.Namespace) -> int:
    from mcp_guard.audit import parse_anchor, verify_jsonl

    anchors = [parse_anchor(a) for a in args.anchor]
    if args.file:
        try:
            with open(args.file, encoding="utf-8") as fp:
                res = verify_jsonl(fp, anchors)
        except OSError as err:
            raise GuardError(f"{args.file}: cannot read: {err.strerror}") from None
        except UnicodeDecodeError:
            raise AuditError(f"{args.file}: not a text file") from None
        return _print_verify(res, args.json, args.file)
    log = _open_log(args)
    return _print_verify(log.verify(anchors), args.json, log.store.label)


def _summary(rec: AuditRecord) -> list[str]:
    """A record's content as lines of full width: a line of what happened, then its data."""
    d = rec.data
    if rec.kind == "call":
        args = d.get("arguments", d.get("arguments_sha256", {}))
        by = ":".join(x for x in (d.get("guard"), d.get("rule")) if x)
        text = f"{d.get('upstream', '')}/{d.get('tool', '')} → {d.get('decision', '?')}"
        text += f" [{by}]" if by else ""
        text += f" {d['reason']}" if d.get("reason") else ""
        return [text, f"args: {json.dumps(args, ensure_ascii=False, sort_keys=True)}"]
    if rec.kind == "session.start":
        by = f" (from {d['intent_from']})" if d.get("intent_from") else ""
        return [f"intent={d.get('intent')!r}{by} profile={d.get('profile')} owner={d.get('owner')} era={d.get('era')}"]
    if rec.kind == "intent.declared":
        return [f"intent={d.get('intent')!r} (from {d.get('intent_from')})"]
    return [f"{k}: {json.dumps(v, ensure_ascii=False, sort_keys=True)}" for k, v in sorted(d.items())]


def _show(args: argparse.Namespace) -> int:
    log = _open_log(args)
    records = list(log.records(session=args.session, kind=args.kind))
    total = len(records)
    if args.last is not None:
        records = records[-args.last :] if args.last > 0 else []
    if args.json:
        for rec in records:
            print(json.dumps(rec.to_json(), ensure_ascii=False))
        return 0
    # One block per record: a heading line, then its content indented at the terminal's full width
    # (a table squeezed JSON into a narrow column). `--json` gives the records as JSON lines.
    from mcp_guard.cli.literal import visible

    # The heading says what is shown, of how many: `--last 5` of 1,000 records is not "5 records".
    matching = "".join(f" {what} {value}" for what, value in (("of session", args.session), ("of kind", args.kind))
                       if value)
    count = f"{total} record{'' if total == 1 else 's'}{matching}"
    print(visible(f"audit log: last {len(records)} of {count}" if len(records) < total else f"audit log: {count}"))
    for rec in records:
        session = f"  session {rec.session_id}" if rec.session_id else ""
        print(visible(f"\n#{rec.seq}  {rec.at.replace('T', ' ')[:23]}  {rec.kind}{session}"))
        for line in _summary(rec):
            print(visible(f"    {line}"))  # servers' and clients' text: nothing in it acts on the terminal
    return 0


def _export(args: argparse.Namespace) -> int:
    log = _open_log(args)
    if args.file == "-":
        n = log.export_jsonl(sys.stdout, session=args.session)
    else:
        try:
            with open(args.file, "w", encoding="utf-8") as fp:
                n = log.export_jsonl(fp, session=args.session)
        except OSError as err:
            raise AuditError(f"{args.file}: cannot write: {err.strerror}") from None
        print(f"exported {n} records to {args.file}", file=sys.stderr)
    return 0


def _head(args: argparse.Namespace) -> int:
    seq, h = _open_log(args).head()
    print(f"{seq}:{h}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from mcp_guard.audit import report

    data = report(_open_log(args), session=args.session, last=args.last)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    from rich.table import Table

    from mcp_guard.cli.literal import console as literal_console
    from mcp_guard.cli.literal import visible

    # Tool names and intents are a server's and a client's text. Into a file or a pipe, the tables take
    # the width they need (rich would assume 80 columns and cut names and headings).
    console = literal_console()
    if not console.is_terminal:
        console.width = 1000
    cols = ("calls", "allowed", "denied", "unreviewed", "asked", "approved", "outside_intent")
    for s in data["sessions"]:
        title = f"session {s['session']}"
        if s["intent"] is not None:
            title += f": {s['intent']!r} (profile {s['profile'] or 'default'}, owner {s['owner'] or '-'})"
        console.print(visible(title), soft_wrap=True)  # on one line, however long the intent
        table = Table()
        for col in ("upstream", "tool"):
            table.add_column(col, overflow="fold")  # a name is shown whole, on several lines if need be
        for col in cols:
            table.add_column(col.replace("_", " "), justify="right")
        for t in s["tools"]:
            table.add_row(visible(t["upstream"]), visible(t["tool"]), *(str(t[c]) for c in cols))
        table.add_row("", "total", *(str(s["totals"][c]) for c in cols), style="bold")
        console.print(table)
    t: dict[str, Any] = data["totals"]
    n = len(data["sessions"])
    console.print(
        f"{n} session{'' if n == 1 else 's'}: {t['calls']} call{'' if t['calls'] == 1 else 's'}, "
        f"{t['allowed']} allowed, "
        f"{t['denied']} denied, {t['unreviewed']} refused as not yet reviewed, {t['asked']} asked, "
        f"{t['approved']} approved by a person, "
        f"{t['outside_intent']} outside the declared intent",
        soft_wrap=True,  # one line, whatever the terminal's width: scripts read it
    )
    return 0
