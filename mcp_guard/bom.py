"""The AI-BOM: what each upstream serves and who approved it, as CycloneDX 1.6 JSON kept in git.

Layout (built with cyclonedx-python-lib, checked with its strict 1.6 schema validator):
- one component per upstream (the server software: purl where known, version, artifact hashes,
  provenance status);
- one service per upstream (the running server: its trust boundary: local process or remote service,
  operator, whether it keeps state), whose nested services are its tools, prompts, resources,
  resource templates and its identity/instructions (kind `server`);
- everything mcp-guard adds is a property named `mcp-guard:…`: fingerprints (whole and per field),
  the canonical definition, the review state and id, and one `mcp-guard:decision` per approval or
  rejection (who, when, why).

Output is deterministic: every list sorted, bom-refs derived from content, the serial number kept
from the previous file, and the timestamp is the newest event recorded in the BOM, so regenerating
an unchanged state yields the same bytes and a git diff shows only what really changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.service import Service
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from packageurl import PackageURL

from mcp_guard import __version__
from mcp_guard.canonical import parse_time
from mcp_guard.config import Config, UpstreamConfig
from mcp_guard.errors import BomError
from mcp_guard.kinds import KINDS
from mcp_guard.manifest import Change, diff, fingerprint
from mcp_guard.review import Item, ReviewQueue

NS = "mcp-guard:"
P_UPSTREAM = NS + "upstream"
P_KIND = NS + "kind"
P_FINGERPRINT = NS + "fingerprint"
P_FIELD = NS + "field:"
P_DEFINITION = NS + "definition"
P_STATE = NS + "review-state"
P_REVIEW_ID = NS + "review-id"
P_DECISION = NS + "decision"
P_FINDING = NS + "finding"
P_FIRST_SEEN = NS + "first-seen"
P_PROVENANCE = NS + "provenance:"
P_TRUST_ZONE = NS + "trust-zone"
P_OPERATOR = NS + "operator"
P_STATEFUL = NS + "stateful"
P_TRUST_MODE = NS + "trust-mode"
P_TRANSPORT = NS + "transport"
P_SERVER_VERSION = NS + "server-version"  # the version the server reports (serverInfo), beside the package's

# --- reading our records back out of a BOM -----------------------------------------------------------


@dataclass(slots=True)
class BomEntry:
    """One definition as the BOM records it."""

    upstream: str
    kind: str
    name: str
    fingerprint: str
    state: str
    review_id: str | None
    definition: dict[str, Any] | None
    fields: dict[str, str]
    decisions: list[dict[str, str]]
    first_seen: str | None
    description: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    undecided: str | None = None  # the state the entry claims ("approved") without its decision record


@dataclass(slots=True)
class BomUpstream:
    name: str
    component: dict[str, Any] = field(default_factory=dict)  # name, version, purl, hashes, properties
    service: dict[str, Any] = field(default_factory=dict)  # trust boundary fields and properties
    entries: list[BomEntry] = field(default_factory=list)

    def approved(self) -> dict[tuple[str, str], BomEntry]:
        return {(e.kind, e.name): e for e in self.entries if e.state == "approved"}


def _props(obj: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in obj.properties:
        out.setdefault(p.name, []).append(p.value or "")
    return out


def _one(props: Mapping[str, list[str]], key: str) -> str | None:
    values = props.get(key)
    return values[0] if values else None


def upstreams_of(bom: Bom) -> dict[str, BomUpstream]:
    """Our records in a BOM, by upstream name."""
    found: dict[str, BomUpstream] = {}
    for comp in bom.components:
        props = _props(comp)
        name = _one(props, P_UPSTREAM)
        if name is None:
            continue
        up = found.setdefault(name, BomUpstream(name))
        up.component = {
            "name": comp.name,
            "version": comp.version,
            "purl": str(comp.purl) if comp.purl else None,
            "hashes": sorted(f"{h.alg.value}:{h.content}" for h in comp.hashes),
            "properties": {k: v for k, v in sorted(props.items())},
            # evidence files (e.g. attestation bundles the provenance check recorded), kept on rebuild
            "references": sorted(f"{r.type.value} {r.url}" for r in comp.external_references),
            "_reference_objects": list(comp.external_references),
        }
    for svc in bom.services:
        props = _props(svc)
        name = _one(props, P_UPSTREAM)
        if name is None:
            continue
        up = found.setdefault(name, BomUpstream(name))
        up.service = {
            "operator": svc.provider.name if svc.provider else None,
            "x_trust_boundary": svc.x_trust_boundary,
            "endpoints": sorted(str(e) for e in svc.endpoints),
            "properties": {k: v for k, v in sorted(props.items()) if k != P_UPSTREAM},
        }
        for nested in svc.services:
            up.entries.append(_entry(name, nested))
    return found


def _entry(upstream: str, svc: Service) -> BomEntry:
    props = _props(svc)
    definition = None
    if text := _one(props, P_DEFINITION):
        try:
            definition = json.loads(text)
        except ValueError:
            definition = None
    if not isinstance(definition, dict):
        definition = None  # `loads` refuses such a BOM; this keeps every other reader safe
    decisions = [{k: str(v) for k, v in d.items()} for d in _json_list(props.get(P_DECISION, []))]
    fields = {k.removeprefix(P_FIELD): v[0] for k, v in props.items() if k.startswith(P_FIELD) and v}
    # A decision is a record of who decided, when: a state without one (a hand edit) is not taken.
    state, undecided = _one(props, P_STATE) or "pending", None
    verb = {"approved": "approve", "rejected": "reject"}.get(state)
    if verb and not any(d.get("decision") == verb and d.get("reviewer") and d.get("at") for d in decisions):
        state, undecided = "pending", state
    return BomEntry(
        upstream=upstream,
        kind=_one(props, P_KIND) or "tool",
        name=svc.name,
        fingerprint=_one(props, P_FINGERPRINT) or "",
        state=state,
        review_id=_one(props, P_REVIEW_ID),
        definition=definition,
        fields=fields,
        decisions=decisions,
        first_seen=_one(props, P_FIRST_SEEN),
        description=svc.description,
        findings=_json_list(props.get(P_FINDING, [])),
        undecided=undecided,
    )


def _structure_problems(bom: Bom) -> list[str]:
    """What makes a BOM unreadable as a record of decisions: a definition that is not a JSON object,
    and an entry given twice (a second copy would hide the first from every reader that groups by
    fingerprint or name), or two approved definitions of one name."""
    problems: list[str] = []
    for svc in bom.services:
        upstream = _one(_props(svc), P_UPSTREAM)
        if upstream is None:
            continue
        seen: set[tuple[str, str, str]] = set()
        approved: set[tuple[str, str]] = set()
        for nested in svc.services:
            props = _props(nested)
            kind, fp = _one(props, P_KIND) or "tool", _one(props, P_FINGERPRINT) or ""
            what = f"{upstream}: {kind} {nested.name!r}"
            text = _one(props, P_DEFINITION)
            try:
                value = json.loads(text) if text is not None else None
            except ValueError:
                value = None
            if not isinstance(value, dict):
                problems.append(f"{what}: {P_DEFINITION} is not a JSON object")
            if (kind, nested.name, fp) in seen:
                problems.append(f"{what}: entry {fp or '(no fingerprint)'} appears more than once")
            seen.add((kind, nested.name, fp))
            if _one(props, P_STATE) == "approved":
                if (kind, nested.name) in approved:
                    problems.append(f"{what}: more than one definition is marked approved")
                approved.add((kind, nested.name))
    return problems


def _json_list(texts: list[str]) -> list[dict[str, Any]]:
    out = []
    for text in texts:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


@dataclass(slots=True)
class Tampered:
    """A BOM entry that no longer says what was fingerprinted (edited by hand)."""

    upstream: str
    entry: BomEntry
    message: str
    change: Change | None = None  # recorded definition -> the definition as the BOM now shows it

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.entry.kind, "name": self.entry.name, "message": self.message}
        out["change"] = self.change.to_json() if self.change else None
        return out


def shown_description(kind: str, definition: Mapping[str, Any]) -> str | None:
    """The text a BOM shows as an entry's `description` (the server's title for the server kind)."""
    value = (definition.get("serverInfo") or {}).get("title") if kind == "server" else definition.get("description")
    return value if isinstance(value, str) and value else None


def _as_shown(kind: str, definition: dict[str, Any], description: str | None) -> dict[str, Any]:
    """The definition with the BOM's visible description put back in, to diff against the recorded one."""
    out = json.loads(json.dumps(definition))
    target = out.setdefault("serverInfo", {}) if kind == "server" else out
    key = "title" if kind == "server" else "description"
    if description is None:
        target.pop(key, None)
    else:
        target[key] = description
    return out


