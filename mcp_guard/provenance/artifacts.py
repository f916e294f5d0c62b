"""Verify what you run: name an upstream's artifact, obtain it, verify it, and launch that copy.

The bytes are read once, verified in memory, and written into mcp-guard's own cache
(`$XDG_CACHE_HOME/mcp-guard/artifacts/<sha256>/`); the launch command is pointed at that copy, so a
registry or file change between the check and the launch cannot slip in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mcp_guard.config import Config, ProvenancePolicy, UpstreamConfig
from mcp_guard.errors import ProvenanceError
from mcp_guard.guards.base import LaunchSpec
from mcp_guard.provenance.declared import mismatch
from mcp_guard.provenance.files import MAX_ARTIFACT, MAX_EVIDENCE, read_file
from mcp_guard.provenance.policy import IdentityPolicy
from mcp_guard.provenance.verify import Result, check

# Names an evidence file may have beside the artifact, in order of preference.
_EVIDENCE_SUFFIXES = (".sigstore.json", ".sigstore", ".provenance", ".publish.attestation", ".attestation")
_FETCH_TIMEOUT = 300


@dataclass(frozen=True, slots=True)
class Package:
    """An artifact identity from the config or an MCP Registry server.json."""

    type: str  # npm | pypi | …
    name: str  # npm names keep their @scope/
    version: str | None

    @property
    def purl(self) -> str:
        from packageurl import PackageURL

        namespace, _, name = self.name.rpartition("/") if self.type == "npm" else ("", "", self.name)
        return PackageURL(type=self.type, namespace=namespace or None, name=name, version=self.version).to_string()

    @classmethod
    def from_purl(cls, purl: str) -> Package:
        from packageurl import PackageURL

        try:
            p = PackageURL.from_string(purl)
        except ValueError as err:
            raise ProvenanceError(f"package {purl!r} is not a valid purl: {err}") from None
        name = f"{p.namespace}/{p.name}" if p.namespace else p.name
        return cls(p.type, name, p.version)

    @classmethod
    def from_server_json(cls, path: Path) -> Package:
        """The first npm or PyPI package of an MCP Registry `server.json`."""
        try:
            doc = json.loads(read_file(path, MAX_EVIDENCE).decode("utf-8"))
            packages = doc.get("packages") or []
        except (OSError, ValueError, AttributeError) as err:
            raise ProvenanceError(f"{path}: cannot read server.json: {err}") from None
        for pkg in packages:
            kind = str(pkg.get("registryType", "")).lower()
            if kind in ("npm", "pypi") and pkg.get("identifier"):
                return cls(kind, pkg["identifier"], pkg.get("version") or doc.get("version"))
        raise ProvenanceError(f"{path}: server.json names no npm or PyPI package")


def package_of(config: Config, pol: ProvenancePolicy) -> Package | None:
    if pol.package:
        return Package.from_purl(pol.package)
    if pol.server_json:
        return Package.from_server_json(config.resolve(pol.server_json))
    return None


def attestations_dir(config: Config) -> Path:
    return config.bom_path.parent / "attestations"


def find_evidence(folders: list[Path], artifact_name: str) -> Path | None:
    """An evidence file named after the artifact in one of `folders`."""
    stem = artifact_name.removesuffix(".tgz").removesuffix(".tar.gz")
    names = [artifact_name + s for s in _EVIDENCE_SUFFIXES] + [stem + ".attestations.json"]
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


def fetch(pkg: Package, dest: Path) -> Path:
    """Download a package with its ecosystem's ordinary client (only when `fetch = true`)."""
    exact(pkg)
    if pkg.type == "npm":
        # --ignore-scripts: nothing of the package runs before it is verified (a registry tarball has
        # no build step; this also holds if a spec that builds one ever got through `exact`).
        cmd = ["npm", "pack", "--ignore-scripts", f"{pkg.name}@{pkg.version}", "--pack-destination", str(dest)]
    elif pkg.type == "pypi":
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(dest),
        ]
        cmd.append(f"{pkg.name}=={pkg.version}")
    else:
        raise ProvenanceError(f"{pkg.purl}: fetching {pkg.type} packages is not supported")
    try:
        done = _run_client(cmd, cwd=dest)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ProvenanceError(f"{pkg.purl}: {cmd[0]} failed: {err}") from None
    files = [p for p in dest.iterdir() if p.is_file()]
    if done.returncode != 0 or len(files) != 1:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no file downloaded"]
        raise ProvenanceError(f"{pkg.purl}: cannot download it: {tail[0]}")
    return files[0]


# An exact npm version (semver 2.0) and an npm package name; a PyPI project name. Anything else
# (`file:DIR`, `github:o/r`, a URL, a range, a tag) could make the client build and run a source.
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?")
_NPM_NAME = re.compile(r"(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*")
_PYPI_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_PEP440 = re.compile(r"(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")  # a public release


