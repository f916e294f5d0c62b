#!/usr/bin/env python3
"""True- and false-positive rates of the scanner (mcp_guard/scan.py).

Positives: the project's own corpus (fixtures/scan_corpus/definitions.json and results.json) and the
`injection_text` of each AgentDojo development pair, used as a tool result. Negatives: the real tool
lists captured from MCP servers (../shared/fixtures/supply-chain/mcp-tools/*.tools.json), the tools of
the AgentDojo development set (tools_*.json), and the corpus's hand-written tricky negatives. An item
counts as flagged when it has any finding of medium severity or above. Each tool is scanned with the
names of the other servers' tools as `other_tools`, so shadowing checks run on the negatives too.

With --live CONFIG, every item of the upstreams in that mcp-guard config (started and listed with the
`mcp` client) counts as a negative too, e.g. the installed reference servers.

Usage: scripts/eval_scan.py [--shared DIR] [--live CONFIG] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mcp_guard.errors import GuardError  # noqa: E402
from mcp_guard.scan import RANK, Finding, scan_item, scan_result  # noqa: E402

CORPUS = REPO / "fixtures" / "scan_corpus"
TARGET_TPR, TARGET_FPR = 0.95, 0.02


def flagged(findings: list[Finding]) -> bool:
    return any(RANK[f.severity] >= RANK["medium"] for f in findings)


def load_tools(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        return data
    if "tools/list" in data:
        return data["tools/list"]["tools"]
    return data["tools"]


def text_result(text: str) -> dict:
    return {"content": [{"type": "text", "text": text}]}


class Tally:
    def __init__(self, source: str, positive: bool) -> None:
        self.source, self.positive, self.total, self.hit, self.examples = source, positive, 0, 0, []

    def add(self, name: str, hit: bool) -> None:
        self.total += 1
        self.hit += hit
        if hit != self.positive and len(self.examples) < 10:
            self.examples.append(name)

    def to_dict(self) -> dict:
        rate = self.hit / self.total if self.total else 0.0
        key = "true_positive_rate" if self.positive else "false_positive_rate"
        examples = "missed" if self.positive else "false_alarms"
        return {
            "source": self.source,
            "items": self.total,
            "flagged": self.hit,
            key: round(rate, 4),
            examples: self.examples,
        }


def live_negatives(config_path: Path) -> list[Tally]:
    """Every item (tools, prompts, resources, instructions) of each upstream in a config, listed live."""
    import anyio

    from mcp_guard.cli.scan import LISTS, _fetch_all
    from mcp_guard.config import load_config

    config = load_config(config_path, required=True)
    servers = anyio.run(_fetch_all, list(config.upstreams), config)
    names = {s: [t["name"] for t in listing.get("tools", [])] for s, listing in servers.items()}
    out = []
    for server, listing in servers.items():
        others = [n for s, ns in names.items() if s != server for n in ns]
        t = Tally(f"live/{server}", False)
        init = listing.get("initialize") or {}
        t.add("(server)", flagged(scan_item("server", {k: v for k, v in init.items() if v})))
        for key, kind, _ in LISTS.values():
            for item in listing.get(key, []):
                label = f"{kind} {item.get('name') or item.get('uri') or item.get('uriTemplate')}"
                t.add(label, flagged(scan_item(kind, item, other_tools=others if kind == "tool" else ())))
        out.append(t)
    return out


def evaluate(shared: Path, live: Path | None = None) -> dict:
    pos: list[Tally] = []
    neg: list[Tally] = []

    t = Tally("corpus definitions", True)
    for case in json.loads((CORPUS / "definitions.json").read_text(encoding="utf-8")):
        t.add(case["id"], flagged(scan_item(case["item"], case["definition"], other_tools=case.get("other_tools", ()))))
    pos.append(t)
    t = Tally("corpus results", True)
    for case in json.loads((CORPUS / "results.json").read_text(encoding="utf-8")):
        t.add(case["id"], flagged(scan_result(case["result"])))
    pos.append(t)

    dojo = shared / "eval" / "agentdojo-dev"
    unique: dict[str, str] = {}
    for path in sorted(dojo.glob("pairs_*.jsonl")):
        t = Tally(f"agentdojo {path.stem} injection_text (as results)", True)
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                t.add(rec["id"], flagged(scan_result(text_result(rec["injection_text"]))))
                unique.setdefault(rec["injection_text"], rec["id"])
        pos.append(t)
    # The pairs repeat a few texts many times: the distinct texts, counted once each (not in the total).
    distinct = Tally("agentdojo distinct injection texts (not in the total)", True)
    for text, rid in unique.items():
        distinct.add(rid, flagged(scan_result(text_result(text))))

    servers: dict[str, list[dict]] = {}
    for path in sorted((shared / "fixtures" / "supply-chain" / "mcp-tools").glob("*.tools.json")):
        servers[f"mcp-tools/{path.name}"] = load_tools(path)
    for path in sorted(dojo.glob("tools_*.json")):
        servers[f"agentdojo/{path.name}"] = load_tools(path)
    for name, tools in servers.items():
        others = [tool["name"] for other, ts in servers.items() if other != name for tool in ts]
        t = Tally(name, False)
        for tool in tools:
            t.add(tool["name"], flagged(scan_item("tool", tool, other_tools=others)))
        neg.append(t)

    if live is not None:
        neg.extend(live_negatives(live))

    t = Tally("corpus negatives", False)
    for case in json.loads((CORPUS / "negatives.json").read_text(encoding="utf-8")):
        if "result" in case:
            hit = flagged(scan_result(case["result"]))
        else:
            hit = flagged(scan_item(case["item"], case["definition"], other_tools=case.get("other_tools", ())))
        t.add(case["id"], hit)
    neg.append(t)

    p_total, p_hit = sum(x.total for x in pos), sum(x.hit for x in pos)
    pos.append(distinct)
    real = [x for x in neg if x.source != "corpus negatives"]  # the target is on real servers' lists
    n_total, n_hit = sum(x.total for x in real), sum(x.hit for x in real)
    tpr = p_hit / p_total if p_total else 0.0
    fpr = n_hit / n_total if n_total else 0.0
    return {
        "positives": [x.to_dict() for x in pos],
        "negatives": [x.to_dict() for x in neg],
        "total": {
            "positives": p_total,
            "true_positive_rate": round(tpr, 4),
            "real_negatives": n_total,
            "false_positive_rate": round(fpr, 4),
            "target": {"true_positive_rate": TARGET_TPR, "false_positive_rate": TARGET_FPR},
            "met": tpr >= TARGET_TPR and fpr <= TARGET_FPR,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared test data folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--live",
        type=Path,
        metavar="CONFIG",
        help="also count, as negatives, every item of the upstreams in this mcp-guard config, listed live",
    )
    args = parser.parse_args(argv)
    if not (args.shared / "eval" / "agentdojo-dev").is_dir():
        print(f"eval_scan: no AgentDojo development set under {args.shared} (use --shared DIR)", file=sys.stderr)
        return 2
    try:
        report = evaluate(args.shared, args.live)
    except GuardError as err:
        print(f"eval_scan: {err.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for title, rows, key in (
        ("positives", report["positives"], "true_positive_rate"),
        ("negatives", report["negatives"], "false_positive_rate"),
    ):
        print(f"{title}:")
        for r in rows:
            extra = r.get("missed") or r.get("false_alarms")
            line = f"  {r['source']:<58} {r['flagged']:>4}/{r['items']:<4} {key.replace('_', ' ')} {r[key]:.1%}"
            if extra:
                line += f"  ({', '.join(extra)})"
            print(line)
    t = report["total"]
    print(
        f"total: true positive rate {t['true_positive_rate']:.1%} of {t['positives']} positives, "
        f"false positive rate {t['false_positive_rate']:.1%} of {t['real_negatives']} real negative items "
        f"(target >= {TARGET_TPR:.0%} at <= {TARGET_FPR:.0%}: {'met' if t['met'] else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
