#!/usr/bin/env python3
"""Train the scanner's learned judgement (mcp_guard/scan_model.py) on the DEV splits only.

Positives: the dev batches of fixtures/scan_corpus/positives (each batch one author; "manipulation"
left out: it is not what the scanner is asked to catch). Negatives: the real `tools/list` of the dev
servers (fixtures/scan_corpus/servers, split as scripts/eval_scan.py splits them), the dev AgentDojo
suites' tools (--shared), the corpus's hand-written tricky negatives and the dev batches of benign
look-alikes (fixtures/scan_corpus/lookalikes). Dev servers in scripts/eval_scan.py's NOT_TRAINED (former
measuring splits made dev, not yet trained on) are left out too. Held-out batches and servers, fresh servers and
the `check` batches (an engineer's batch B) are never read here.

Hyper-parameters and thresholds are chosen by cross-validation grouped by author batch for positives
and by server for negatives: every fold scores authors and servers its model never saw, which is what
held-out text is. The `medium` threshold is the lowest score that flags at most --max-fp of the dev
negatives out of fold; `high` is above every dev negative's out-of-fold score (and at least --high-min).
`dismiss` is the score below which a tool reads as benign, so that its wording-only rule findings are
only reasons to read it (scan._weigh): the highest that costs at most --max-dismiss-cost of the dev
positives out of fold. The grid: C; min_groups (a feature kept only where it occurs in that many
servers or author batches); max_fp; alone_fp (the model's own flag on a tool the rules found nothing in
needs the score `alone`, which flags at most that share of dev negatives out of fold). The
configuration chosen catches the most positives out of fold as the scanner judges them (model, exact rule
findings, and rule findings it does not dismiss) among those that flag at most --max-real-fp of the real
servers' dev tools out of fold.

Parts (scan._weigh): each sentence of the description and each parameter's text is scored alone, by the
whole-tool model or by a model of parts trained multiple-instance style (fit_parts), so padding cannot
dilute it. Also chosen by the grouped CV: the span of a part (a sentence, or also two neighbouring ones),
which model scores parts, `part_flag` (a part scoring at least this flags the tool; it flags at most
part_fp of the dev negatives out of fold), `part_dismiss` (a wording finding whose carrying part scores
at least this is not dismissed), never dismissing a `high` wording finding, and training on padded
positives. Every configuration is also judged on the dev positives padded with ~100 words of benign
reference text from real dev servers of other folds (padded_positives: attacker C's padding); among the
configurations within half a point of the most caught, the one catching the most padded ones is kept.
Also in the grid (session 8, issue #13): `whole_part` (the whole's own flag needs a part scoring at least
this) and `part_clear` (a wording finding whose carrying part scores below this and below the model of
parts' intercept is dismissed whatever the whole scores). Each CV line gives the real servers with a tool
flagged out of fold and the worst server's share; --show-fp prints the flagged real tools of the choice.

Writes mcp_guard/data/scan_model.json (or --out): the weights that are not zero, the intercept, the
thresholds, the configuration, the cross-validation figures, the training data's digest and the date.

Needs scikit-learn (`pip install -e '.[train]'`). Usage:
  scripts/train_scan_model.py [--shared DIR] [--out FILE] [--max-fp F] [--max-real-fp 0.0025]
                              [--max-dismiss-cost 0.005] [--c C] [--rule-scale S] [--min-groups K]
                              [--alone-fp F] [--act-features] [--dry-run]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import importlib.util
import itertools
import json
import math
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mcp_guard import scan_model  # noqa: E402
from mcp_guard.scan import RANK, is_exact, item_texts, scan_item  # noqa: E402

CORPUS = REPO / "fixtures" / "scan_corpus"
OUT = REPO / "mcp_guard" / "data" / scan_model.MODEL_FILE
GRID_C = (1.0, 10.0, 100.0)  # inverse regularisation strength
# The rule findings as features: off. The model is the second, independent reading of the text that the
# scanner weighs rule findings against (scan._weigh); fed the rules' findings, it would confirm them.
GRID_RULE_SCALE = (0.0,)
MIN_DF = 2  # a feature seen in one training tool only says nothing about other tools
# A word used by one server or one author only is that server's or author's vocabulary, not a sign of
# what a text does: a feature is kept where it occurs in at least this many groups (servers for
# negatives, author batches for positives). Chosen by grouped CV.
GRID_MIN_GROUPS = (1, 2, 3)
# Where the rules found nothing at all in a tool (no finding of any severity, context-free), the model's
# own flag needs a higher score, `alone`: the lowest that flags at most this share of the dev negatives
# out of fold (None: the medium threshold). The model alone flags real servers' tools the rules read
# nothing in. Chosen by grouped CV.
GRID_ALONE_FP = (None, 0.002, 0.001, 0.0)
# The share of dev negatives the model alone may flag out of fold (sets its medium threshold).
GRID_MAX_FP = (0.005, 0.0035, 0.0025)
# The parts (scan_model.parts): sentences alone (1) or also pairs of neighbouring sentences (2).
GRID_PART_SPAN = (1, 2)
# Train the whole-tool model on padded copies of the positives too (padding from training servers only).
GRID_AUGMENT = (False, True)
# What scores a part: the whole-tool model, or a model of parts (fit_parts).
GRID_PART_MODEL = ("whole", "parts")
# A part's own flag: the lowest part score that flags at most this share of dev negatives out of fold
# (their most suspicious part); None: parts never flag.
GRID_PART_FP = (None, 0.001, 0.002, 0.0035)
# A wording finding whose carrying part scores at least `part_dismiss` is not dismissed: the quantile of
# the dev negatives' (flagged by wording) carrying-part scores it is set at; None: the whole decides.
GRID_PART_DISMISS_Q = (None, 1.0, 0.9, 0.75, 0.5)
# Never dismiss a `high` wording finding (it raised dev false positives 0.04% -> 0.5% without parts).
GRID_KEEP_HIGH = (False, True)
# The whole's own flag needs its most suspicious part to score at least `whole_part`: the quantile of the dev
# negatives' top part scores it is set at; None: the whole alone decides. A short real tool's unit-length
# vector lends every common word ("also", "with") a large share, so the whole can read poisoned while none
# of its sentences does (issue #13: flagged tools of unseen servers).
GRID_WHOLE_PART_Q = (None, 0.5, 0.75, 0.9)
# A wording finding whose carrying part scores below `part_clear` is dismissed whatever the whole scores: a
# sentence about using the tool itself reads like the real servers' sentences the model of parts was trained
# on. Set at this quantile of the dev positives' most suspicious carrying parts out of fold; None: off.
GRID_PART_CLEAR_Q = (None, 0.02, 0.05, 0.1)
# The sentences' act features (scan_model.act_features: mood, addressee, kinds of action, destinations) beside
# the words: --act-features. Set before the dataset is built (the parts' vectors are computed there).
ACTS = False
PAD_WORDS = 100  # benign words padded around a dev positive (attacker C's padding, from real servers)


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_scan", REPO / "scripts" / "eval_scan.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def training_servers(shared: Path | None) -> dict[str, dict]:
    """The servers whose tools are the model's real negatives: dev, less those not trained on yet (NOT_TRAINED)."""
    ev = _eval_module()
    return {
        s: v
        for s, v in ev.load_servers(shared).items()
        if v["split"] == "dev" and v.get("captured") not in ev.NOT_TRAINED
    }