def tampered(bom: Bom) -> list[Tampered]:
    """Entries whose recorded data disagrees with itself: every fingerprinted field is checked (the
    definition against its fingerprint, each per-field hash, the name and the description shown), so
    that nothing edited by hand in the BOM passes as approved."""
    found: list[Tampered] = []
    for up in upstreams_of(bom).values():
        for e in up.entries:
            if e.kind not in KINDS:
                found.append(Tampered(up.name, e, f"unknown kind {e.kind!r}"))
                continue
            if e.undecided:
                found.append(Tampered(up.name, e, f"marked {e.undecided} without a decision record (edited by hand?)"))
            if e.definition is None:
                found.append(Tampered(up.name, e, f"no readable {P_DEFINITION} property"))
                continue
            fp = fingerprint(e.kind, e.definition)
            if fp.digest != e.fingerprint:
                found.append(Tampered(up.name, e, "definition does not match its fingerprint (edited by hand?)"))
                continue
            bad = sorted(k for k in set(fp.fields) | set(e.fields) if fp.fields.get(k) != e.fields.get(k))
            if bad:
                message = f"field fingerprints do not match: {', '.join(bad)} (edited by hand?)"
                found.append(Tampered(up.name, e, message))
            if e.name != fp.name:
                found.append(Tampered(up.name, e, f"name shown {e.name!r} differs from the definition's {fp.name!r}"))
            if e.description != shown_description(e.kind, e.definition):
                change = diff(e.kind, e.definition, _as_shown(e.kind, e.definition, e.description))
                message = "description differs from the fingerprinted definition (edited by hand?)"
                found.append(Tampered(up.name, e, message, change))
    return found


