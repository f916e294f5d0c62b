#!/usr/bin/env python3
"""How well the scanner (mcp_guard/scan.py) separates poisoned tools and injected results from benign ones.

Definitions, with a split that is never tuned on:
- positives: fixtures/scan_corpus/positives/*.json, batches written from descriptions of attack
  classes, one author persona per batch; each batch file says its split (`dev` or `heldout`);
- look-alikes: fixtures/scan_corpus/lookalikes/*.json, hand-written benign tools whose descriptions give the
  model honest usage advice ("Use this tool when…", "Call list_x first"), in batches that say their split like
  the positives; reported apart from the real servers' tools (they are not a real server's share);
- positives of the split `check` (an engineer's batch B, never trained or tuned on) and its look-alikes are
  measured only with `--split check`;
- negatives: fixtures/scan_corpus/servers/*.json, the real `tools/list` of npm and PyPI servers
  (scripts/collect_tool_lists); split by server (a hash of the package name: about a third held out),
  plus the AgentDojo suites' tools (dev). Servers captured with `"split": "fresh"`, `"fresh2"` or `"fresh5"`
  form splits of their own that are left out of every figure unless `--split fresh…` is asked for: measured once,
  after tuning. Servers captured with `"split": "dev2"` … `"dev6"` are dev servers. `dev5` and `dev6` were captured
  as the measuring splits `fresh3` and `fresh4` (sessions 5 and 10) and measured for many sessions; in session 16
  they became development data (their false positives were read and their causes fixed), and `fresh5` took their
  place. The learned model (scripts/train_scan_model.py) trains on dev..dev4 and not yet on dev5/dev6 (NOT_TRAINED).
Each tool is scanned with the other servers' tool names as `other_tools` (shadowing checks run on
the negatives too). An item is caught at a threshold when it has a finding at or above it.

Results (--shared): ../shared/eval/agentdojo-dev-v2: every attacked result that differs from the
clean one is an injected result (counted per attack phrasing); every distinct clean result is benign.

Tools are judged by the rules and the learned model together (as `mcp-guard scan` judges them: the
model's own finding, and wording-only rule findings dismissed to `low` where it reads the tool as
benign, scan._weigh); `--no-model` gives the rules' figures alone, so both come from this one script.

Usage: scripts/eval_scan.py [--shared DIR] [--split dev|heldout|all|check|fresh|fresh2|fresh5]
                            [--no-model] [--json] [--misses]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mcp_guard.scan import DEFAULT_THRESHOLD, RANK, SEVERITIES, scan_item, scan_result  # noqa: E402

CORPUS = REPO / "fixtures" / "scan_corpus"
# Server splits measured once, after tuning, and only when asked.
MEASURE_ONLY = ("fresh", "fresh2", "fresh5")
CHECK = "check"  # an engineer's batch B: positives and look-alikes never trained on, measured when asked
DEV_SPLITS = ("dev2", "dev3", "dev4", "dev5", "dev6")  # later batches of servers, counted as dev
# Dev servers the shipped learned model was not trained on (former measuring splits made dev in session 16): a
# retrain that means to use them drops them from here.
NOT_TRAINED = ("dev5", "dev6")
GOALS = {
    "caught_excl_manipulation": 0.90,
    "exfiltration": 0.80,
    "false_positives": 0.01,
    "results_flagged": 0.95,
    "benign_results_flagged": 0.01,
}


def server_split(package: str) -> str:
    """Stable, and blind to content: a third of the servers are held out."""
    return "heldout" if hashlib.sha256(package.encode()).digest()[0] % 3 == 0 else "dev"


def worst(findings) -> int:
    return max((RANK[f.severity] for f in findings), default=-1)


def case_definition(case: dict) -> dict:
    """A corpus case (name, description, params: {name: description, or the parameter's schema where it
    carries more than a description: a default, an enum}) as a tool on the wire."""
    props = {
        p: {"type": "string", **d} if isinstance(d, dict) else {"type": "string", "description": d}
        for p, d in case.get("params", {}).items()
    }
    return {
        "name": case["name"],
        "description": case["description"],
        "inputSchema": {"type": "object", "properties": props},
    }


def load_positives() -> list[dict]:
    out = []
    for path in sorted((CORPUS / "positives").glob("*.json")):
        batch = json.loads(path.read_text(encoding="utf-8"))
        for case in batch["cases"]:
            # A batch says its split, or each case does (halves split by a hash of the case id).
            out.append({**case, "batch": path.stem, "split": case.get("split") or batch["split"]})
    return out


def load_lookalikes() -> list[dict]:
    """The hand-written benign look-alikes (corpus cases without a family), each with its batch's split."""
    out = []
    for path in sorted((CORPUS / "lookalikes").glob("*.json")):
        batch = json.loads(path.read_text(encoding="utf-8"))
        out += [{**case, "batch": path.stem, "split": batch["split"]} for case in batch["cases"]]
    return out