def dataset(shared: Path | None) -> list[dict]:
    """Every dev training row: definition, label, group (author batch or server), rule findings."""
    ev = _eval_module()
    rows = []
    for case in ev.load_positives():
        if case["split"] == "dev" and case["family"] != "manipulation":
            rows.append(
                {
                    "definition": ev.case_definition(case),
                    "label": 1,
                    "group": f"pos:{case['batch']}",
                    "others": tuple(case.get("other_tools", ())),
                    "others_kept": tuple(case.get("other_tools", ())),
                    "own": (),
                }
            )
    servers = training_servers(shared)
    names = {s: [t["name"] for t in v["tools"]] for s, v in servers.items()}
    for server, v in servers.items():
        kind = "agentdojo" if server.startswith("agentdojo/") else "real"
        others = tuple(n for s, ns in names.items() if s != server for n in ns)
        for tool in v["tools"]:
            rows.append(
                {
                    "definition": tool,
                    "label": 0,
                    "group": f"neg:{server}",
                    "kind": kind,
                    "others": others,
                    "own": tuple(names[server]),
                }
            )
    for case in ev.load_lookalikes():  # benign usage advice to the model, the dev batches only
        if case["split"] == "dev":
            rows.append(
                {
                    "definition": ev.case_definition(case),
                    "label": 0,
                    "group": f"neg:lookalikes/{case['batch']}",
                    "kind": "corpus",
                    "others": (),
                    "own": (),
                }
            )
    for case in json.loads((CORPUS / "negatives.json").read_text(encoding="utf-8")):
        if case.get("item") == "tool":
            rows.append(
                {
                    "definition": case["definition"],
                    "label": 0,
                    "group": "neg:corpus",
                    "kind": "corpus",
                    "others": (),
                    "own": (),
                }
            )
    for r in rows:
        judge_rules(r, r.pop("others"), r.pop("own"))
    return rows