def integrity_problems(bom: Bom) -> list[str]:
    """`tampered`, one line each."""
    return [f"{t.upstream}: {t.entry.kind} {t.entry.name!r}: {t.message}" for t in tampered(bom)]


# --- reading and writing files -----------------------------------------------------------------------


def dumps(bom: Bom) -> str:
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def validate_text(text: str, source: str = "AI-BOM", *, strict: bool = True) -> dict[str, Any]:
    """Parse and check a BOM text against the strict CycloneDX 1.6 schema; return the JSON."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise BomError(
            f"{source}: not valid JSON ({err}); restore it from git or run `mcp-guard bom generate`"
        ) from None
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise BomError(f"{source}: not a CycloneDX BOM (no bomFormat 'CycloneDX')")
    if data.get("specVersion") != "1.6":
        raise BomError(f"{source}: CycloneDX {data.get('specVersion')!r}; mcp-guard writes and reads 1.6")
    if not strict:
        return data
    # The validator loads jsonschema's format checkers: seconds of imports, paid only where asked for.
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        detail = getattr(error, "data", None)
        where = getattr(detail, "json_path", None) or "$"
        message = getattr(detail, "message", None) or str(error)
        raise BomError(f"{source}: fails the CycloneDX 1.6 schema at {where}: {message}")
    return data


def loads(text: str, source: str = "AI-BOM", *, strict: bool = True) -> Bom:
    """Parse a BOM; `strict` also checks the CycloneDX schema (the CLI and CI do; the proxy, which
    only reads approvals from it, relies on parsing and on each entry's fingerprint)."""
    data = validate_text(text, source, strict=strict)
    try:
        bom = Bom.from_json(data)  # type: ignore[attr-defined]
    except Exception as err:  # noqa: BLE001 - the library raises many types for odd but schema-valid input
        raise BomError(f"{source}: cannot be read: {err}") from None
    if problems := _structure_problems(bom):
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BomError(f"{source}: {problems[0]}{more}; fix it by hand or restore it from git")
    return bom


def read_bom(path: str | Path, *, strict: bool = True) -> Bom:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BomError(f"{p}: no AI-BOM here; create it with `mcp-guard bom generate`") from None
    except (OSError, UnicodeDecodeError) as err:
        raise BomError(f"{p}: cannot read the AI-BOM: {err}") from None
    return loads(text, str(p), strict=strict)


def read_if_exists(path: str | Path, *, strict: bool = True) -> Bom | None:
    return read_bom(path, strict=strict) if Path(path).exists() else None


def lock_path(path: str | Path, lock_dir: str | Path | None = None) -> Path:
    """Where the lock of a BOM lives: in `lock_dir` (the database's folder) or the state folder, never
    beside the BOM, whose folder is committed and should hold nothing but the BOM."""
    from mcp_guard.config import state_dir

    p = Path(path).absolute()
    key = hashlib.sha256(str(p).encode("utf-8")).hexdigest()[:12]
    return Path(lock_dir or state_dir()) / "locks" / f"{p.name}-{key}.lock"


@contextmanager
def locked(path: str | Path, lock_dir: str | Path | None = None) -> Iterator[None]:
    """Hold the BOM's lock file while reading, rebuilding and writing it, so that two reviewers
    approving at the same moment cannot write over each other's approval."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: the database stays right; the next write brings the BOM level
        yield
        return
    lock = lock_path(path, lock_dir)
    lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # beside the database: as private
    with open(os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def write_bom(bom: Bom, path: str | Path, *, strict: bool = False) -> str:
    """Write atomically (a reader never sees half a file); return the text written.

    Never a file our own reader would refuse; `strict` also runs the schema validator, which costs
    seconds of imports: `bom generate` asks for it, an approval's write-through does not."""
    text = dumps(bom)
    validate_text(text, "generated AI-BOM", strict=strict)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".aibom-", suffix=".tmp", dir=p.parent)
    try:
        # A file kept in git, read by CI and colleagues: the mode of the file it replaces, else the
        # umask's default (mkstemp alone would leave it private).
        try:
            mode = p.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return text