def exact(pkg: Package) -> None:
    """Refuse a package whose name or version is anything but one exact release of a registry."""
    if not pkg.version:
        raise ProvenanceError(f"{pkg.purl}: fetching needs an exact version")
    if pkg.type == "npm":
        ok = _NPM_NAME.fullmatch(pkg.name) and _SEMVER.fullmatch(pkg.version)
    elif pkg.type == "pypi":
        ok = _PYPI_NAME.fullmatch(pkg.name) and _PEP440.fullmatch(pkg.version)
    else:
        ok = True  # refused by `fetch` as an unsupported type
    if not ok:
        raise ProvenanceError(f"{pkg.name} {pkg.version!r}: fetching needs a registry package name and an "
                              "exact version (like 1.2.3), not a range, tag, path, URL or repository")


def fetch_attestations(pkg: Package, data: bytes, artifact_name: str) -> Path | None:
    """The registry's attestations for this artifact (npm provenance, or PEP 740 provenance from a
    Python index), saved beside the cached copy of `data`; None when the registry serves none.
    Only with `fetch = true`; what is read is verified afterwards, not trusted."""
    if not pkg.version:
        return None
    if pkg.type == "npm":
        raw, name = _npm_attestations(pkg), artifact_name.removesuffix(".tgz") + ".attestations.json"
    elif pkg.type == "pypi":
        raw, name = _pep740_provenance(pkg, artifact_name), artifact_name + ".provenance"
    else:
        return None
    if raw is None:
        return None
    folder = cache_root() / hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    path.write_bytes(raw)
    return path


def _npm_attestations(pkg: Package) -> bytes | None:
    """npm's attestations document for PKG@VERSION, from where the registry npm uses says it is."""
    url = _ask(pkg, ["npm", "view", f"{pkg.name}@{pkg.version}", "dist.attestations.url", "--json"], "npm")
    try:
        url = json.loads(url) if url.strip() else None
    except ValueError:
        url = None
    return _download(pkg, url) if isinstance(url, str) and url else None


def _pep740_provenance(pkg: Package, filename: str) -> bytes | None:
    """The PEP 740 provenance a Python index lists for this file in its JSON simple page (PEP 691)."""
    import re
    import urllib.parse

    project = re.sub(r"[-_.]+", "-", pkg.name).lower()
    page = urllib.parse.urljoin(_pip_index_url(pkg).rstrip("/") + "/", project + "/")
    try:
        doc = json.loads(_download(pkg, page, accept="application/vnd.pypi.simple.v1+json"))
        files = doc.get("files") or []
    except (ValueError, AttributeError):
        raise ProvenanceError(f"{pkg.purl}: the index's page {page} is not a JSON simple page") from None
    for entry in files:
        if isinstance(entry, dict) and entry.get("filename") == filename:
            url = entry.get("provenance")
            return _download(pkg, urllib.parse.urljoin(page, url)) if isinstance(url, str) and url else None
    return None


def _pip_index_url(pkg: Package) -> str:
    """The index pip downloads from: its configured `index-url`, else pip's own default."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    listed = _ask(pkg, [sys.executable, "-m", "pip", "config", "list"], "pip")
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith(".index-url") and value.strip():
            return value.strip().strip("'\"")
    code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"  # pip's default, not ours
    return _ask(pkg, [sys.executable, "-c", code], "pip").strip()


def _run_client(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a registry's client (npm, pip) as the system has it: found in the system's folders, never on
    mcp-guard's PATH (whoever starts mcp-guard sets that: a project's client entry can), and with only
    the ordinary variables and the client's own settings (`npm_config_*`, `PIP_*`): not the rest of our
    environment, which holds the sources of the upstreams' secrets. What it downloads is verified."""
    from mcp_guard import system
    from mcp_guard.intent.credentials import ordinary

    path = system.system_locations(None)["PATH"]
    program = cmd[0] if os.path.isabs(cmd[0]) else system.system_program(cmd[0], path)
    if program is None:
        raise FileNotFoundError(2, f"not in the system's folders ({path})", cmd[0])
    env = {k: v for k, v in os.environ.items()
           if ordinary(k) or k.upper().startswith(("NPM_CONFIG_", "PIP_"))}
    env["PATH"] = path
    return subprocess.run([program, *cmd[1:]], capture_output=True, text=True, timeout=_FETCH_TIMEOUT,
                          cwd=cwd, env=env)