def judge_rules(r: dict, others: tuple, own: tuple) -> None:
    """The rules' findings of a row and what the weighing needs of them, and the row's parts."""
    # The rules' own verdict is taken as eval_scan.py takes it (with the other servers' tool names);
    # the model's features use only the findings that do not depend on them.
    rules = scan_item("tool", r["definition"], other_tools=others, own_tools=own, learned=False)
    r["rule_worst"] = max((RANK[f.severity] for f in rules), default=-1)
    # Exact findings keep their severity; wording-only ones are dismissed where the model reads benign.
    r["exact_worst"] = max((RANK[f.severity] for f in rules if is_exact(f)), default=-1)
    r["rules"] = rules
    r["rule_any"] = any(f.kind not in scan_model.CONTEXT_KINDS for f in rules)
    # The wording findings at medium or above: the ones the weighing may dismiss.
    r["wording"] = [
        (f.severity, f.field, f.start, f.end) for f in rules if not is_exact(f) and RANK[f.severity] >= RANK["medium"]
    ]
    r["parts"] = {sp: scan_model.parts(item_texts("tool", r["definition"]), sp) for sp in GRID_PART_SPAN}
    r["pvec"] = {sp: [scan_model.text_vector(t, ACTS) for *_, t in ps] for sp, ps in r["parts"].items()}


def padding_pools(rows: list[dict], fold: list[int]) -> dict[int, list[str]]:
    """Benign sentences (5 words or more) of real dev servers' tool descriptions no rule flags, per fold."""
    pools: dict[int, list[str]] = {}
    for r, k in zip(rows, fold, strict=True):
        if r["label"] == 0 and r.get("kind") == "real" and r["rule_worst"] < RANK["medium"]:
            desc = r["definition"].get("description")
            if isinstance(desc, str):
                for _f, _s, _e, t in scan_model.parts([("description", desc, False)]):
                    if len(t.split()) >= 5 and t[-1:] in ".!?":
                        pools.setdefault(k, []).append(t)
    return pools


def pad_definition(definition: dict, pools: dict[int, list[str]], not_from: set[int]) -> dict:
    """The definition with ~PAD_WORDS benign words appended to its description (from folds not given)."""
    pool = sorted(t for j, ts in pools.items() if j not in not_from for t in ts)
    rng = random.Random(hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest())
    pad: list[str] = []
    while sum(len(t.split()) for t in pad) < PAD_WORDS:
        pad.append(rng.choice(pool))
    return {**definition, "description": f"{definition.get('description') or ''} {' '.join(pad)}"}


def augmented(rows: list[dict], fold: list[int], pools: dict[int, list[str]], k: int | None) -> list[dict]:
    """Padded copies of the positives outside fold k (padding from neither their fold nor k) to train on:
    the model learns that benign reference text around an attack does not make it benign."""
    out = []
    for r, j in zip(rows, fold, strict=True):
        if r["label"] == 1 and j != k:
            d = pad_definition(r["definition"], pools, {j} if k is None else {j, k})
            feats = scan_model.features(d, (), 0.0, ACTS)
            out.append({"definition": d, "label": 1, "group": r["group"], "features": feats})
    return out


def padded_positives(rows: list[dict], fold: list[int]) -> list[dict]:
    """Attacker C's padding as a generator: each dev positive with ~PAD_WORDS words of benign reference
    text appended to its description, the sentences drawn from tool descriptions of real dev servers in
    OTHER folds (servers its fold's model was trained on; sentences of tools no rule flags at medium)."""
    pools = padding_pools(rows, fold)
    out = []
    for r, k in zip(rows, fold, strict=True):
        if r["label"] != 1:
            continue
        p = {"definition": pad_definition(r["definition"], pools, {k}), "label": 1, "group": r["group"], "fold": k}
        judge_rules(p, r["others_kept"], ())
        out.append(p)
    return out


def digest(rows: list[dict]) -> str:
    h = hashlib.sha256()
    for line in sorted(json.dumps([r["label"], r["definition"]], sort_keys=True) for r in rows):
        h.update(line.encode())
    return h.hexdigest()


def folds(rows: list[dict]) -> list[int]:
    """One fold per positive batch; servers spread over the folds by size, in an order blind to content."""
    pos = sorted({r["group"] for r in rows if r["label"] == 1})
    k = len(pos)
    fold_of = {g: i for i, g in enumerate(pos)}
    sizes = {}
    for r in rows:
        if r["label"] == 0:
            sizes[r["group"]] = sizes.get(r["group"], 0) + 1
    load = [0] * k
    for g in sorted(sizes, key=lambda g: (-sizes[g], hashlib.sha256(g.encode()).hexdigest())):
        i = min(range(k), key=lambda j: (load[j], j))
        fold_of[g] = i
        load[i] += sizes[g]
    return [fold_of[r["group"]] for r in rows]


def with_features(rows: list[dict], rule_scale: float) -> list[dict]:
    for r in rows:
        r["features"] = scan_model.features(r["definition"], r["rules"], rule_scale, ACTS)
    return rows


