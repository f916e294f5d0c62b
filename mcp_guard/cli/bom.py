"""CLI: `mcp-guard bom generate|check|diff|validate` and `mcp-guard review list|show|approve|reject`.

This module parses arguments and renders results; the work is in `mcp_guard.bom`, `mcp_guard.review`
and `mcp_guard.manifest`, imported inside the handlers so that other commands start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from mcp_guard.errors import CheckFailed, GuardError

if TYPE_CHECKING:
    from mcp_guard.config import Config
    from mcp_guard.review import ReviewQueue


def register(sub: argparse._SubParsersAction) -> None:
    bom = sub.add_parser("bom", help="the AI-BOM: generate, check (CI gate), diff, validate")
    bsub = bom.add_subparsers(dest="bom_command", metavar="ACTION", required=True)

    p = bsub.add_parser("generate", help="connect to each upstream and record what it serves (new = pending)")
    p.add_argument("--output", "-o", metavar="FILE", help="BOM path (default: bom.path from the config)")
    p.add_argument("--upstream", action="append", metavar="NAME", help="only this upstream (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable summary")
    p.set_defaults(func=cmd_generate)

    p = bsub.add_parser("check", help="fail when what the upstreams serve differs from the approved BOM")
    p.add_argument("--bom", metavar="FILE", help="BOM path (default: bom.path from the config)")
    p.add_argument("--upstream", action="append", metavar="NAME", help="only this upstream (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable result")
    p.set_defaults(func=cmd_check)

    p = bsub.add_parser("diff", help="what changed between two BOM files")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)

    p = bsub.add_parser("validate", help="check a BOM against the strict CycloneDX 1.6 schema and its fingerprints")
    p.add_argument("path", nargs="?", metavar="FILE", help="BOM path (default: bom.path from the config)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_validate)

    review = sub.add_parser("review", help="the review queue: list, show, approve, reject held definitions")
    rsub = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    p = rsub.add_parser("list", help="definitions awaiting review (or in another state)")
    p.add_argument("--state", choices=("pending", "approved", "rejected", "superseded", "all"), default="pending")
    p.add_argument("--upstream", metavar="NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_review_list)
    p = rsub.add_parser("show", help="the change side by side, with risk flags")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_review_show)
    for action in ("approve", "reject"):
        p = rsub.add_parser(
            action,
            help=f"{action} held definitions by id, or all of an upstream's (writes through to the AI-BOM)",
            description=f"{action.capitalize()} one or more held definitions (all or none), with one reason.",
        )
        p.add_argument("ids", nargs="*", metavar="ID", help="review ids (or unique prefixes of 4+ characters)")
        p.add_argument("--upstream", metavar="NAME", help="with --all: the upstream whose pending definitions to take")
        p.add_argument("--all", action="store_true", help="every definition of --upstream pending review, still served")
        p.add_argument("--yes", "-y", action="store_true", help="with --all: do not ask for confirmation")
        p.add_argument("--reason", required=True, help="why: recorded in the database and the AI-BOM")
        p.add_argument("--reviewer", help="who (default: git config user.name, else the login name)")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_review_decide, decision=action)


def _selected(config: Config, names: list[str] | None) -> list[str]:
    if names:
        for n in names:
            config.upstream(n)  # raises a ConfigError naming the known ones
        return sorted(set(names))
    return sorted(config.upstreams)


def _snapshots(config: Config, names: list[str]) -> dict[str, dict[str, list[dict[str, Any]]] | GuardError]:
    import anyio

    from mcp_guard.upstream_client import snapshot

    async def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for n in names:  # one at a time: servers started by the dozen slow each other down
            try:
                out[n] = await snapshot(config, n)
            except GuardError as err:
                out[n] = err
        return out

    return anyio.run(run)


def _config(args: argparse.Namespace) -> Config:
    from mcp_guard.config import load_config

    return load_config(args.config)


def _queue(config: Config) -> ReviewQueue:
    from mcp_guard.review import ReviewQueue
    from mcp_guard.store import open_store

    return ReviewQueue(open_store(config.database))


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))


# --- bom ------------------------------------------------------------------------------------------


def _served(results: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(upstream, kind, fingerprint) of every definition the snapshots found served."""
    from mcp_guard.manifest import collapse, fingerprint

    return {(name, kind, fingerprint(kind, d).digest)  # as `ReviewQueue.record` keys them
            for name, lists in results.items() if isinstance(lists, dict)
            for kind, defs in lists.items() for d in collapse(kind, defs)}