# --- building ----------------------------------------------------------------------------------------


def purl_for(upstream: UpstreamConfig) -> PackageURL | None:
    """The package an upstream runs: from its provenance policy, else from an npx / uvx command line,
    else from where the command is installed (an npm package's folder, a Python environment)."""
    if upstream.provenance and upstream.provenance.package:
        try:
            return PackageURL.from_string(upstream.provenance.package)
        except ValueError:
            return None
    if not upstream.command:
        return None
    return _launcher_purl(upstream) or _installed_purl(upstream)


def _installed_purl(upstream: UpstreamConfig) -> PackageURL | None:
    """The installed package a command runs: a file inside `node_modules/<package>/` (the command or
    the script given to node), or a console script or `-m module` of a Python environment."""
    import shutil

    base = Path(upstream.launch_cwd() or Path.cwd())  # where it starts, so what it runs

    def locate(word: str) -> Path | None:
        if os.sep not in word:
            found = shutil.which(word)
            return Path(found) if found else None
        p = Path(os.path.expanduser(word))
        p = p if p.is_absolute() else base / p
        return p if p.exists() else None

    first = next((a for a in upstream.args if not a.startswith("-")), None)
    script = locate(first) if first and os.sep in first else None
    if script is not None:  # `node path/to/script.js`: the script is what runs, not the interpreter
        return _npm_package_of(script.resolve())
    command = locate(upstream.command or "")
    if command is None:
        return None
    if purl := _npm_package_of(command.resolve()):
        return purl
    module = upstream.args[1] if upstream.args[:1] == ["-m"] and len(upstream.args) > 1 else None
    return _python_package_of(command, module)


def _npm_package_of(path: Path) -> PackageURL | None:
    for folder in path.parents:
        if folder.parent.name == "node_modules" or folder.parent.parent.name == "node_modules":
            try:
                meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            name, version = meta.get("name"), meta.get("version")
            if isinstance(name, str) and isinstance(version, str):
                namespace, _, short = name.rpartition("/")
                return PackageURL("npm", namespace or None, short, version)
    return None


def _python_package_of(command: Path, module: str | None) -> PackageURL | None:
    """The distribution of a Python environment (the one `command` lives in) that provides the
    console script `command`, or `module` when the command is that environment's Python."""
    import importlib.metadata as md

    env = command.parent.parent  # <env>/bin/<script>
    paths = [str(p) for p in sorted(env.glob("lib/python*/site-packages"))]
    if not paths:
        return None
    top = module.split(".")[0] if module else None
    for dist in md.distributions(path=paths):
        if top is None:
            hit = any(ep.group == "console_scripts" and ep.name == command.name for ep in dist.entry_points)
        else:
            hit = any(str(f).split("/")[0] == top for f in (dist.files or []))
        if hit and dist.metadata["Name"]:
            return PackageURL("pypi", None, dist.metadata["Name"].lower().replace("_", "-"), dist.version)
    return None


def _launcher_purl(upstream: UpstreamConfig) -> PackageURL | None:
    """The package an npx / uvx / pipx command line names."""
    assert upstream.command is not None
    exe = Path(upstream.command).name
    args = [a for a in upstream.args if not a.startswith("-")]
    if not args:
        return None
    spec = args[0]
    if exe in ("npx", "bunx", "pnpx"):
        scoped = spec.startswith("@")
        name, _, version = spec[scoped:].partition("@")  # "@scope/name@1.2" or "name@1.2"
        namespace, _, short = ("@" + name).rpartition("/") if scoped else ("", "", name)
        return PackageURL("npm", namespace or None, short, version or None) if short else None
    if exe in ("uvx", "pipx"):
        if exe == "pipx" and spec == "run":
            spec = args[1] if len(args) > 1 else ""
        name, _, version = spec.partition("==")
        return PackageURL("pypi", None, name.lower(), version or None) if name else None
    return None