def fit(rows: list[dict], c: float, min_groups: int = 1):
    """A DictVectorizer + LogisticRegression pipeline on the rows (features seen in >= MIN_DF rows and
    in >= min_groups groups of the rows given)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    df: dict[str, int] = {}
    groups: dict[str, set[str]] = {}
    for r in rows:
        for f in r["features"]:
            df[f] = df.get(f, 0) + 1
            groups.setdefault(f, set()).add(r["group"])
    keep = {f for f, n in df.items() if n >= MIN_DF and len(groups[f]) >= min_groups}
    X = [{f: v for f, v in r["features"].items() if f in keep} for r in rows]
    y = [r["label"] for r in rows]
    model = make_pipeline(
        DictVectorizer(),
        LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="lbfgs"),
    )
    model.fit(X, y)
    return model


def decision(model, rows: list[dict]) -> list[float]:
    return [float(s) for s in model.decision_function([r["features"] for r in rows])]


def thresholds(neg_scores: list[float], max_fp: float, high_min: float) -> dict[str, float]:
    s = sorted(neg_scores, reverse=True)
    allowed = int(math.floor(max_fp * len(s)))
    medium = s[allowed] + 1e-6 if allowed < len(s) else s[-1]
    high = max(s[0] + 1e-6, high_min, medium)
    return {"medium": round(medium, 6), "high": round(high, 6)}


def out_of_fold(
    rows: list[dict], fold: list[int], padded: list[dict], c: float, min_groups: int, pools: dict | None = None
) -> dict:
    """Every row's score (whole and parts) from the model of the fold that did not see it; the padded
    positives scored by their own fold's model."""
    oof = [0.0] * len(rows)
    poof: dict[int, list[list[float]]] = {sp: [[] for _ in rows] for sp in GRID_PART_SPAN}
    pad = [0.0] * len(padded)
    ppad: dict[int, list[list[float]]] = {sp: [[] for _ in padded] for sp in GRID_PART_SPAN}

    def parts_into(model, items: list[dict], idx: list[int], into: dict) -> None:
        for sp in GRID_PART_SPAN:
            vecs = [v for i in idx for v in items[i]["pvec"][sp]]
            scores = iter(model.decision_function(vecs).tolist() if vecs else [])
            for i in idx:
                into[sp][i] = [next(scores) for _ in items[i]["pvec"][sp]]

    # Each row's part model's intercept (its score of a text with no known word): `part_clear` also needs a
    # part below it, so that a part's words lean benign rather than being unknown.
    base = {"whole": [0.0] * len(rows), "parts": [0.0] * len(rows)}
    pbase = {"whole": [0.0] * len(padded), "parts": [0.0] * len(padded)}
    moof: dict[int, list[list[float]]] = {sp: [[] for _ in rows] for sp in GRID_PART_SPAN}
    mpad: dict[int, list[list[float]]] = {sp: [[] for _ in padded] for sp in GRID_PART_SPAN}
    for k in sorted(set(fold)):
        train = [r for r, f in zip(rows, fold, strict=True) if f != k]
        model = fit(train + (augmented(rows, fold, pools, k) if pools else []), c, min_groups)
        part_model = fit_parts(model, train, c, min_groups)
        test = [i for i, f in enumerate(fold) if f == k]
        for i, sc in zip(test, decision(model, [rows[i] for i in test]), strict=True):
            oof[i] = sc
        parts_into(model, rows, test, poof)
        parts_into(part_model, rows, test, moof)
        empty = {
            "whole": float(model.decision_function([{}])[0]), "parts": float(part_model.decision_function([{}])[0])
        }
        for i in test:
            base["whole"][i], base["parts"][i] = empty["whole"], empty["parts"]
        ptest = [i for i, p in enumerate(padded) if p["fold"] == k]
        if ptest:
            for i, sc in zip(ptest, decision(model, [padded[i] for i in ptest]), strict=True):
                pad[i] = sc
            parts_into(model, padded, ptest, ppad)
            parts_into(part_model, padded, ptest, mpad)
            for i in ptest:
                pbase["whole"][i], pbase["parts"][i] = empty["whole"], empty["parts"]
    return {
        "oof": oof, "poof": {"whole": poof, "parts": moof}, "pad": pad, "ppad": {"whole": ppad, "parts": mpad},
        "base": base, "pbase": pbase,
    }


def fit_parts(model, rows: list[dict], c: float, min_groups: int):
    """A model of parts, multiple-instance style: every part of a negative is benign; of a positive, only
    the part the whole-tool model scores highest is taken as the poisoned one (the others are mostly its
    ordinary purpose, and would teach that ordinary sentences are poisoned)."""
    part_rows = []
    for r in rows:
        vecs = r["pvec"][1]
        if not vecs:
            continue
        if r["label"] == 0:
            part_rows += [{"features": v, "label": 0, "group": r["group"]} for v in vecs]
        else:
            scores = model.decision_function(vecs)
            best = max(range(len(vecs)), key=lambda j: scores[j])
            part_rows.append({"features": vecs[best], "label": 1, "group": r["group"]})
    return fit(part_rows, c, min_groups)