def _recorded(queue: ReviewQueue) -> set[tuple[str, str, str]]:
    """(upstream, kind, fingerprint) of every definition this database recorded from a server: a review
    adopts the BOM's decisions for these only, never one no server has served here (see `bom.adopt`)."""
    return {tuple(row) for row in queue.conn.execute("SELECT upstream, kind, fingerprint FROM items")}  # type: ignore[misc]


def cmd_generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mcp_guard import bom as bom_mod

    config = _config(args)
    target = Path(args.output) if args.output else config.bom_path
    previous = bom_mod.read_if_exists(target)  # a corrupt BOM stops here, before anything changes
    names = _selected(config, args.upstream)
    if not names:
        raise GuardError("no upstreams in the config: add an [upstreams.NAME] section first")
    queue = _queue(config)
    results = _snapshots(config, names)
    served = _served(results)  # the BOM's decisions count for what the servers serve now, nothing else
    if previous is not None:
        bom_mod.adopt(queue, previous, served)
    in_bom = set(bom_mod.upstreams_of(previous)) if previous is not None else set()
    summary: dict[str, Any] = {}
    failed = []
    for name in names:
        lists = results[name]
        if isinstance(lists, GuardError):
            failed.append(lists.message)
            summary[name] = {"error": lists.message}
            continue
        trust = config.upstreams[name].trust
        if trust == "tofu" and (queue.knows(name) or name in in_bom):
            trust = "review"  # trust on first use covers the upstream's first listing, every kind of it
        held = []
        counts = {"approved": 0, "pending": 0, "rejected": 0, "superseded": 0}
        for kind, defs in lists.items():
            for item in queue.record(name, kind, defs, complete=True, trust=trust).values():  # type: ignore[arg-type]
                counts[item.state] += 1
                if item.state != "approved":
                    held.append({"id": item.id, "kind": kind, "name": item.name, "state": item.state})
        summary[name] = {"counts": counts, "held": held}
    with bom_mod.locked(target, config.db_path.parent):
        latest = bom_mod.read_if_exists(target)  # someone may have approved while we listed
        if latest is not None:
            bom_mod.adopt(queue, latest, served)
        bom_mod.write_bom(bom_mod.build(config, queue, latest or previous), target, strict=True)
    kept = sorted(set(bom_mod.upstreams_of(latest or previous)) - set(config.upstreams)) if latest or previous else []
    if args.json:
        _print_json({"bom": str(target), "upstreams": summary, "kept_unconfigured": kept})
    else:
        from mcp_guard.cli.literal import visible  # names and errors are servers' text

        print(f"AI-BOM written: {target}")
        if kept:
            print(visible(f"  kept as recorded (not in this config): {', '.join(kept)}"))
        for name, info in summary.items():
            if "error" in info:
                print(visible(f"  {name}: NOT RECORDED: {info['error']}"))
                continue
            c = info["counts"]
            print(f"  {name}: {c['approved']} approved, {c['pending']} pending review, {c['rejected']} rejected")
            for h in info["held"]:
                print(visible(f"    {h['state']:<8} {h['id']}  {h['kind']} {h['name']}"))
        if any(info.get("held") for info in summary.values()):
            print("Review them: mcp-guard review list / show ID / approve ID --reason …")
    if failed:
        raise CheckFailed(f"{len(failed)} upstream(s) could not be recorded: " + "; ".join(failed))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mcp_guard import bom as bom_mod
    from mcp_guard.manifest import diff_lists

    config = _config(args)
    path = Path(args.bom) if args.bom else config.bom_path
    doc = bom_mod.read_bom(path)
    recorded = bom_mod.upstreams_of(doc)
    names = _selected(config, args.upstream)
    results = _snapshots(config, names)
    ids = _review_states(config, results)
    report: dict[str, Any] = {}
    problems = unreachable = 0
    edited: dict[str, list[dict[str, Any]]] = {}
    for t in bom_mod.tampered(doc):  # a hand-edited BOM fails whatever the servers serve
        edited.setdefault(t.upstream, []).append(t.to_json())
    for name in sorted(set(edited) - set(names)):
        report[name] = {"changes": [], "edited": edited[name]}
        problems += len(edited[name])
    for name in names:
        lists = results[name]
        if isinstance(lists, GuardError):
            report[name] = {"error": lists.message, "changes": [], "edited": edited.get(name, [])}
            problems += len(edited.get(name, []))
            unreachable += 1
            continue
        approved = recorded[name].approved() if name in recorded else {}
        changes = []
        for kind in sorted(set(lists) | {k for k, _ in approved}):
            old = {n: (e.definition or {}) for (k, n), e in approved.items() if k == kind}
            for change in diff_lists(kind, old, lists.get(kind, [])):
                entry = change.to_json()
                entry["review_id"], entry["review_state"] = ids.get((name, kind, change.name, change.new_digest),
                                                                    (None, None))
                changes.append((change, entry))
        report[name] = {"changes": [e for _, e in changes], "edited": edited.get(name, [])}
        if name not in recorded:
            report[name]["note"] = "not in the AI-BOM"
        problems += len(changes) + len(edited.get(name, []))
    if args.json:
        _print_json({"bom": str(path), "ok": problems == unreachable == 0, "upstreams": report})
    else:
        _render_check(path, report)
    failures = []
    if unreachable:  # not a difference: the server could not be asked (the line above says why)
        failures.append(f"{unreachable} upstream(s) could not be checked: make them start, then check again")
    if problems:
        failures.append(
            f"{problems} difference(s) from the approved AI-BOM: record them with `mcp-guard bom generate`, "
            "review them with `mcp-guard review`, and commit the BOM"
        )
    if failures:
        raise CheckFailed("; ".join(failures))
    return 0