def _hex_digest(value: str, alg: str) -> str | None:
    """A digest as CycloneDX wants it (lowercase hex of the right length), or None if it is not one."""
    digest = value.strip().lower().split(":", 1)[-1]  # accept "sha256:…" too
    length = 64 if alg == "SHA-256" else 128
    return digest if len(digest) == length and all(c in "0123456789abcdef" for c in digest) else None


def _strip_url(url: str) -> str:
    # Query strings and user info can carry tokens: the BOM keeps scheme, host, port and path only.
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _bool_text(value: bool | None) -> str:
    return "unknown" if value is None else str(value).lower()


def _ref(*parts: str) -> str:
    return "/".join(p.replace("/", "%2F") for p in parts)


def _item_service(upstream: str, item: Item, decisions: list[dict[str, str]]) -> Service:
    fp = fingerprint(item.kind, item.definition)
    props = [
        Property(name=P_UPSTREAM, value=upstream),
        Property(name=P_KIND, value=item.kind),
        Property(name=P_FINGERPRINT, value=item.fingerprint),
        Property(name=P_STATE, value=item.state),
        Property(name=P_REVIEW_ID, value=item.id),
        Property(name=P_FIRST_SEEN, value=item.first_seen),
        Property(name=P_DEFINITION, value=json.dumps(item.definition, sort_keys=True, ensure_ascii=False)),
    ]
    props += [Property(name=P_FIELD + k, value=v) for k, v in fp.fields.items()]
    props += [Property(name=P_DECISION, value=json.dumps(d, sort_keys=True, ensure_ascii=False)) for d in decisions]
    props += [Property(name=P_FINDING, value=json.dumps(f, sort_keys=True, ensure_ascii=False)) for f in item.findings]
    return Service(
        name=item.name,
        bom_ref=_ref("item", upstream, item.kind, item.name, item.fingerprint.removeprefix("sha256:")[:16]),
        description=shown_description(item.kind, item.definition),
        properties=props,
    )


def _component(
    name: str,
    upstream: UpstreamConfig | None,
    server_info: Mapping[str, Any],
    previous: BomUpstream | None,
    verified: tuple[str, str] | None = None,
) -> Component:
    purl = purl_for(upstream) if upstream else None
    if purl is None and previous and previous.component.get("purl"):
        purl = PackageURL.from_string(previous.component["purl"])
    hashes: dict[str, str] = {}
    for entry in previous.component.get("hashes", []) if previous else []:
        alg, _, content = entry.partition(":")
        hashes[alg] = content
    if upstream and upstream.provenance:
        for key, alg in (("sha256", "SHA-256"), ("sha512", "SHA-512")):
            if value := getattr(upstream.provenance, key):
                if digest := _hex_digest(value, alg):
                    hashes[alg] = digest
    props: dict[str, list[str]] = {}
    if previous:
        props.update(
            {k: list(v) for k, v in previous.component.get("properties", {}).items() if k.startswith(P_PROVENANCE)}
        )
    if verified and P_PROVENANCE + "status" not in props:  # checked before this BOM existed
        props[P_PROVENANCE + "status"], props[P_PROVENANCE + "detail"] = [verified[0]], [verified[1]]
    props.setdefault(
        P_PROVENANCE + "status",
        ["unverified" if upstream is None or upstream.provenance is None else "not-yet-verified"],
    )
    props[P_UPSTREAM] = [name]
    # The component is the package: with a purl, its version is the purl's (none if the purl has
    # none). What the running server reports (serverInfo.version) often differs: it is kept beside
    # it, and is the service's version.
    if server_info.get("version"):
        props[P_SERVER_VERSION] = [str(server_info["version"])]
    version = purl.version if purl else server_info.get("version")
    references = previous.component.get("_reference_objects", []) if previous else []
    return Component(
        external_references=references,
        name=(purl.name if purl else None) or server_info.get("name") or name,
        group=(purl.namespace if purl else None) or None,
        version=str(version) if version else None,
        type=ComponentType.APPLICATION,
        bom_ref=_ref("component", name),
        purl=purl,
        hashes=[HashType(alg=HashAlgorithm(alg), content=content) for alg, content in sorted(hashes.items())],
        properties=[Property(name=k, value=v) for k, values in props.items() for v in values],
    )