def _carriers(r: dict, pscores: list[float], span: int) -> list[tuple[str, float | None]]:
    """(severity, score of the carrying part) of each wording finding at medium or above of a row."""
    scored = [(f, s, e, sc) for (f, s, e, _t), sc in zip(r["parts"][span], pscores, strict=True)]
    return [(sev, scan_model.carrier(scored, f, s, e)) for sev, f, s, e in r["wording"]]


def evaluate(
    rows: list[dict], padded: list[dict], S: dict, *, c: float, min_groups: int, max_fp: float, alone_fp: float | None,
    span: int, part_fp: float | None, part_q: float | None, keep_high: bool, high_min: float, max_cost: float,
    part_model: str = "whole", whole_part_q: float | None = None, part_clear_q: float | None = None,
    explain: bool = False,
) -> dict:
    """One configuration judged out of fold as scan._weigh judges: the model on the whole (medium, or
    `alone` where the rules found nothing), the model on the most suspicious part, exact rule findings,
    and wording findings not dismissed (the whole below `dismiss` and the carrying part below
    `part_dismiss`, unless `keep_high` keeps a high one). Thresholds from the dev rows only."""
    oof, poof = S["oof"], S["poof"][part_model][span]
    medium = RANK["medium"]
    neg = [i for i, r in enumerate(rows) if r["label"] == 0 and r["kind"] != "corpus"]
    real = [i for i in neg if rows[i]["kind"] == "real"]
    pos = [i for i, r in enumerate(rows) if r["label"] == 1]
    th = thresholds([oof[i] for i in neg], max_fp, high_min)
    if alone_fp is None:
        th["alone"] = th["medium"]
    else:
        bare = sorted((oof[i] for i in neg if not rows[i]["rule_any"]), reverse=True)
        allowed = int(math.floor(alone_fp * len(neg)))
        th["alone"] = round(max(th["medium"], bare[allowed] + 1e-6 if allowed < len(bare) else th["medium"]), 6)
    top = [max(p, default=-math.inf) for p in poof]
    part_flag = None
    if part_fp is not None:
        tops = sorted((top[i] for i in neg), reverse=True)
        part_flag = round(tops[int(math.floor(part_fp * len(neg)))] + 1e-6, 6)
    whole_part = None
    if whole_part_q is not None:
        tops = sorted(top[i] for i in neg if top[i] > -math.inf)
        whole_part = round(tops[max(0, math.ceil(whole_part_q * len(tops)) - 1)] + 1e-6, 6)
    cars = [_carriers(r, poof[i], span) for i, r in enumerate(rows)]
    part_dismiss = None
    if part_q is not None:
        vals = sorted(
            max((cs for _, cs in cars[i] if cs is not None), default=-math.inf) for i in real if cars[i]
        )
        part_dismiss = round(vals[max(0, math.ceil(part_q * len(vals)) - 1)] + 1e-6, 6)

    def model_flags(r: dict, whole: float, ptop: float) -> bool:
        confirmed = whole_part is None or ptop == -math.inf or ptop >= whole_part
        return (whole >= (th["medium"] if r["rule_any"] else th["alone"]) and confirmed) or (
            part_flag is not None and ptop >= part_flag
        )

    def kept(sev: str, car: float | None) -> bool:
        """A wording finding the weighing keeps even where the whole reads benign."""
        return (keep_high and sev == "high") or (part_dismiss is not None and car is not None and car >= part_dismiss)

    part_clear = None
    if part_clear_q is not None:
        vals = sorted(max((cs for _, cs in cars[i] if cs is not None), default=math.inf) for i in pos if cars[i])
        part_clear = round(vals[max(0, math.ceil(part_clear_q * len(vals)) - 1)], 6)

    def cleared(sev: str, car: float | None, below: float) -> bool:
        """A wording finding whose own part reads clearly benign (whatever the whole): below `part_clear` and
        below `below`, the part model's intercept (its words lean benign, not merely unknown)."""
        return (
            part_clear is not None and car is not None and car < min(part_clear, below)
            and not (keep_high and sev == "high")
        )

    # `dismiss`: the highest that costs at most max_cost of the positives out of fold (those caught only
    # by wording findings none of which is kept).
    stake = sorted(
        oof[i] for i in pos
        if not model_flags(rows[i], oof[i], top[i]) and rows[i]["exact_worst"] < medium and cars[i]
        and not any(kept(sev, car) for sev, car in cars[i])
    )
    k = int(math.floor(max_cost * len(pos)))
    if len(stake) <= k:
        dismiss = round(th["medium"], 6)
    else:
        lo = stake[k - 1] if k else stake[0] - 0.5
        dismiss = round(min(th["medium"], (lo + stake[k]) / 2), 6)

    def gated(r: dict, whole: float, ptop: float, car: list, below: float) -> bool:
        return (
            model_flags(r, whole, ptop)
            or r["exact_worst"] >= medium
            or any((whole >= dismiss or kept(sev, cs)) and not cleared(sev, cs, below) for sev, cs in car)
        )

    base, pbase = S["base"][part_model], S["pbase"][part_model]
    g = [gated(r, oof[i], top[i], cars[i], base[i]) for i, r in enumerate(rows)]
    if explain:  # the real tools flagged out of fold, with what flagged each (--show-fp)
        for i in real:
            if not g[i]:
                continue
            r = rows[i]
            why = []
            if oof[i] >= (th["medium"] if r["rule_any"] else th["alone"]):
                why.append(f"whole {oof[i]:.2f}")
            if part_flag is not None and top[i] >= part_flag:
                why.append(f"part {top[i]:.2f}")
            why += [f"exact {f.kind}/{f.severity}" for f in r["rules"] if is_exact(f) and RANK[f.severity] >= medium]
            kept_w = [
                (sev, cs) for sev, cs in cars[i]
                if (oof[i] >= dismiss or kept(sev, cs)) and not cleared(sev, cs, base[i])
            ]
            why += [f"wording {sev} (part {cs if cs is None else round(cs, 2)})" for sev, cs in kept_w]
            ps = r["parts"][span]
            best = max(range(len(ps)), key=lambda j: poof[i][j]) if ps else None
            print(f"FP {r['group'][4:]} :: {r['definition'].get('name')}: {'; '.join(why)}")
            if best is not None:
                print(f"   top part ({poof[i][best]:.2f}) {ps[best][3][:160]!r}")
            for f in r["rules"]:
                if not is_exact(f) and RANK[f.severity] >= medium:
                    print(f"   rule {f.kind}/{f.severity} @{f.field}: {f.excerpt[:100]!r}")
    tools_by_server = collections.Counter(rows[i]["group"] for i in real)
    fp_by_server = collections.Counter(rows[i]["group"] for i in real if g[i])
    ppad = S["ppad"][part_model][span]
    ptop = [max(p, default=-math.inf) for p in ppad]
    gp = [gated(p, S["pad"][i], ptop[i], _carriers(p, ppad[i], span), pbase[i]) for i, p in enumerate(padded)]
    per_batch = {}
    for grp in sorted({rows[i]["group"] for i in pos}):
        idx = [i for i in pos if rows[i]["group"] == grp]
        per_batch[grp[4:]] = f"{sum(g[i] for i in idx)}/{len(idx)}"
    return {
        "C": c,
        "min_groups": min_groups,
        "alone_fp": alone_fp,
        "max_fp": max_fp,
        "span": span,
        "part_model": part_model,
        "part_fp": part_fp,
        "part_q": part_q,
        "keep_high": keep_high,
        "thresholds": th,
        "dismiss": dismiss,
        "part_flag": part_flag,
        "part_dismiss": part_dismiss,
        "whole_part_q": whole_part_q,
        "whole_part": whole_part,
        "part_clear_q": part_clear_q,
        "part_clear": part_clear,
        "caught": round(sum(g[i] for i in pos) / len(pos), 4),
        "caught_padded": round(sum(gp) / len(gp), 4) if gp else None,
        "false_positives_real": round(sum(g[i] for i in real) / len(real), 4),
        "false_positives_real_n": f"{sum(g[i] for i in real)}/{len(real)}",
        # Per server: how many real servers have a tool flagged out of fold, and the worst server's share.
        "servers_with_fp": f"{len(fp_by_server)}/{len(tools_by_server)}",
        "worst_server_fp": max(
            ((round(n / tools_by_server[grp], 3), grp[4:]) for grp, n in fp_by_server.items()), default=(0.0, "")
        ),
        "rule_false_positives_real_dismissed": f"{sum(rows[i]['rule_worst'] >= medium and not g[i] for i in real)}"
        f"/{sum(rows[i]['rule_worst'] >= medium for i in real)}",
        "caught_model_alone": round(sum(oof[i] >= th["medium"] for i in pos) / len(pos), 4),
        "caught_parts_alone": round(sum(part_flag is not None and top[i] >= part_flag for i in pos) / len(pos), 4),
        "caught_rules_alone": round(sum(rows[i]["rule_worst"] >= medium for i in pos) / len(pos), 4),
        "corpus_negatives_flagged": sum(g[i] for i, r in enumerate(rows) if r.get("kind") == "corpus"),
        "per_batch": per_batch,
    }