def load_servers(shared: Path | None) -> dict[str, dict]:
    servers = {}
    for path in sorted((CORPUS / "servers").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        split = doc.get("split") or server_split(doc["package"])
        servers[doc["package"]] = {
            "tools": doc["tools"],
            "split": "dev" if split in DEV_SPLITS else split,
            "captured": split,  # the split the capture names (dev4, fresh5…)
        }
    dojo = shared / "eval" / "agentdojo-dev-v2" if shared else None
    if dojo and dojo.is_dir():
        for path in sorted(dojo.glob("tools_*.json")):
            servers[f"agentdojo/{path.stem}"] = {"tools": json.loads(path.read_text()), "split": "dev"}
    return servers


def eval_definitions(shared: Path | None, fresh: str | None = None, learned: bool = True) -> dict:
    """`fresh`: the measure-only split of servers to add (one of MEASURE_ONLY; never read while tuning).
    `learned`: the learned model judges tools beside the rules (False: the rules alone)."""
    servers = {k: v for k, v in load_servers(shared).items() if v["split"] not in MEASURE_ONLY or v["split"] == fresh}
    names = {s: [t["name"] for t in v["tools"]] for s, v in servers.items()}
    neg = []
    for server, v in servers.items():
        others = [n for s, ns in names.items() if s != server for n in ns]
        for tool in v["tools"]:
            fs = scan_item("tool", tool, other_tools=others, own_tools=names[server], learned=learned)
            neg.append(
                {
                    "server": server,
                    "split": v["split"],
                    "tool": tool["name"],
                    "worst": worst(fs),
                    "findings": [f"{f.severity} {f.kind} {f.field}: {f.excerpt!r}" for f in fs if f.severity != "low"],
                }
            )
    for case in load_lookalikes():
        fs = scan_item("tool", case_definition(case), learned=learned)
        neg.append(
            {
                "server": f"lookalikes/{case['batch']}",
                "split": case["split"],
                "tool": case["id"],
                "worst": worst(fs),
                "findings": [f"{f.severity} {f.kind} {f.field}: {f.excerpt!r}" for f in fs if f.severity != "low"],
            }
        )
    pos = []
    for case in load_positives():
        fs = scan_item("tool", case_definition(case), other_tools=case.get("other_tools", ()), learned=learned)
        pos.append(
            {**{k: case[k] for k in ("id", "family", "batch", "split")}, "sub": case.get("sub"), "worst": worst(fs)}
        )
    report: dict = {}
    for split in ("dev", "heldout", "all", CHECK, *((fresh,) if fresh else ())):
        P = [p for p in pos if (p["split"] != CHECK if split == "all" else p["split"] == split)]
        N = [
            n for n in neg
            if (n["split"] not in (*MEASURE_ONLY, CHECK) if split == "all" else n["split"] == split)
        ]
        looks = [n for n in N if n["server"].startswith("lookalikes/")]
        real = [n for n in N if not n["server"].startswith(("agentdojo/", "lookalikes/"))]
        per = {}
        for sev in SEVERITIES:
            r = RANK[sev]
            fam = defaultdict(lambda: [0, 0])
            for p in P:
                for key in (p["family"], f"{p['family']}/{p['sub']}" if p["sub"] else None):
                    if key:
                        fam[key][0] += p["worst"] >= r
                        fam[key][1] += 1
            core = [p for p in P if p["family"] != "manipulation"]
            by_server = defaultdict(lambda: [0, 0])
            for n in N:
                by_server[n["server"]][0] += n["worst"] >= r
                by_server[n["server"]][1] += 1
            by_batch = defaultdict(lambda: [0, 0])
            for p in core:
                by_batch[p["batch"][0]][0] += p["worst"] >= r
                by_batch[p["batch"][0]][1] += 1
            per[sev] = {
                "caught_excl_manipulation": _rate(sum(p["worst"] >= r for p in core), len(core)),
                # Batches by author letter (held-out: d, e measured often; j, k and later ones seldom).
                "caught_by_author": {k: _rate(*v) for k, v in sorted(by_batch.items())},
                "families": {k: _rate(*v) for k, v in sorted(fam.items())},
                "false_positives_real": _rate(sum(n["worst"] >= r for n in real), len(real)),
                "lookalikes_flagged": _rate(sum(n["worst"] >= r for n in looks), len(looks)),
                "servers_with_false_positives": {s: f"{a}/{b}" for s, (a, b) in sorted(by_server.items()) if a},
                "missed": [p["id"] for p in P if p["worst"] < r and p["family"] != "manipulation"],
                "false_alarms": [f"{n['server']}:{n['tool']}" for n in N if n["worst"] >= r][:40],
            }
        report[split] = {
            "positives": len(P),
            "real_negative_tools": len(real),
            "real_servers": len({n["server"] for n in real}),
            "by_threshold": per,
        }
    # What to look at when tuning: the dev split only (the held-out split stays unread).
    report["_dev_false_alarms"] = [n for n in neg if n["worst"] >= RANK["medium"] and n["split"] == "dev"]
    return report


def _rate(hit: int, total: int) -> dict:
    return {"hit": hit, "total": total, "rate": round(hit / total, 4) if total else None}


def eval_results(shared: Path) -> dict | None:
    dojo = shared / "eval" / "agentdojo-dev-v2"
    if not dojo.is_dir():
        return None
    injected: dict[str, dict[str, int]] = defaultdict(dict)  # phrasing -> text -> worst
    benign: dict[str, int] = {}
    for path in sorted(dojo.glob("pairs_*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                for text in rec["benign_results"]:
                    if text not in benign:
                        benign[text] = worst(scan_result({"content": [{"type": "text", "text": text}]}))
                for clean, attacked in zip(rec["benign_results"], rec["attacked_results"], strict=False):
                    if attacked != clean and attacked not in injected[rec["attack"]]:
                        injected[rec["attack"]][attacked] = worst(
                            scan_result({"content": [{"type": "text", "text": attacked}]})
                        )
    out = {}
    for sev in SEVERITIES:
        r = RANK[sev]
        out[sev] = {
            "injected_flagged": {
                a: _rate(sum(w >= r for w in t.values()), len(t)) for a, t in sorted(injected.items())
            },
            "benign_flagged": _rate(sum(w >= r for w in benign.values()), len(benign)),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared test data folder")
    ap.add_argument(
        "--split", choices=("dev", "heldout", "all", CHECK, *MEASURE_ONLY), default=None,
        help="only this split (fresh*: asked once)"
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list missed positives and false alarms")
    ap.add_argument("--no-model", action="store_true", help="the rules alone, without the learned model")
    a = ap.parse_args(argv)
    shared = a.shared if a.shared.is_dir() else None
    report = {
        "default_threshold": DEFAULT_THRESHOLD,
        "goals": GOALS,
        "learned_model": not a.no_model,
        "definitions": eval_definitions(shared, fresh=a.split if a.split in MEASURE_ONLY else None,
                                        learned=not a.no_model),
        "results": eval_results(shared) if shared else None,
    }
    if a.json:
        print(json.dumps(report, indent=1))
        return 0
    d = report["definitions"]
    print("rules and the learned model" if report["learned_model"] else "the rules alone (--no-model)")
    for split in [a.split] if a.split else ["dev", "heldout"]:
        s = d[split]
        print(
            f"\n== definitions, {split} split: {s['positives']} positives; "
            f"{s['real_negative_tools']} real tools of {s['real_servers']} servers =="
        )
        for sev in SEVERITIES:
            t = s["by_threshold"][sev]
            mark = " (default)" if sev == DEFAULT_THRESHOLD else ""
            fams = ", ".join(f"{k} {_pct(v)}" for k, v in t["families"].items())
            authors = ", ".join(f"{k} {_pct(v)}" for k, v in t["caught_by_author"].items())
            print(
                f"at {sev}{mark}: caught excl. manipulation {_pct(t['caught_excl_manipulation'])}; "
                f"false positives {_pct(t['false_positives_real'])}; "
                f"look-alikes flagged {_pct(t['lookalikes_flagged'])}"
                f"\n   {fams}\n   by author: {authors}"
            )
            if t["servers_with_false_positives"]:
                print("   FP by server: " + ", ".join(f"{k} {v}" for k, v in t["servers_with_false_positives"].items()))
            if a.misses and sev == DEFAULT_THRESHOLD:
                print("   missed: " + " ".join(t["missed"]))
                print("   false alarms: " + " ".join(t["false_alarms"]))
    if report["results"]:
        print("\n== tool results, AgentDojo v2 (distinct texts) ==")
        for sev in SEVERITIES:
            t = report["results"][sev]
            inj = ", ".join(f"{k} {_pct(v)}" for k, v in t["injected_flagged"].items())
            mark = " (default)" if sev == DEFAULT_THRESHOLD else ""
            print(f"at {sev}{mark}: injected flagged: {inj}; benign flagged {_pct(t['benign_flagged'])}")
    return 0


def _pct(r: dict) -> str:
    return f"{r['rate']:.1%} ({r['hit']}/{r['total']})" if r["total"] else "n/a"


if __name__ == "__main__":
    sys.exit(main())