def _service(
    name: str,
    upstream: UpstreamConfig | None,
    server_info: Mapping[str, Any],
    nested: list[Service],
    previous: BomUpstream | None = None,
) -> Service:
    props = [Property(name=P_UPSTREAM, value=name)]
    endpoints = []
    operator = upstream.operator if upstream else None
    if upstream is None and previous is not None and previous.service:
        # Not in this config: keep the trust boundary the BOM already records for it.
        operator = previous.service.get("operator")
        props += [Property(name=k, value=v) for k, values in previous.service["properties"].items() for v in values]
        endpoints = [XsUri(e) for e in previous.service.get("endpoints", [])]
        crosses = previous.service.get("x_trust_boundary")
    elif upstream is not None:
        zone = "remote-service" if upstream.is_remote else "local-process"
        props += [
            Property(name=P_TRUST_ZONE, value=zone),
            Property(name=P_OPERATOR, value=operator or "unknown"),
            Property(name=P_STATEFUL, value=_bool_text(upstream.stateful)),
            Property(name=P_TRUST_MODE, value=upstream.trust),
            Property(name=P_TRANSPORT, value=upstream.transport or "stdio"),
        ]
        if upstream.url:
            endpoints.append(XsUri(_strip_url(upstream.url)))
        # Crossing a trust boundary: it runs elsewhere, or someone other than the deployer runs it.
        crosses = upstream.is_remote or (operator not in (None, "self")) or bool(upstream.stateful)
    else:
        crosses = None
    title = server_info.get("title") or server_info.get("name")
    return Service(
        name=name,
        bom_ref=_ref("service", name),
        version=str(server_info["version"]) if server_info.get("version") else None,
        description=str(title) if title else None,
        provider=OrganizationalEntity(name=operator) if operator else None,
        endpoints=endpoints,
        x_trust_boundary=crosses,
        properties=props,
        services=nested,
    )


def build(
    config: Config,
    queue: ReviewQueue,
    previous: Bom | None = None,
    *,
    extra_upstreams: Iterable[str] = (),
) -> Bom:
    """The BOM of the configured upstreams from the review state in the database.

    Per upstream and name: the approved definition, plus any pending or rejected one still served.
    Superseded definitions and names the server no longer lists are left out (the database keeps them).
    """
    prev = upstreams_of(previous) if previous is not None else {}
    # Merge, never drop: an upstream already in the BOM stays in it even when this config (or this
    # command) does not name it, so approving one upstream's tool never loses another's entries.
    names = sorted(set(config.upstreams) | set(extra_upstreams) | set(prev))
    bom = Bom(serial_number=previous.serial_number if previous is not None else _serial(names))
    bom.metadata.tools.components.add(
        Component(name="mcp-guard", version=__version__, type=ComponentType.APPLICATION, bom_ref="tool/mcp-guard")
    )
    stamps: list[str] = []
    named = set(config.upstreams) | set(extra_upstreams)
    for name in names:
        upstream = config.upstreams.get(name)
        if name not in named and previous is not None:
            # Kept as recorded: an upstream this config does not define is copied from the BOM as it is (its
            # decisions need not be in this database, which may be another config's).
            bom.components.update(c for c in previous.components if _upstream_of(c) == name)
            bom.services.update(v for v in previous.services if _upstream_of(v) == name)
            continue
        items = [
            i
            for i in queue.items(upstream=name, states=("approved", "pending", "rejected"))
            if i.removed is None or i.state == "approved" and not _name_removed(queue, i)
        ]
        server_info: dict[str, Any] = {}
        nested = []
        for item in items:
            decisions = [d.to_json() for d in queue.decisions(item.id)]
            stamps.append(item.first_seen)
            stamps += [d["at"] for d in decisions]
            nested.append(_item_service(name, item, decisions))
            if item.kind == "server" and (item.state == "approved" or not server_info):
                server_info = dict(item.definition.get("serverInfo") or {})
        bom.components.add(_component(name, upstream, server_info, prev.get(name), _last_verification(queue, name)))
        bom.services.add(_service(name, upstream, server_info, nested, prev.get(name)))
    bom.metadata.timestamp = _timestamp(max(stamps, key=parse_time) if stamps else None, previous)
    return bom


def _upstream_of(element: Component | Service) -> str | None:
    return _one(_props(element), P_UPSTREAM)