def _review_states(config: Config, results: dict[str, Any]) -> dict[tuple[str, str, str, str | None], tuple[str, str]]:
    """(review id, state) of each definition the servers serve, as the review queue holds it.

    Where this machine has a database, what the servers were just seen to serve is recorded in it
    as a run of the proxy would record it, so that every difference this check reports is in `review
    list` too, pending, with its id. The AI-BOM's approvals are never adopted here: the file belongs to
    the folder being checked (a cloned repository can ship one), and a check changes no decision;
    `bom generate` or a review adopts them. A machine with no database (a fresh CI runner) is only
    read from: nothing is created there. Trust on first use is left to the proxy: an upstream this
    database never saw is not recorded here."""
    from mcp_guard.store import is_url

    if not is_url(config.database) and not config.db_path.exists():
        return {}
    try:
        queue = _queue(config)
    except GuardError:
        return {}
    for name, lists in results.items():
        trust = config.upstreams[name].trust
        if isinstance(lists, GuardError) or trust == "tofu" and not queue.knows(name):
            continue
        for kind, defs in lists.items():
            queue.record(name, kind, defs, complete=True, trust="review" if trust == "tofu" else trust)
    return {(i.upstream, i.kind, i.name, i.fingerprint): (i.id, i.state)
            for i in queue.items(states=("pending", "rejected", "approved"))}


def _render_check(path: Any, report: dict[str, Any]) -> None:
    from mcp_guard.cli.literal import visible  # names, messages and fields quote servers' text

    print(visible(f"AI-BOM: {path}"))
    for name, info in report.items():
        for t in info.get("edited", []):
            print(visible(f"✘ {name}: {t['kind']} {t['name']!r} in the AI-BOM: {t['message']}"))
            _render_change(t["change"])
        if "error" in info:
            print(visible(f"✘ {name}: {info['error']}"))
            continue
        if not info["changes"]:
            if not info.get("edited"):
                print(visible(f"✔ {name}: serves exactly what the AI-BOM approves"))
            continue
        note = f" ({info['note']})" if info.get("note") else ""
        print(visible(f"✘ {name}: {len(info['changes'])} difference(s){note}"))
        for c in info["changes"]:
            label = {"added": "new, not approved", "removed": "approved, no longer served", "changed": "changed"}[
                c["status"]
            ]
            print(visible(f"  {c['kind']} {c['name']!r}: {label}{_review_note(c)}"))
            _render_change(c)


