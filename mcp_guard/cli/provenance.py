"""CLI: `mcp-guard verify`: verify an upstream's artifact, or any file, against an identity policy."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

_POLICY_FLAGS = ("issuer", "identity", "identity_pattern", "repository", "ref", "workflow", "sha256", "sha512")


def register(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="verify upstream artifacts (sigstore, npm provenance, PEP 740, digest pins)",
        description=(
            "Verify the artifact of UPSTREAM (or of every upstream with a provenance policy), or a file "
            "given with --artifact against --bundle and an identity policy. Exit 0 when everything is "
            "verified or pinned, 1 otherwise."
        ),
    )
    p.add_argument("upstream", nargs="?", metavar="UPSTREAM", help="an upstream of the config (default: all)")
    p.add_argument("--artifact", metavar="FILE", help="a file to verify instead of an upstream")
    p.add_argument("--bundle", metavar="FILE", help="its sigstore bundle or attestation file (default: beside it)")
    p.add_argument("--issuer", metavar="URL", help="expected OIDC issuer")
    p.add_argument("--identity", metavar="SAN", help="expected signer identity, exactly")
    p.add_argument("--identity-pattern", metavar="REGEX", help="expected signer identity, as a regular expression")
    p.add_argument("--repository", metavar="REPO", help="expected source repository (owner/name or URL)")
    p.add_argument("--ref", metavar="REF", help="expected source ref, e.g. refs/tags/v1.2.3")
    p.add_argument("--workflow", metavar="FILE", help="expected build workflow file, e.g. release.yml")
    p.add_argument("--sha256", metavar="HEX", help="pinned sha256 of the artifact")
    p.add_argument("--sha512", metavar="HEX", help="pinned sha512 of the artifact")
    p.add_argument("--trusted-root", metavar="FILE", help="production (default), staging, or a trust root file")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=verify_command)


def _check_file(args: argparse.Namespace):
    from mcp_guard.errors import ProvenanceError
    from mcp_guard.provenance import IdentityPolicy, check
    from mcp_guard.provenance.artifacts import find_evidence

    artifact = Path(args.artifact).expanduser()
    try:
        data: bytes | None = artifact.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as err:
        raise ProvenanceError(f"{artifact}: cannot read it: {err.strerror or err}") from None
    evidence = Path(args.bundle).expanduser() if args.bundle else find_evidence([artifact.parent], artifact.name)
    identity = IdentityPolicy(
        issuer=args.issuer,
        identity=args.identity,
        identity_pattern=args.identity_pattern,
        repository=args.repository,
        ref=args.ref,
        workflow=args.workflow,
    )
    if evidence is not None or not (args.sha256 or args.sha512):
        identity.to_sigstore()  # a usage error (no issuer, …) is reported before anything is read
    return check(
        data,
        artifact=str(artifact),
        evidence=evidence,
        identity=identity,
        sha256=args.sha256,
        sha512=args.sha512,
        trusted_root=args.trusted_root,
        looked_in=str(artifact.parent),
    )


def verify_command(args: argparse.Namespace) -> int:
    from mcp_guard.errors import GuardError

    try:
        return _verify(args)
    except GuardError as err:
        if not args.json:
            raise
        # --json is JSON on every path: a script reads the error instead of a line on stderr
        error = {"upstream": args.upstream, "outcome": "error", "message": err.message, "ok": False}
        print(json.dumps(error, indent=2))
        return err.exit_code


def _verify(args: argparse.Namespace) -> int:
    from mcp_guard.config import load_config
    from mcp_guard.errors import ConfigError

    given = [f"--{f.replace('_', '-')}" for f in (*_POLICY_FLAGS, "bundle", "trusted_root") if getattr(args, f)]
    for alg, size in (("sha256", 64), ("sha512", 128)):
        value = getattr(args, alg)
        if value and not re.fullmatch(f"[0-9a-fA-F]{{{size}}}", value):
            raise ConfigError(f"--{alg} must be {size} hexadecimal digits")
    if args.artifact:
        if args.upstream:
            raise ConfigError("give either UPSTREAM or --artifact FILE, not both")
        rows = [(None, _check_file(args))]
    else:
        if given:
            raise ConfigError(f"{given[0]} needs --artifact FILE (an upstream's policy lives in the config)")
        config = load_config(args.config)
        rows = _check_upstreams(config, args.upstream)
    ok = all(_ok(r) for _, r in rows)
    if args.json:
        print(json.dumps({"ok": ok, "results": [_row_json(u, r) for u, r in rows]}, indent=2))
    else:
        _render(rows)
    return 0 if ok else 1


def _ok(row) -> bool:
    return not isinstance(row, Exception) and row.ok


def _row_json(upstream: str | None, row) -> dict:
    if isinstance(row, Exception):
        return {"upstream": upstream, "outcome": "error", "message": row.message, "ok": False}
    return ({"upstream": upstream} if upstream else {}) | row.to_dict()


def _check_upstreams(config, name: str | None):
    """Each upstream's result, or the `ProvenanceError` that kept it from being checked."""
    from mcp_guard.errors import ConfigError, ProvenanceError
    from mcp_guard.provenance.gate import judge, launch_spec
    from mcp_guard.provenance.record import record, record_in_bom
    from mcp_guard.store import open_store

    if name:
        config.upstream(name)  # names the known upstreams when this one is not
        names = [name]
    else:
        names = [n for n, up in config.upstreams.items() if up.provenance and up.provenance.mode != "off"]
        if not names:
            raise ConfigError("no upstream in the config has a provenance policy: name one, or use --artifact")
    rows = []
    for n in names:
        if config.upstreams[n].provenance is None:
            raise ConfigError(f"upstream {n!r} has no provenance policy: add [upstreams.{n}.provenance] to the config")
        try:  # what a launch would meet: the artifact, its cached copy, and the command that runs it
            up = config.upstreams[n]
            rows.append((n, judge(config, up, launch_spec(n, up)).result))
        except ProvenanceError as err:
            rows.append((n, err))
    store = open_store(config.database)
    try:
        for n, result in rows:
            if isinstance(result, Exception):
                continue
            pol = config.upstreams[n].provenance
            record(store, n, result, mode=pol.mode if pol else None)
            record_in_bom(config.bom_path, n, result)
    finally:
        store.close()
    return rows