def _last_verification(queue: ReviewQueue, upstream: str) -> tuple[str, str] | None:
    """The provenance check's latest outcome for an upstream, from the database."""
    row = queue.conn.execute(
        "SELECT outcome, detail FROM verifications WHERE upstream = ? ORDER BY at DESC LIMIT 1", (upstream,)
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def _name_removed(queue: ReviewQueue, item: Item) -> bool:
    # An approved row is dropped from the BOM only when no definition of its name is listed any more.
    row = queue.conn.execute(
        "SELECT 1 FROM items WHERE upstream = ? AND kind = ? AND name = ? AND removed IS NULL LIMIT 1",
        (item.upstream, item.kind, item.name),
    ).fetchone()
    return row is None


def _serial(names: list[str]) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "mcp-guard:aibom:" + "\0".join(names))


def _timestamp(stamp: str | None, previous: Bom | None) -> datetime:
    if stamp:
        return parse_time(stamp)  # this version's stamps and older ones (whole seconds)
    if previous is not None and previous.metadata.timestamp:
        return previous.metadata.timestamp
    return datetime(1970, 1, 1, tzinfo=UTC)


def adopt(queue: ReviewQueue, bom: Bom, served: set[tuple[str, str, str]] | None = None) -> int:
    """Bring the BOM's decisions into the database (e.g. a fresh checkout); return entries changed.
    `served`: only the definitions (upstream, kind, fingerprint) the config's servers serve now. The BOM
    is a file of the checked-out folder, anyone's to write: its decision about a definition no server
    serves here would approve in advance what a server may serve tomorrow (a prepared rug pull)."""
    changed = 0
    for up in upstreams_of(bom).values():
        for e in up.entries:
            if e.definition is None or e.kind not in KINDS or e.state not in ("approved", "pending", "rejected"):
                continue
            if served is not None and (up.name, e.kind, e.fingerprint) not in served:
                continue
            state = e.state
            if queue.adopt(
                up.name, e.kind, e.name, e.fingerprint, e.definition, state, e.decisions, e.first_seen, e.findings
            ):  # type: ignore[arg-type]
                changed += 1
    return changed


def sync(config: Config, queue: ReviewQueue, path: str | Path | None = None) -> tuple[Bom, str]:
    """Read the BOM (if any), adopt its decisions, rebuild it from the database and write it back."""
    target = Path(path) if path else config.bom_path
    with locked(target, config.db_path.parent):
        previous = read_if_exists(target)
        if previous is not None:
            adopt(queue, previous)
        bom = build(config, queue, previous)
        return bom, write_bom(bom, target)


# --- provenance --------------------------------------------------------------------------------------


def record_provenance(
    bom_doc: Bom,
    upstream: str,
    outcome: str,
    details: str,
    bundle_path: str | None = None,
    bundle_sha256: str | None = None,
    *,
    artifact_sha256: str | None = None,
    artifact_sha512: str | None = None,
    identity: str | None = None,
) -> Component:
    """Record a verification result on an upstream's component (created if absent); return it.

    `outcome` is one of verified | invalid | unsupported | missing | pinned | warn | off. The caller
    writes the BOM (`write_bom`); later `build`s keep these properties.
    """
    comp = next(
        (c for c in bom_doc.components if any(p.name == P_UPSTREAM and p.value == upstream for p in c.properties)), None
    )
    if comp is None:
        comp = Component(
            name=upstream,
            type=ComponentType.APPLICATION,
            bom_ref=_ref("component", upstream),
            properties=[Property(name=P_UPSTREAM, value=upstream)],
        )
        bom_doc.components.add(comp)
    keep = [p for p in comp.properties if not p.name.startswith(P_PROVENANCE)]
    values = {
        "status": outcome,
        "detail": details,
        "bundle": bundle_path,
        "bundle-sha256": bundle_sha256,
        "identity": identity,
    }
    comp.properties = keep + [Property(name=P_PROVENANCE + k, value=v) for k, v in values.items() if v]
    for alg, value in (("SHA-256", artifact_sha256), ("SHA-512", artifact_sha512)):
        if value and (digest := _hex_digest(value, alg)):
            others = [h for h in comp.hashes if h.alg.value != alg]
            comp.hashes = others + [HashType(alg=HashAlgorithm(alg), content=digest)]
    return comp


# --- diffs between two BOMs --------------------------------------------------------------------------


@dataclass(slots=True)
class BomChange:
    upstream: str
    what: str  # item | state | upstream
    summary: str
    change: Change | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"upstream": self.upstream, "what": self.what, "summary": self.summary}
        if self.change is not None:
            out["change"] = self.change.to_json()
        return out


