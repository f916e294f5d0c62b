#!/usr/bin/env python3
"""Every finding the scanner gives on every corpus, as one digest: a refactoring or a speed-up must
leave it unchanged (a change of judgement is a deliberate, separate commit).

Corpora: fixtures/scan_corpus (definitions, results, negatives, positives, every captured server),
and ../shared/eval/agentdojo-dev-v2 (its tools and every result text, benign and attacked), when there.

    scripts/scan_snapshot.py                 # prints the digest and how many texts and findings
    scripts/scan_snapshot.py --out FILE      # also writes every finding, one a line, to compare
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mcp_guard.scan import scan_item, scan_result  # noqa: E402

CORPUS = REPO / "fixtures" / "scan_corpus"


def _case_tool(case: dict) -> dict:
    props = {p: {"type": "string", "description": d} for p, d in case.get("params", {}).items()}
    schema = {"type": "object", "properties": props}
    return {"name": case["name"], "description": case["description"], "inputSchema": schema}


def items(shared: Path | None) -> Iterator[tuple[str, str, dict, tuple[str, ...], tuple[str, ...]]]:
    """(label, kind, definition or result, other_tools, own_tools); kind "result" for results."""
    for c in json.loads((CORPUS / "definitions.json").read_text()):
        yield f"def:{c['id']}", c["item"], c["definition"], tuple(c.get("other_tools", ())), ()
    for c in json.loads((CORPUS / "results.json").read_text()):
        yield f"res:{c['id']}", "result", c["result"], (), ()
    for c in json.loads((CORPUS / "negatives.json").read_text()):
        if "result" in c:
            yield f"neg:{c['id']}", "result", c["result"], (), ()
        else:
            yield f"neg:{c['id']}", c.get("item", "tool"), c["definition"], tuple(c.get("other_tools", ())), ()
    for path in sorted((CORPUS / "positives").glob("*.json")):
        for c in json.loads(path.read_text())["cases"]:
            yield f"pos:{c['id']}", "tool", _case_tool(c), tuple(c.get("other_tools", ())), ()
    servers = {}
    for path in sorted((CORPUS / "servers").glob("*.json")):
        doc = json.loads(path.read_text())
        servers[doc["package"]] = doc["tools"]
    dojo = shared / "eval" / "agentdojo-dev-v2" if shared else None
    if dojo and dojo.is_dir():
        for path in sorted(dojo.glob("tools_*.json")):
            servers[f"agentdojo/{path.stem}"] = json.loads(path.read_text())
    names = {s: tuple(t["name"] for t in ts) for s, ts in servers.items()}
    for server, tools in servers.items():
        others = tuple(n for s, ns in names.items() if s != server for n in ns)
        for t in tools:
            yield f"srv:{server}:{t['name']}", "tool", t, others, names[server]
    if dojo and dojo.is_dir():
        seen: set[str] = set()
        for path in sorted(dojo.glob("pairs_*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    rec = json.loads(line)
                    for text in rec["benign_results"] + rec["attacked_results"]:
                        if text not in seen:
                            seen.add(text)
                            key = hashlib.sha256(text.encode()).hexdigest()[:12]
                            yield f"dojo:{key}", "result", {"content": [{"type": "text", "text": text}]}, (), ()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, help="write every finding to this file")
    a = ap.parse_args()
    digest = hashlib.sha256()
    lines = []
    n_items = n_findings = 0
    for label, kind, obj, others, own in items(a.shared if a.shared.is_dir() else None):
        fs = scan_result(obj) if kind == "result" else scan_item(kind, obj, other_tools=others, own_tools=own)
        n_items += 1
        for f in fs:
            n_findings += 1
            line = label + "\t" + json.dumps(f.to_dict(), sort_keys=True, ensure_ascii=False)
            digest.update(line.encode() + b"\n")
            if a.out:
                lines.append(line)
    if a.out:
        a.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{digest.hexdigest()}  {n_items} items, {n_findings} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