def _ask(pkg: Package, cmd: list[str], client: str) -> str:
    try:
        done = _run_client(cmd)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ProvenanceError(f"{pkg.purl}: cannot ask {client} for its attestations: {err}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise ProvenanceError(f"{pkg.purl}: cannot ask {client} for its attestations: {tail[0]}")
    return done.stdout


def _download(pkg: Package, url: str, accept: str | None = None) -> bytes:
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise ProvenanceError(f"{pkg.purl}: the registry names its attestations at {url!r}, not a web address")
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - scheme checked above
            raw = response.read(MAX_EVIDENCE + 1)
    except OSError as err:
        raise ProvenanceError(f"{pkg.purl}: cannot download its attestations from {url}: {err}") from None
    if len(raw) > MAX_EVIDENCE:
        raise ProvenanceError(f"{pkg.purl}: its attestations are larger than {MAX_EVIDENCE // 2**20} MiB")
    return raw


@dataclass(slots=True)
class Checked:
    """A verification result and, when the artifact was read, the exact bytes that were checked."""

    result: Result
    data: bytes | None = None
    filename: str | None = None
    source: Path | None = None  # where the artifact was read from, when it was a configured file


def check_upstream(config: Config, name: str) -> Checked:
    """Obtain and verify the artifact of one upstream according to its provenance policy."""
    up = config.upstream(name)
    pol = up.provenance or ProvenancePolicy()
    pkg = package_of(config, pol)
    purl = pkg.purl if pkg else None
    identity = IdentityPolicy.from_config(pol)
    if pol.artifact:
        source, fetched = config.resolve(pol.artifact), False
        try:
            data: bytes | None = read_file(source, MAX_ARTIFACT)
        except FileNotFoundError:
            data = None  # reported as a missing artifact
        except OSError as err:
            return Checked(Result("invalid", f"artifact {err}", artifact=str(source), purl=purl))
    elif pol.fetch and pkg:
        with tempfile.TemporaryDirectory(prefix="mcp-guard-fetch-") as tmp:
            try:
                source, fetched = fetch(pkg, Path(tmp)), True
            except ProvenanceError as err:
                return Checked(Result("missing", err.message, purl=purl))
            try:
                data = read_file(source, MAX_ARTIFACT)
            except OSError as err:
                return Checked(Result("invalid", f"downloaded artifact {err}", purl=purl))
    else:
        fix = f"`npm pack {pkg.name}@{pkg.version}`" if pkg and pkg.type == "npm" else "the file you run"
        raise ProvenanceError(
            f"upstream {name!r}: provenance names no artifact: set 'artifact' to a local copy of the "
            f"package ({fix}), or 'fetch = true' with 'package' (or 'server_json') to download it"
        )
    folders = [attestations_dir(config)] + ([] if fetched else [source.parent])
    looked_in = ", ".join(str(f) for f in folders)
    # A pin-only policy names no signer, so evidence found lying beside the artifact is not sought.
    if pol.bundle:
        evidence: Path | None = config.resolve(pol.bundle)
    else:
        evidence = None if identity.is_empty() else find_evidence(folders, source.name)
    if evidence is None and not pol.bundle and not identity.is_empty() and pol.fetch and pkg and data is not None:
        try:
            evidence = fetch_attestations(pkg, data, source.name)
        except ProvenanceError as err:
            return Checked(Result("missing", err.message, artifact=source.name, purl=purl), data, source.name)
        looked_in += f" and the {pkg.type} registry"
    result = check(
        data,
        artifact=source.name if fetched else str(source),
        evidence=evidence,
        identity=identity,
        sha256=pol.sha256,
        sha512=pol.sha512,
        trusted_root=str(config.resolve(pol.trusted_root)) if _is_file_root(pol.trusted_root) else pol.trusted_root,
        purl=purl,
        looked_in=looked_in,
    )
    if result.ok and pkg is not None and data is not None:  # the signer vouches for bytes, not for which package
        wrong = mismatch(pkg.type, pkg.name, pkg.version, data, source.name)
        if wrong:
            result = dataclasses.replace(result, outcome="invalid", detail=f"{result.label}, but {wrong}")
    return Checked(result, data, source.name, None if fetched else source)


def _is_file_root(spec: str | None) -> bool:
    return spec is not None and spec not in ("production", "staging")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mcp-guard" / "artifacts"


def materialize(data: bytes, filename: str, sha256: str) -> tuple[Path, Path | None, list[str]]:
    """Write verified bytes into the cache (and unpack archives); return (file, unpacked folder, changes).

    `changes` lists how the unpacked copy on disk differs from a fresh unpacking of the verified
    bytes (empty when it is intact): it is checked, whole tree, before every launch.
    """
    folder = cache_root() / sha256
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / Path(filename).name
    if not target.is_file() or target.read_bytes() != data:  # re-check: the cache is writable by the user
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o700 if not _is_archive(filename) else 0o600)
        os.replace(tmp, target)
    if not _is_archive(filename):
        return target, None, []
    unpacked = folder / "unpacked"
    if unpacked.is_dir() and tree_manifest(unpacked) == archive_manifest(data, filename, unpacked):
        return target, unpacked, []  # intact: the usual case, decided without writing anything
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".unpack-"))
    try:
        _unpack(data, filename, staging)
        if unpacked.is_dir():  # a fresh unpacking is the reference: the changes it shows are exact
            return target, unpacked, tree_changes(tree_manifest(staging), tree_manifest(unpacked))
        try:
            os.replace(staging, unpacked)
        except OSError:
            if not unpacked.is_dir():  # else another process unpacked the same bytes first
                raise
            return target, unpacked, tree_changes(tree_manifest(staging), tree_manifest(unpacked))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, unpacked, []