def _line(r: dict) -> dict:
    """The short CV line of a configuration."""
    keys = ("C", "min_groups", "augment", "max_fp", "alone_fp", "span", "part_model", "part_fp", "part_q",
            "keep_high", "whole_part_q", "part_clear_q", "caught", "caught_padded", "false_positives_real",
            "false_positives_real_n", "servers_with_fp", "worst_server_fp",
            "corpus_negatives_flagged")
    return {k: r[k] for k in keys}


def export(model, th: dict[str, float], meta: dict) -> dict:
    vec, lr = model.steps[0][1], model.steps[1][1]
    weights = {
        f: round(float(w), 6) for f, w in zip(vec.get_feature_names_out(), lr.coef_[0], strict=True) if abs(w) >= 1e-6
    }
    return {
        "format": 1,
        "kind": "logistic regression over scan_model.features (score: a logit)",
        "intercept": round(float(lr.intercept_[0]), 6),
        "thresholds": th,
        **meta,
        "weights": dict(sorted(weights.items())),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--max-fp", type=float, action="append", help="out-of-fold false positives the model alone may give at medium"
        " (repeatable; default: the grid)",
    )
    ap.add_argument("--high-min", type=float, default=2.0, help="the high threshold is at least this logit")
    ap.add_argument(
        "--max-dismiss-cost", type=float, default=0.005,
        help="share of dev positives (out of fold) that dismissing wording-only rule findings may cost",
    )
    ap.add_argument("--part-span", type=int, action="append", help="only this part span (default: the grid)")
    ap.add_argument("--augment", type=int, action="append", help="only this augmentation (0/1; default: both)")
    ap.add_argument("--verbose", action="store_true", help="print every configuration's CV figures")
    ap.add_argument(
        "--act-features", action="store_true", help="add the sentences' act features (mood, addressee, destinations)"
    )
    ap.add_argument("--dry-run", action="store_true", help="cross-validate and print, write nothing")
    ap.add_argument("--show-fp", action="store_true", help="print the real dev tools the chosen one flags out of fold")
    ap.add_argument("--c", type=float, action="append", help="only this C (repeatable; default: the grid)")
    ap.add_argument("--rule-scale", type=float, action="append", help="only this rule scale (default: the grid)")
    ap.add_argument("--min-groups", type=int, action="append", help="only this min_groups (default: the grid)")
    ap.add_argument("--alone-fp", type=float, action="append", help="only this alone_fp (default: the grid)")
    ap.add_argument(
        "--max-real-fp", type=float, default=0.0025,
        help="real servers' tools flagged out of fold (as the scanner judges) a configuration may cost: a quarter"
        " of the 1%% goal, as servers never seen flagged 4-7 times the out-of-fold rate (measured by the lead)",
    )
    a = ap.parse_args(argv)
    try:
        import sklearn
    except ImportError:
        print("train_scan_model: scikit-learn is needed (pip install -e '.[train]')", file=sys.stderr)
        return 2
    shared = a.shared if a.shared.is_dir() else None
    global ACTS
    ACTS = a.act_features
    rows = dataset(shared)
    fold = folds(rows)
    n_pos = sum(r["label"] for r in rows)
    print(f"{n_pos} dev positives, {len(rows) - n_pos} dev negatives, {len(set(fold))} folds")
    padded = padded_positives(rows, fold)
    pools = padding_pools(rows, fold)
    scale = (a.rule_scale or GRID_RULE_SCALE)[0]
    with_features(rows, scale)
    with_features(padded, scale)
    print(f"{len(padded)} padded dev positives (~{PAD_WORDS} benign words from other folds' real servers each)")
    results = []
    kept_scores: dict[tuple, dict] = {}
    for c in a.c or GRID_C:
        for mg in a.min_groups or GRID_MIN_GROUPS:
            for aug in [bool(x) for x in a.augment] if a.augment else GRID_AUGMENT:
                # The out-of-fold scores depend on C, min_groups and the augmentation only.
                S = out_of_fold(rows, fold, padded, c, mg, pools if aug else None)
                kept_scores[(c, mg, aug)] = S
                for max_fp, alone, span, pm, part_fp, part_q, keep_high, wpq, pcq in itertools.product(
                    a.max_fp or GRID_MAX_FP, a.alone_fp or GRID_ALONE_FP, a.part_span or GRID_PART_SPAN,
                    GRID_PART_MODEL, GRID_PART_FP, GRID_PART_DISMISS_Q, GRID_KEEP_HIGH, GRID_WHOLE_PART_Q,
                    GRID_PART_CLEAR_Q,
                ):
                    res = evaluate(
                        rows, padded, S, c=c, min_groups=mg, max_fp=max_fp, alone_fp=alone, span=span,
                        part_model=pm, part_fp=part_fp, part_q=part_q, keep_high=keep_high,
                        high_min=a.high_min, max_cost=a.max_dismiss_cost, whole_part_q=wpq, part_clear_q=pcq,
                    )
                    res["augment"] = aug
                    results.append(res)
                    if a.verbose:
                        print(json.dumps(res), flush=True)
    # Best: most caught out of fold as the scanner judges (model on the whole and on the parts, exact
    # rules, rules not dismissed) among the configurations within the real false-positive budget (with the
    # padded positives, below); then fewer real false positives; then the simpler model.
    within = [r for r in results if r["false_positives_real"] <= a.max_real_fp] or results
    key = lambda r: (  # noqa: E731
        r["caught"], r["caught_padded"] or 0, -r["false_positives_real"], r["caught_model_alone"], -r["C"],
        r["min_groups"],
    )
    # The CV line of each variant of the weighing: the best configuration of each within the budget (else
    # its fewest real false positives, marked "over budget").
    variants: dict[tuple, list[dict]] = {}
    for r in results:
        parted = any(r[k] is not None for k in ("part_fp", "part_q", "whole_part_q", "part_clear_q"))
        v = ("augmented" if r["augment"] else "-", r["part_model"] if parted else "-",
             "parts flag" if r["part_fp"] is not None else "-", "parts keep" if r["part_q"] is not None else "-",
             "keep high" if r["keep_high"] else "-", "whole needs a part" if r["whole_part_q"] is not None else "-",
             "part clears" if r["part_clear_q"] is not None else "-")
        variants.setdefault(v, []).append(r)
    for v, rs in sorted(variants.items()):
        ok = [r for r in rs if r["false_positives_real"] <= a.max_real_fp]
        r = max(ok, key=key) if ok else min(rs, key=lambda r: (r["false_positives_real"], [-x for x in key(r)[:2]]))
        print("variant", " / ".join(v), "" if ok else "(over budget)", json.dumps(_line(r)))
    # Padding must not buy recall back: among configurations within half a point of the most caught, the
    # one that catches the most padded positives (attacker C's padding, padded_positives).
    top = max(r["caught"] for r in within)
    best = max(
        (r for r in within if r["caught"] >= top - 0.005), key=lambda r: (r["caught_padded"] or 0, *key(r))
    )
    print("chosen:", json.dumps(best))
    if a.show_fp:
        evaluate(
            rows, padded, kept_scores[(best["C"], best["min_groups"], best["augment"])], c=best["C"],
            min_groups=best["min_groups"], max_fp=best["max_fp"],
            alone_fp=best["alone_fp"], span=best["span"], part_model=best["part_model"], part_fp=best["part_fp"],
            part_q=best["part_q"], keep_high=best["keep_high"], high_min=a.high_min, max_cost=a.max_dismiss_cost,
            whole_part_q=best["whole_part_q"], part_clear_q=best["part_clear_q"], explain=True,
        )
    if a.dry_run:
        return 0
    model = fit(rows + (augmented(rows, fold, pools, None) if best["augment"] else []), best["C"], best["min_groups"])
    meta = {
        "trained": dt.date.today().isoformat(),
        "training_digest": digest(rows),
        "training": {"positives": n_pos, "negatives": len(rows) - n_pos, "groups": len({r["group"] for r in rows})},
        "config": {
            "C": best["C"],
            "rule_scale": scale,
            "act_features": ACTS,
            "min_df": MIN_DF,
            "min_groups": best["min_groups"],
            "alone_fp": best["alone_fp"],
            "max_fp": best["max_fp"],
            "high_min": a.high_min,
            "max_dismiss_cost": a.max_dismiss_cost,
            "augment": best["augment"],
            "pad_words": PAD_WORDS,
            "part_span": best["span"],
            "part_fp": best["part_fp"],
            "part_q": best["part_q"],
            "whole_part_q": best["whole_part_q"],
            "part_clear_q": best["part_clear_q"],
            "sklearn": sklearn.__version__,
        },
        "parts": {
            "span": best["span"], "flag": best["part_flag"], "dismiss": best["part_dismiss"],
            "keep_high": best["keep_high"], "whole_part": best["whole_part"], "clear": best["part_clear"],
        },
        "cross_validation": {
            k: v for k, v in best.items()
            if k not in ("C", "dismiss", "min_groups", "alone_fp", "max_fp", "span", "part_fp", "part_q",
                         "whole_part_q", "part_clear_q")
        },
    }
    if best["part_model"] == "parts" and any(
        best[k] is not None for k in ("part_flag", "part_dismiss", "whole_part", "part_clear")
    ):
        pm = export(fit_parts(model, rows, best["C"], best["min_groups"]), {}, {})
        meta["parts"] |= {"intercept": pm["intercept"], "weights": pm["weights"]}
    doc = export(model, best["thresholds"], {"dismiss": best["dismiss"], **meta})
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {a.out} ({len(doc['weights'])} weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