_STYLES = {"verified": "green", "pinned": "yellow", "invalid": "bold red", "unsupported": "red", "missing": "red"}
_MARKS = {"verified": "✔", "pinned": "~", "invalid": "✘", "unsupported": "?", "missing": "✘"}


def _render(rows) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)  # long identities stay on one line
    for upstream, r in rows:
        if isinstance(r, Exception):
            head = Text("✘ error", style="bold red")
            head.append(f"  {upstream}", style="bold")
            console.print(head)
            console.print(Text(f"    why: {r.message}"))
            continue
        # Text, not markup: details quote certificates and paths that may hold brackets.
        head = Text(f"{_MARKS[r.outcome]} {r.label}", style=_STYLES[r.outcome])
        head.append(f"  {upstream}" if upstream else "", style="bold")
        head.append(f"  {r.purl or r.artifact or ''}")
        console.print(head)
        facts = [("why", r.detail)] if not r.ok else [("", r.detail)]
        facts += [
            ("artifact", r.artifact if r.purl else None),
            ("sha256", r.sha256),
            ("evidence", r.bundle),
            ("kind", r.kind),
        ]
        for key, value in facts:
            if value:
                console.print(Text(f"    {key + ': ' if key else ''}{value}"))
    bad = sum(not _ok(r) for _, r in rows)
    summary = f"{len(rows) - bad} of {len(rows)} verified or pinned"
    console.print(Text(summary, style="green" if not bad else "bold red"))