def tree_manifest(root: Path) -> dict[str, str]:
    """Every entry under `root` by relative path: a file's sha256 (and exec bit), a link's target, a folder."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in [*dirnames, *filenames]:
            path = base / name
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "link " + os.readlink(path)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "folder"
            elif stat.S_ISREG(st.st_mode):
                with path.open("rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
                out[rel] = digest + (" executable" if st.st_mode & 0o111 else "")
            else:
                out[rel] = "special file"
    return out


def archive_manifest(data: bytes, filename: str, dest: Path) -> dict[str, str]:
    """The `tree_manifest` that unpacking `data` into `dest` gives, computed in memory.

    Only ever trusted to say "intact": when it differs from the tree on disk, a real unpacking
    decides (so a gap in this model can cost time, never a wrong refusal).
    """
    out: dict[str, str] = {}

    def put(name: str, value: str) -> None:
        rel = os.path.normpath(name.lstrip("/"))
        if rel in (".", "") or rel.startswith(".."):
            return
        parts = rel.split("/")
        for i in range(1, len(parts)):
            out["/".join(parts[:i])] = "folder"
        out[rel] = value

    try:
        if filename.endswith((".whl", ".zip", ".mcpb")):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():  # extracted without their modes: never executable
                    if info.is_dir():
                        put(info.filename, "folder")
                    else:
                        put(info.filename, hashlib.sha256(zf.read(info)).hexdigest())
            return out
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            for member in tf.getmembers():
                if hasattr(tarfile, "data_filter"):
                    member = tarfile.data_filter(member, str(dest))
                if member.isdir():
                    put(member.name, "folder")
                elif member.issym():
                    put(member.name, "link " + member.linkname)
                elif member.isfile() or member.islnk():
                    f = tf.extractfile(member)
                    digest = hashlib.sha256(f.read() if f else b"").hexdigest()
                    put(member.name, digest + (" executable" if (member.mode or 0) & 0o111 else ""))
    except (tarfile.TarError, zipfile.BadZipFile, OSError, KeyError):
        return {}  # whatever it is, the real unpacking path reports it
    return out


def tree_changes(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """What differs between two tree manifests, one "PATH (changed|added|removed)" per entry."""
    changes = [f"{p} ({'changed' if p in actual else 'removed'})" for p in expected if actual.get(p) != expected[p]]
    changes += [f"{p} (added)" for p in actual if p not in expected]
    return sorted(changes)


def _is_archive(filename: str) -> bool:
    return filename.endswith((".tgz", ".tar.gz", ".tar", ".whl", ".zip", ".mcpb"))


def _unpack(data: bytes, filename: str, dest: Path) -> None:
    try:
        if filename.endswith((".whl", ".zip", ".mcpb")):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in zf.namelist():
                    resolved = (dest / member).resolve()
                    if not resolved.is_relative_to(dest.resolve()):
                        raise ProvenanceError(f"{filename}: archive member {member!r} escapes its folder")
                zf.extractall(dest)
        else:
            with tarfile.open(fileobj=io.BytesIO(data)) as tf:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
                    tf.extractall(dest, filter="data")  # refuses links and paths leaving dest
                else:
                    tf.extractall(dest, members=_plain_members(tf, dest, filename))
    except (tarfile.TarError, zipfile.BadZipFile) as err:
        raise ProvenanceError(f"{filename}: verified, but cannot be unpacked: {err}") from None


def _plain_members(tf: tarfile.TarFile, dest: Path, filename: str) -> list[tarfile.TarInfo]:
    """What the "data" filter lets through, for Pythons without it: files and folders inside `dest`."""
    members = []
    for member in tf.getmembers():
        if not (member.isfile() or member.isdir()):
            raise ProvenanceError(f"{filename}: archive member {member.name!r} is a link or device; refused")
        if not (dest / member.name).resolve().is_relative_to(dest.resolve()):
            raise ProvenanceError(f"{filename}: archive member {member.name!r} escapes its folder")
        member.mode &= 0o755  # no set-id bits, no group or world write
        members.append(member)
    return members


def launch_from(
    spec: LaunchSpec, pkg: Package | None, source: Path | None, file: Path, unpacked: Path | None
) -> tuple[LaunchSpec, bool, str | None]:
    """The launch spec pointed at the verified copy, whether it now runs that copy, and why not.

    `{verified}` and `{verified_dir}` in the command or args name the cached file and its unpacked
    folder; an argument naming the configured artifact file is replaced by the copy; `npx PKG`,
    `uvx PKG` and the package's own command (one of its bins or console scripts, found anywhere)
    run the copy instead of whatever PKG or that command resolves to at launch.
    """
    subst = {"{verified}": str(file), "{verified_dir}": str(unpacked or file.parent)}

    def sub(text: str) -> str:
        for key, value in subst.items():
            text = text.replace(key, value)
        return text

    command = sub(spec.command) if spec.command else spec.command
    args = [sub(a) for a in spec.args]
    env = dict(spec.env)
    if (command != spec.command or args != spec.args) and unpacked is not None:
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")  # the unpacked tree is checked whole: no .pyc in it
    if source is not None:
        for i, a in enumerate(args):
            if a == str(source) or (a and Path(a).expanduser().resolve() == source.resolve()):
                args[i] = str(file)
    # A placeholder anywhere is no proof: the copy must be THE program (see `_runs_copy`).
    roots = [file, unpacked] if unpacked else [file]
    used = _runs_copy(command, args, roots)
    why: str | None = None
    if used and command and _inside(command, roots):  # a file of the copy run by its `#!` line
        interpreter = _python_shebang(Path(command))
        if interpreter is not None:
            command, args = interpreter[0], [*interpreter[1:], command, *args]
            if any(a not in _PLAIN_FLAGS for a in interpreter[1:]):
                used, why = False, f"its `#!` line gives Python an option that may run other code: {interpreter}"
    if used and _PYTHON.fullmatch(Path(command or "").name):
        args = _isolated_python(args, unpacked or file.parent)
    runner = Path(command or "").name
    kind, bins = _bins(pkg, unpacked)
    rewritten: list[str] | None = None
    try:
        if runner == "npx" and pkg and pkg.type == "npm":
            rewritten = _npx(args, pkg, file, bins)
        elif runner == "uvx" and pkg and pkg.type == "pypi":
            rewritten = _uvx(args, pkg, file, bins)
        elif runner and runner in bins and not used:  # the package's own command, installed somewhere else
            if kind == "npm":
                command, rewritten = "npx", ["-y", f"--package={file}", runner, *args]
            else:
                command, rewritten = "uvx", [*_UVX_OWN, "--from", str(file), runner, *args]
            if shutil.which(command, path=env.get("PATH") or os.environ.get("PATH")) is None:
                # A runner the config never named: say so, not "command not found" of a word nobody wrote.
                tool = "uv's `uvx` (pip install uv)" if command == "uvx" else "Node's `npx` (Node ≥ 22)"
                raise _Refused(f"the copy of the {pkg.type if pkg else kind} package runs by its own command "
                               f"`{runner}` through {tool}, which is not on PATH; install it, or point "
                               "the command at a file of the copy (`{verified_dir}/…`)")
    except _Refused as err:
        rewritten, used, why = None, False, str(err)
    if rewritten is not None:
        args, used = rewritten, True
    loads = code_env(env)
    if loads:  # e.g. NODE_OPTIONS=--require EVIL runs other code before the copy
        used, why = False, f"its environment sets {', '.join(loads)}, which makes the runtime load other code"
    return dataclasses.replace(spec, command=command, args=args, env=env), used, why


class _Refused(Exception):
    """A launch command that would let something outside the verified copy choose what runs."""


# Interpreters whose first positional argument is the script they run.
_INTERPRETER = re.compile(r"(python|pypy)(\d+(\.\d+)*)?|node(js)?")
_PYTHON = re.compile(r"(python|pypy)(\d+(\.\d+)*)?")
# Interpreter flags that change no code being run; any other option (-c, -m, -e, --require, --import,
# --loader, -r, -X …) may run code other than the script, so it is refused.
_PLAIN_FLAGS = {"-u", "-B", "-E", "-I", "-s", "-S", "-O", "-OO", "-q", "-b", "-bb", "-P",
                "--no-warnings", "--no-deprecation", "--enable-source-maps", "--trace-warnings"}
# Environment variables that make a runtime or a launcher load code of their naming, by family
# (compared without case: npm reads `npm_config_*` in any case, Windows names have none). Within a
# family only the names known to choose no code are let through.
_CODE_FAMILIES = ("NODE_", "PYTHON", "NPM_CONFIG_", "UV_", "LD_", "DYLD_", "PERL5", "PERLLIB", "RUBY",
                  "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "GCONV_PATH")
_CODE_NAMES = {"BASH_ENV", "ENV", "ZDOTDIR"}
_HARMLESS = {
    "NODE_ENV", "NODE_EXTRA_CA_CERTS", "NODE_NO_WARNINGS", "NODE_TLS_REJECT_UNAUTHORIZED",
    "NODE_DISABLE_COLORS", "NODE_PENDING_DEPRECATION", "NODE_DEBUG",
    "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONHASHSEED",
    "PYTHONNOUSERSITE", "PYTHONSAFEPATH", "PYTHONFAULTHANDLER", "PYTHONLEGACYWINDOWSSTDIO",
    "NPM_CONFIG_LOGLEVEL", "NPM_CONFIG_FUND", "NPM_CONFIG_AUDIT", "NPM_CONFIG_UPDATE_NOTIFIER",
    "NPM_CONFIG_YES", "NPM_CONFIG_PROGRESS", "NPM_CONFIG_COLOR", "NPM_CONFIG_PREFER_OFFLINE",
    "NPM_CONFIG_OFFLINE", "NPM_CONFIG_PROXY", "NPM_CONFIG_HTTPS_PROXY", "NPM_CONFIG_NOPROXY",
    "UV_NO_PROGRESS", "UV_OFFLINE", "UV_NATIVE_TLS", "UV_NO_CACHE", "UV_HTTP_TIMEOUT", "UV_NO_CONFIG",
}


def code_env(env: Mapping[str, str | None]) -> list[str]:
    """The variables of `env` that can make a runtime or launcher load code of their choosing."""
    found = []
    for name, value in env.items():
        upper = name.upper().replace("-", "_")
        if value is None or upper in _HARMLESS:
            continue
        if upper in _CODE_NAMES or upper.startswith(_CODE_FAMILIES):
            found.append(name)
    return sorted(found)


def _python_shebang(script: Path) -> list[str] | None:
    """[interpreter, flags…] when `script` starts with a `#!` line running Python, else None."""
    try:
        with script.open("rb") as f:
            first = f.readline(256).decode("utf-8", "replace")
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if words and Path(words[0]).name == "env":
        words = [w for w in words[1:] if w != "-S"]
    if words and _PYTHON.fullmatch(Path(words[0]).name):
        return words
    return None


def _isolated_python(args: list[str], root: Path) -> list[str]:
    """`python [FLAGS] SCRIPT …` run isolated (`-I`: no PYTHON* variables, no user site, no folder of
    the caller's on sys.path) with the script's folder and the verified copy's root first on sys.path,
    so the package the script imports is the verified one, not one installed elsewhere."""
    i = next(n for n, a in enumerate(args) if a not in _PLAIN_FLAGS)
    script, rest = args[i], args[i + 1 :]
    boot = (
        "import sys, runpy; s = sys.argv[1]; "
        "sys.path[:0] = [__import__('os').path.dirname(s), sys.argv[2]]; "
        "sys.argv = sys.argv[1:2] + sys.argv[3:]; runpy.run_path(s, run_name='__main__')"
    )
    return ["-I", "-B", *[a for a in args[:i] if a not in ("-E", "-s", "-I", "-P", "-B")], "-c", boot,
            script, str(root), *rest]


def _inside(path: str, roots: list[Path]) -> bool:
    if not path or not os.path.isabs(path):
        return False
    real = Path(path).resolve()
    return any(real == r.resolve() or real.is_relative_to(r.resolve()) for r in roots) and real.is_file()


def _runs_copy(command: str | None, args: list[str], roots: list[Path]) -> bool:
    """Whether the verified copy is the program itself: the command is a file of the copy, or an
    interpreter (with only plain flags) runs a file of the copy as its script."""
    if command and _inside(command, roots):
        return True
    if not command or not _INTERPRETER.fullmatch(Path(command).name):
        return False
    for arg in args:
        if arg in _PLAIN_FLAGS:
            continue
        return _inside(arg, roots)  # the first positional is the script; an option here is refused
    return False


def _bins(pkg: Package | None, unpacked: Path | None) -> tuple[str | None, set[str]]:
    """The package's ecosystem and the commands it installs (npm `bin`, Python console scripts)."""
    if unpacked is None:
        return (pkg.type if pkg else None), set()
    manifest = unpacked / "package" / "package.json"
    if manifest.is_file():
        try:
            doc = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "npm", set()
        bins = doc.get("bin") if isinstance(doc, dict) else None
        if isinstance(bins, str):
            return "npm", {str(doc.get("name", "")).rpartition("/")[2]}
        return "npm", {str(k) for k in bins} if isinstance(bins, dict) else set()
    scripts: set[str] = set()
    for entry_points in unpacked.glob("*.dist-info/entry_points.txt"):  # a wheel
        import configparser

        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        try:
            parser.read_string(entry_points.read_text(encoding="utf-8"))
        except (OSError, configparser.Error):
            continue
        if parser.has_section("console_scripts"):
            scripts |= set(parser["console_scripts"])
    for pyproject in unpacked.glob("*/pyproject.toml"):  # an sdist
        import tomllib

        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project") or {}
        except (OSError, tomllib.TOMLDecodeError):
            continue
        scripts |= {str(k) for k in (project.get("scripts") or {})}
    found = scripts or any(unpacked.glob("*.dist-info")) or any(unpacked.glob("*/PKG-INFO"))
    return ("pypi" if found else (pkg.type if pkg else None)), scripts


# The options of npx and uvx that may stay on a command line running a verified copy: each changes
# how much is said or whether to ask, none what runs (`--package` / `--from` are pointed at the copy).
# Any other option is refused: npx's `--node-options`, `--script-shell`, `--userconfig`, uvx's
# `--python`, `--with` … choose code that runs beside, before or instead of the verified one.
_NPX_KEPT = {"-y", "--yes", "--no-yes", "-q", "--quiet", "-s", "--silent", "--loglevel", "--no-update-notifier",
             "--prefer-offline", "--offline", "-p", "--package"}
_UVX_KEPT = {"-q", "--quiet", "-v", "--verbose", "--offline", "--no-progress", "--native-tls", "-n", "--no-cache",
             "--isolated", "--no-config", "--from", "--color"}
# uvx reads no uv.toml / pyproject.toml (of the folder it starts in or the user's), and never runs a
# tool installed earlier (`uv tool install`, in HOME) in place of the verified file.
_UVX_OWN = ["--no-config", "--isolated"]
# Options of npx and uvx that take a value (the value is not the package to run).
_NPX_VALUE_OPTIONS = {"-p", "--package", "-c", "--call", "-w", "--workspace", "--registry", "--cache", "--userconfig",
                      "--loglevel", "--node-options", "--script-shell", "--globalconfig", "--prefix"}
_UVX_VALUE_OPTIONS = {
    "--from", "--with", "--with-editable", "--with-requirements", "-p", "--python", "--index", "--default-index",
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--python-preference", "--cache-dir",
    "--directory", "--project", "--config-file", "--constraints", "-c", "--overrides", "--build-constraints",
    "-C", "--config-setting", "--prerelease", "--resolution", "--index-strategy", "--keyring-provider", "--color",
}


def _options(args: list[str], takes_value: set[str]) -> tuple[list[tuple[int, str, str]], int]:
    """The leading options of `args` as (index, option, value) and the index of the first positional."""
    found: list[tuple[int, str, str]] = []
    i = 0
    while i < len(args) and args[i].startswith("-"):
        arg = args[i]
        if arg == "--":
            return found, i + 1
        option, eq, value = arg.partition("=")
        if option in takes_value and not eq:
            found.append((i + 1, option, args[i + 1] if i + 1 < len(args) else ""))
            i += 2
            continue
        found.append((i, option, value if eq else ""))
        i += 1
    return found, i


def _only_kept(runner: str, options: list[tuple[int, str, str]], kept: set[str]) -> None:
    refused = sorted({opt for _, opt, _ in options if opt not in kept})
    if refused:
        raise _Refused(f"`{runner}` option {', '.join(refused)} may choose code that runs beside the verified "
                       f"copy; allowed before the package: {' '.join(sorted(kept))}")


def _npx(args: list[str], pkg: Package, file: Path, bins: set[str]) -> list[str] | None:
    """`npx [-y] PKG …` or `npx -p PKG BIN …` pointed at the verified tarball; None when it runs anything else."""
    options, first = _options(args, _NPX_VALUE_OPTIONS)
    _only_kept("npx", options, _NPX_KEPT)
    packages = [(i, value) for i, opt, value in options if opt in ("-p", "--package")]
    out = list(args)
    if packages:
        if not all(_names(value, pkg) for _, value in packages) or first >= len(args):
            return None
        if args[first] not in (bins or {pkg.name.rpartition("/")[2]}):
            return None  # `npx -p PKG sh …` runs another program with the package beside it
        for i, _ in packages:
            out[i] = f"--package={file}" if args[i].startswith("--package=") else str(file)
        return out
    if first < len(args) and _names(args[first], pkg):
        # npx takes a tarball as --package (a bare path would be run as a command)
        out[first : first + 1] = [f"--package={file}", _npm_bin(bins, pkg)]
        return out
    return None


def _uvx(args: list[str], pkg: Package, file: Path, bins: set[str]) -> list[str] | None:
    """`uvx PKG …` or `uvx --from PKG CMD …` pointed at the verified file (see `_UVX_OWN`); None when it
    runs anything else."""
    options, first = _options(args, _UVX_VALUE_OPTIONS)
    _only_kept("uvx", options, _UVX_KEPT)
    sources = [(i, value) for i, opt, value in options if opt == "--from"]
    out = list(args)
    if sources:
        if not all(_names(value, pkg) for _, value in sources) or first >= len(args):
            return None
        if args[first] not in (bins or {pkg.name}):
            return None  # `uvx --from PKG python …` runs another program
        for i, _ in sources:
            out[i] = f"--from={file}" if args[i].startswith("--from=") else str(file)
        return [*(o for o in _UVX_OWN if o not in args[:first]), *out]
    if first < len(args) and _names(args[first], pkg):
        out[first : first + 1] = ["--from", str(file), pkg.name]
        return [*(o for o in _UVX_OWN if o not in args[:first]), *out]
    return None


def _npm_bin(bins: set[str], pkg: Package) -> str:
    """The command an npm package installs: its only bin, or the one named after the package."""
    short = pkg.name.rpartition("/")[2]
    return next(iter(bins)) if len(bins) == 1 and short not in bins else short


def _names(arg: str, pkg: Package) -> bool:
    """Whether a command-line package spec names this package (any version spelling)."""
    if pkg.type == "npm":
        return arg == pkg.name or arg.startswith(pkg.name + "@")
    base = arg.split("==", 1)[0].split("@", 1)[0].strip().lower().replace("_", "-")
    return base == pkg.name.lower().replace("_", "-")


@dataclass(slots=True)
class Prepared:
    result: Result
    spec: LaunchSpec  # the spec to launch (pointed at the verified copy when verification passed)
    runs_verified_copy: bool
    why: str | None = None  # why the command does not run the verified copy, when that is known


def prepare(config: Config, up: UpstreamConfig, spec: LaunchSpec) -> Prepared:
    """Verify an upstream's artifact and, when it passes, point its launch at the verified copy.

    The cached copy is checked against the verified bytes (every file of the unpacked tree) each
    time: a copy edited since is an `invalid` result, whatever `verify` said before.
    """
    checked = check_upstream(config, spec.upstream)
    result = checked.result
    if not result.ok or checked.data is None or not checked.filename or not result.sha256 or spec.command is None:
        return Prepared(result, spec, False)
    file, unpacked, changes = materialize(checked.data, checked.filename, result.sha256)
    if changes:
        return Prepared(modified_copy(result, unpacked or file, changes), spec, False)
    pkg = package_of(config, up.provenance) if up.provenance else None
    new_spec, used, why = launch_from(spec, pkg, checked.source, file, unpacked)
    if used and unpacked is not None and Path(new_spec.command or "").name == "npx":
        new_spec = _own_npx_cache(new_spec, file.parent / "npm", unpacked / "package")
    return Prepared(result, new_spec, used, why)


def _own_npx_cache(spec: LaunchSpec, npm_cache: Path, package: Path) -> LaunchSpec:
    """npx runs the package from ITS install of the tarball (`CACHE/_npx/HASH/node_modules/NAME`,
    started through the link `node_modules/.bin/BIN`) and reuses that install: give npx a cache of
    mcp-guard's per verified digest, and drop an install whose package or bin links differ from the
    verified tree so npx installs the verified tarball afresh.

    npx also reads npm configuration (`node-options`, `script-shell`, …) from the folder it starts
    in (a cloned repository's `.npmrc`) and the user's `~/.npmrc`: it is given an empty folder of
    ours as its project (`--prefix`), no user configuration, and the global one only when an
    administrator owns it (whoever can write it can replace npm itself)."""
    try:
        doc = json.loads((package / "package.json").read_text(encoding="utf-8"))
        name = doc["name"]
    except (OSError, ValueError, KeyError, TypeError):
        doc, name = {}, None
    if isinstance(name, str) and name and ".." not in name:
        expected = _plain(tree_manifest(package))
        bins = _bin_files(doc, name)
        for installed in npm_cache.glob(f"_npx/*/node_modules/{name}"):
            if (installed.is_symlink() or _plain(tree_manifest(installed)) != expected
                    or not _bin_links_intact(installed, name, bins)):
                shutil.rmtree(installed.parents[1], ignore_errors=True)  # the whole install: npx redoes it
    prefix = npm_cache.parent / "npm-project"  # kept empty: nothing in it is ever read as configuration
    if prefix.is_symlink() or prefix.is_file():
        prefix.unlink()
    elif prefix.is_dir() and any(prefix.iterdir()):
        shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(mode=0o700, exist_ok=True)
    env = {"npm_config_update_notifier": "false", **spec.env, "npm_config_cache": str(npm_cache),
           "npm_config_userconfig": os.devnull,
           "npm_config_globalconfig": _admin_npmrc(spec.env.get("PATH"))}
    return dataclasses.replace(spec, args=[f"--prefix={prefix}", *spec.args], env=env)


def _bin_files(doc: dict, name: str) -> dict[str, str]:
    """The package's bins: command name → file inside the package (as npm links them)."""
    bins = doc.get("bin")
    if isinstance(bins, str):
        bins = {name.rpartition("/")[2]: bins}
    return {str(k): os.path.normpath(str(v)) for k, v in bins.items()} if isinstance(bins, dict) else {}


def _bin_links_intact(installed: Path, name: str, bins: dict[str, str]) -> bool:
    """Each `node_modules/.bin/BIN` is npm's link to the package's own bin file, nothing else."""
    for command, target in bins.items():
        link = installed.parents[len(Path(name).parts) - 1] / ".bin" / command
        if not link.is_symlink():
            return False
        pointed = os.path.normpath(os.path.join(link.parent, os.readlink(link)))
        if pointed != os.path.normpath(installed / target):
            return False
    return True


def _admin_npmrc(path: str | None) -> str:
    """npm's global configuration file (`PREFIX/etc/npmrc` beside the node that runs npx) when root
    owns it and only root can write it; else no global configuration at all."""
    node = shutil.which("node", path=path)
    if node:
        npmrc = Path(node).resolve().parent.parent / "etc" / "npmrc"
        try:
            st = npmrc.stat()
        except OSError:
            return os.devnull
        if stat.S_ISREG(st.st_mode) and st.st_uid == 0 and not st.st_mode & 0o022:
            return str(npmrc)
    return os.devnull


def _plain(manifest: dict[str, str]) -> dict[str, str]:
    """A manifest without exec bits: npm marks a package's bins executable when it installs them."""
    return {k: v.removesuffix(" executable") for k, v in manifest.items()}


def modified_copy(result: Result, where: Path, changes: list[str]) -> Result:
    """The result for a verified artifact whose cached copy was edited afterwards."""
    shown = ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
    return dataclasses.replace(
        result,
        outcome="invalid",
        detail=f"the verified copy in {where} was modified after verification: {shown}; "
        f"delete {where} to restore it from the verified artifact",
    )