def _review_note(c: dict[str, Any]) -> str:
    """Where a difference stands in the review queue, and what to run about it."""
    if c["status"] == "removed":
        return ""  # nothing new to review: `bom generate` records that it is gone
    if c.get("review_state") in ("pending", "rejected"):
        return f" [review id {c['review_id']}, {c['review_state']}: mcp-guard review show {c['review_id']}]"
    if c.get("review_state") == "approved":
        return f" [approved as {c['review_id']}, not in this AI-BOM: `mcp-guard bom generate` writes it]"
    return " [not recorded for review on this machine: `mcp-guard bom generate` records it]"


def _render_change(c: dict[str, Any] | None) -> None:
    from mcp_guard.cli.literal import visible

    if not c:
        return
    if c["status"] == "changed":
        print(visible(f"    fields: {', '.join(c['fields'])}"))
    for r in c["risks"]:
        print(visible(f"    ! {r['severity']}: {r['message']}"))


def cmd_diff(args: argparse.Namespace) -> int:
    from mcp_guard import bom as bom_mod
    from mcp_guard.cli.literal import visible

    changes = bom_mod.diff_boms(bom_mod.read_bom(args.old), bom_mod.read_bom(args.new))
    if args.json:
        _print_json([c.to_json() for c in changes])
        return 0
    if not changes:
        print("no differences")
    for c in changes:
        print(visible(f"{c.upstream}: {c.summary}"))
        if c.change is not None:
            if c.change.fields:
                print(visible(f"    fields: {', '.join(c.change.fields)}"))
            for r in c.change.risks:
                print(visible(f"    ! {r.severity}: {r.message}"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mcp_guard import bom as bom_mod

    path = Path(args.path) if args.path else _config(args).bom_path
    doc = bom_mod.read_bom(path)  # schema failures raise BomError with the JSON path
    problems = bom_mod.integrity_problems(doc)
    entries = sum(len(u.entries) for u in bom_mod.upstreams_of(doc).values())
    if args.json:
        _print_json({"bom": str(path), "valid": not problems, "entries": entries, "problems": problems})
    elif not problems:
        print(f"{path}: valid CycloneDX 1.6 ({entries} entries, fingerprints consistent)")
    if problems:
        raise CheckFailed(f"{path}: " + "; ".join(problems))
    return 0


# --- review ---------------------------------------------------------------------------------------


def _flags(queue: Any, item: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    """An item's flags, the same in every view: the schema and annotation risks of its change, and
    the scanner's findings at the scanner's default threshold (what `mcp-guard scan` reports). The
    text itself is judged by the scanner alone, so its risks are not counted twice."""
    from mcp_guard.manifest import assess
    from mcp_guard.scan import DEFAULT_THRESHOLD, RANK

    prev = queue.find(item.previous_id) if item.previous_id else None
    risks = [r for r in assess(item.kind, prev.definition if prev else None, item.definition)
             if r.code != "model-instructions"]
    floor = RANK[DEFAULT_THRESHOLD]
    findings = [f for f in item.findings if RANK.get(str(f.get("severity")), 2) >= floor]
    return risks, findings


def _item_json(queue: Any, item: Any) -> dict[str, Any]:
    risks, findings = _flags(queue, item)
    return item.to_json() | {
        "findings": findings,
        "risks": [{"code": r.code, "severity": r.severity, "message": r.message} for r in risks],
    }


def cmd_review_list(args: argparse.Namespace) -> int:
    config = _config(args)
    queue = _queue(config)
    states = None if args.state == "all" else [args.state]
    items = queue.items(upstream=args.upstream, states=states)
    if args.json:
        _print_json([_item_json(queue, i) for i in items])
        return 0
    if not items:
        print(f"nothing {args.state if args.state != 'all' else 'recorded'}")
        never = [n for n in ([args.upstream] if args.upstream else config.upstreams) if not queue.knows(n)]
        if never:  # what a server serves is recorded when it is first listed: nothing of these yet
            print(f"note: never listed yet: {', '.join(never)}; start it once through mcp-guard, or record what it "
                  "serves with `mcp-guard bom generate`")
        return 0
    from rich import box
    from rich.table import Table

    from mcp_guard.cli.literal import console as literal_console
    from mcp_guard.cli.literal import visible

    console = literal_console()  # names and upstreams are the server's and the config's text
    # Fit the terminal: ids, states and flags are never cut (ids must stay copyable); names and
    # upstreams fold onto more lines; the date drops its time, then goes, when space is short.
    # Into a pipe or a CI log (no terminal, no COLUMNS) nothing folds: one row per item, for grep.
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = literal_console(width=100_000)
    wide = console.width >= 120
    table = Table(
        title=f"review queue ({args.state})", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    table.add_column("id", no_wrap=True, min_width=max(len(i.id) for i in items))
    table.add_column("upstream", overflow="fold")
    table.add_column("kind", no_wrap=True)
    table.add_column("name", overflow="fold")
    table.add_column("state", no_wrap=True)
    table.add_column("change", no_wrap=True)
    table.add_column("flags", no_wrap=True)
    if console.width >= 100:
        table.add_column("first seen", no_wrap=True)
    for i in items:
        risks, findings = _flags(queue, i)
        high = sum(1 for r in risks if r.severity == "high") + sum(
            1 for f in findings if str(f.get("severity")) in ("high", "critical")
        )
        flags = f"{len(risks) + len(findings)}" + (f" ({high} high)" if high else "")
        change = "changed" if i.previous_id else "new"
        gone = " (gone)" if i.removed else ""
        row = [i.id, visible(i.upstream), i.kind, visible(i.name) + gone, i.state, change, flags]
        if console.width >= 100:
            row.append(i.first_seen if wide else i.first_seen[:10])
        table.add_row(*row)
    console.print(table)
    return 0


def cmd_review_show(args: argparse.Namespace) -> int:
    from mcp_guard.manifest import diff

    config = _config(args)
    queue = _queue(config)
    item = queue.get(args.id)
    prev = queue.find(item.previous_id) if item.previous_id else None
    change = diff(item.kind, prev.definition if prev else None, item.definition)
    decisions = queue.decisions(item.id)
    if args.json:
        _print_json(
            {
                "item": _item_json(queue, item),
                "definition": item.definition,
                "previous": prev.to_json() | {"definition": prev.definition} if prev else None,
                "change": change.to_json() if change else None,
                "decisions": [d.to_json() for d in decisions],
            }
        )
        return 0
    risks, findings = _flags(queue, item)
    _render_show(item, prev, change, decisions, risks, findings)
    return 0


def _render_show(
    item: Any, prev: Any, change: Any, decisions: list[Any], risks: list[Any], findings: list[dict[str, Any]]
) -> None:
    import difflib

    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from mcp_guard.cli.literal import console as literal_console
    from mcp_guard.cli.literal import visible

    # Every string below may be the server's: printed literally (no markup, escapes shown), so that
    # the reviewer sees every character the model will read.
    console = literal_console()
    head = Text()
    head.append(visible(f"{item.kind} {item.name!r} of upstream {item.upstream!r}") + "\n", style="bold")
    head.append(f"review id {item.id} · state {item.state} · first seen {item.first_seen}")
    if item.removed:
        head.append(f" · no longer listed since {item.removed}")
    head.append("\n" + ("changes the approved definition " + prev.id if prev else "new: nothing was approved before"))
    console.print(Panel(head, title="mcp-guard review"))

    old_def = prev.definition if prev else {}
    new_def = item.definition
    table = Table(title="old (approved) vs new", show_lines=True, expand=True)
    table.add_column("field", no_wrap=True)
    table.add_column("old", ratio=1)
    table.add_column("new", ratio=1)
    fields = change.fields if change else []
    nested = []
    for key in sorted(set(old_def) | set(new_def)):
        marker = "≠ " if key in fields else ""
        if isinstance(old_def.get(key), (dict, list)) or isinstance(new_def.get(key), (dict, list)):
            nested.append(key)  # shown path by path below
            same = old_def.get(key) == new_def.get(key)
            cells = ["(unchanged)" if same else "(below)" if key in d else "—" for d in (old_def, new_def)]
            table.add_row(visible(marker + key), *cells)
            continue
        table.add_row(visible(marker + key), visible(_text(old_def.get(key))), visible(_text(new_def.get(key))))
    console.print(table)

    # Nested fields (schemas, annotations, arguments, serverInfo…): every leaf that differs, wherever
    # it sits ($defs, anyOf, the schema's own description…), one line each, never cut by a table.
    for key in nested:
        lines = _leaf_changes(old_def.get(key), new_def.get(key), shown=bool(prev))
        if not lines:
            continue
        console.print(Text(f"{visible(key)} {'changes' if prev else '(every value)'}", style="bold"))
        for line in lines:
            console.print(Text(visible(line)), soft_wrap=True)

    if isinstance(old_def.get("description"), str) and isinstance(new_def.get("description"), str):
        lines = list(
            difflib.unified_diff(
                old_def["description"].splitlines(), new_def["description"].splitlines(), "old", "new", lineterm=""
            )
        )
        if lines:
            console.print(Panel(Text(visible("\n".join(lines))), title="description diff"))

    if risks or findings:
        rt = Table(title="risk flags", expand=True)
        for col in ("severity", "flag", "detail"):
            rt.add_column(col)
        for r in risks:
            rt.add_row(r.severity, r.code, visible(r.message))
        for f in findings:
            rt.add_row(str(f.get("severity")), visible(f"scan:{f.get('kind')}"), visible(str(f.get("explanation"))))
        console.print(rt)
    else:
        console.print("risk flags: none")
    for d in decisions:
        console.print(visible(f"{d.at} {d.decision} by {d.reviewer}: {d.reason}"))
    if item.state in ("pending", "rejected"):
        console.print(f'approve: mcp-guard review approve {item.id} --reason "…"')
        console.print(f'reject:  mcp-guard review reject {item.id} --reason "…"')


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


def _leaves(value: Any, path: str = "", depth: int = 0) -> dict[str, Any]:
    """path -> value of every scalar (and empty container) inside a JSON value."""
    if depth > 64:  # deeper than any schema: shown whole rather than walked
        return {path: json.dumps(value, ensure_ascii=False, sort_keys=True)}
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k in sorted(value):
            out.update(_leaves(value[k], f"{path}.{json.dumps(k, ensure_ascii=False) if _odd(k) else k}", depth + 1))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(_leaves(v, f"{path}[{i}]", depth + 1))
        return out
    return {path: value}


def _odd(key: str) -> bool:
    # A key that could be read as a path of other keys is quoted.
    return not key or any(c in key for c in ".[]\"\n ")


def _leaf_changes(old: Any, new: Any, *, shown: bool) -> list[str]:
    """`+ path: value`, `- path: value`, `~ path: old → new`, values as JSON (strings quoted)."""
    a = _leaves(old) if old is not None else {}
    b = _leaves(new) if new is not None else {}
    lines = []
    for path in sorted(set(a) | set(b)):
        where = path.lstrip(".") or "(whole value)"
        va, vb = json.dumps(a.get(path), ensure_ascii=False), json.dumps(b.get(path), ensure_ascii=False)
        if path not in a:
            lines.append(f"  + {where}: {vb}" if shown else f"    {where}: {vb}")
        elif path not in b:
            lines.append(f"  - {where}: {va}")
        elif va != vb:
            lines.append(f"  ~ {where}: {va} → {vb}")
    return lines


def _targets(args: argparse.Namespace, queue: ReviewQueue) -> list[str]:
    """The ids a decision is about: those named, or with --all every pending definition of --upstream
    that the server still serves (after showing how many, and a confirmation unless --yes)."""
    if args.all and args.ids:
        raise GuardError("give review ids or --upstream NAME --all, not both")
    if not args.all:
        if args.upstream:
            raise GuardError("--upstream selects with --all: add --all, or give review ids")
        if not args.ids:
            raise GuardError(f"name what to {args.decision}: review ids, or --upstream NAME --all")
        return list(args.ids)
    if not args.upstream:
        raise GuardError("--all needs --upstream NAME (one upstream at a time)")
    items = queue.items(upstream=args.upstream, states=("pending",), include_removed=False)
    if not items:
        if not queue.knows(args.upstream):
            raise GuardError(f"nothing recorded for upstream {args.upstream!r}: check its name in `mcp-guard "
                             "review list`, or record what it serves with `mcp-guard bom generate`")
        # Done already (a set-up script run twice, a BOM colleagues approved): not a failure.
        print(f"nothing pending review for upstream {args.upstream!r}: nothing changed", file=sys.stderr)
        return []
    verb = args.decision
    kinds: dict[str, int] = {}
    for i in items:
        kinds[i.kind] = kinds.get(i.kind, 0) + 1
    counted = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in sorted(kinds.items()))
    if not args.yes and not sys.stdin.isatty():  # nobody to ask: one line that says what to add
        raise GuardError(f"not confirmed (no terminal to ask on): add --yes to {verb} all {len(items)} pending "
                         f"definitions of upstream {args.upstream!r} ({counted}); `mcp-guard review list "
                         f"--upstream {args.upstream}` shows them")
    print(f"{verb} {len(items)} definition(s) of upstream {args.upstream!r} pending review ({counted}):",
          file=sys.stderr)
    from mcp_guard.cli.literal import visible  # what is approved must be what the reviewer reads

    print(visible("  " + ", ".join(i.name for i in items)), file=sys.stderr)
    if not args.yes:
        try:
            answer = input(f"{verb} all {len(items)} with reason {args.reason!r}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            raise GuardError("not confirmed: nothing changed")
    return [i.id for i in items]


def cmd_review_decide(args: argparse.Namespace) -> int:
    from mcp_guard import bom as bom_mod

    config = _config(args)
    if not args.reason.strip():
        raise GuardError('a reason is required: add --reason "why this is fine (or not)"')
    queue = _queue(config)
    if args.all and (known := bom_mod.read_if_exists(config.bom_path, strict=False)) is not None:
        bom_mod.adopt(queue, known, _recorded(queue))  # what colleagues approved (BOM from git) is not pending here
    refs = _targets(args, queue)
    if not refs:
        if args.json:
            _print_json({"decisions": [], "bom": str(config.bom_path)})
        return 0
    with bom_mod.locked(config.bom_path, config.db_path.parent):
        # A BOM that cannot be read stops us before anything changes (`bom validate` checks the schema).
        previous = bom_mod.read_if_exists(config.bom_path, strict=False)
        if previous is not None:
            bom_mod.adopt(queue, previous, _recorded(queue))
        outcomes = queue.decide_many(
            refs, args.decision, args.reason, reviewer=args.reviewer, two_person=config.review.two_person
        )
        touched = sorted({o.item.upstream for o in outcomes})
        bom = bom_mod.build(config, queue, previous, extra_upstreams=touched)
        bom_mod.write_bom(bom, config.bom_path)
    if args.json:
        _print_json(
            {
                "decisions": [
                    {
                        "item": _item_json(queue, o.item),
                        "decision": o.decision.to_json(),
                        "waiting_for_second_reviewer": o.waiting_for_second,
                        "superseded": o.superseded,
                    }
                    for o in outcomes
                ],
                "bom": str(config.bom_path),
            }
        )
        return 0
    verb = "approved" if args.decision == "approve" else "rejected"
    for o in outcomes:
        item = o.item
        what = f"{item.kind} {item.name!r} of {item.upstream!r} ({item.id})"
        if o.waiting_for_second:
            print(f"approval 1 of 2 recorded for {what} by {o.decision.reviewer}; a second reviewer must approve it")
        else:
            print(f"{verb} {what} as {o.decision.reviewer}")
    print(f"AI-BOM updated: {config.bom_path}")
    return 0