def diff_boms(old: Bom, new: Bom) -> list[BomChange]:
    """What changed from one BOM to another: definitions, review states, upstream facts."""
    a, b = upstreams_of(old), upstreams_of(new)
    out: list[BomChange] = []
    for name in sorted(set(a) | set(b)):
        ua, ub = a.get(name), b.get(name)
        if ua is None:
            out.append(BomChange(name, "upstream", f"upstream {name!r} added ({len(ub.entries)} entries)"))  # type: ignore[union-attr]
        elif ub is None:
            out.append(BomChange(name, "upstream", f"upstream {name!r} removed"))
        else:
            out += _diff_upstream(ua, ub)
        if ua is None or ub is None:
            for e in (ub or ua).entries:  # type: ignore[union-attr]
                status = "added" if ua is None else "removed"
                out.append(BomChange(name, "item", f"{e.kind} {e.name!r} {status} ({e.state})"))
    return out


def _diff_upstream(a: BomUpstream, b: BomUpstream) -> list[BomChange]:
    out: list[BomChange] = []
    for key in ("name", "version", "purl", "hashes", "references"):
        if a.component.get(key) != b.component.get(key):
            out.append(
                BomChange(a.name, "upstream", f"component {key}: {a.component.get(key)} → {b.component.get(key)}")
            )
    pa, pb = a.component.get("properties", {}), b.component.get("properties", {})
    for key in sorted(set(pa) | set(pb)):
        if pa.get(key) != pb.get(key) and key != P_UPSTREAM:
            out.append(BomChange(a.name, "upstream", f"{key}: {_fmt(pa.get(key))} → {_fmt(pb.get(key))}"))
    sa, sb = a.service, b.service
    for key in ("operator", "x_trust_boundary", "endpoints"):
        if sa.get(key) != sb.get(key):
            out.append(BomChange(a.name, "upstream", f"{key}: {sa.get(key)} → {sb.get(key)}"))
    qa, qb = sa.get("properties", {}), sb.get("properties", {})
    for key in sorted(set(qa) | set(qb)):
        if qa.get(key) != qb.get(key):
            out.append(BomChange(a.name, "upstream", f"{key}: {_fmt(qa.get(key))} → {_fmt(qb.get(key))}"))

    def group(entries: list[BomEntry]) -> dict[tuple[str, str], dict[str, BomEntry]]:
        g: dict[tuple[str, str], dict[str, BomEntry]] = {}
        for e in entries:
            g.setdefault((e.kind, e.name), {})[e.fingerprint] = e
        return g

    ga, gb = group(a.entries), group(b.entries)
    for key in sorted(set(ga) | set(gb)):
        kind, item = key
        old, new = ga.get(key, {}), gb.get(key, {})
        old_ok = next((e for e in old.values() if e.state == "approved"), None)
        new_ok = next((e for e in new.values() if e.state == "approved"), None)
        if old_ok and new_ok and old_ok.fingerprint != new_ok.fingerprint:
            change = diff(kind, old_ok.definition or {}, new_ok.definition or {})
            who = _last(new_ok.decisions)
            out.append(BomChange(a.name, "item", f"{kind} {item!r}: approved definition changed{who}", change))
        for fp in sorted(set(old) | set(new)):
            ea, eb = old.get(fp), new.get(fp)
            if ea is None and eb is not None:
                if eb is new_ok and old_ok is not None:
                    continue  # reported above as a change of the approved definition
                change = diff(kind, old_ok.definition if old_ok else None, eb.definition or {})
                status = "changed" if old_ok else "added"
                out.append(
                    BomChange(a.name, "item", f"{kind} {item!r} {status} ({eb.state}{_last(eb.decisions)})", change)
                )
            elif eb is None and ea is not None:
                if ea is old_ok and new_ok is not None:
                    continue
                out.append(BomChange(a.name, "item", f"{kind} {item!r} removed (was {ea.state})"))
            elif ea is not None and eb is not None and ea.state != eb.state:
                out.append(BomChange(a.name, "state", f"{kind} {item!r}: {ea.state} → {eb.state}{_last(eb.decisions)}"))
    return out


def _last(decisions: list[dict[str, str]]) -> str:
    if not decisions:
        return ""
    d = max(decisions, key=lambda x: x.get("at", ""))
    verb = "approved" if d.get("decision") == "approve" else "rejected"
    return f", {verb} by {d.get('reviewer')} at {d.get('at')}: {d.get('reason')}"


def _fmt(values: list[str] | None) -> str:
    if not values:
        return "(none)"
    return ", ".join(values)
