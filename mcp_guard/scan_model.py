"""A learned judgement of tool definitions, beside the scanner's rules (mcp_guard/scan.py).

Hand-written rules catch the wordings they were written against; a linear model over the words of a
tool's whole text (name, description, parameters) generalises to other wordings of the same acts. It is
trained by scripts/train_scan_model.py (scikit-learn, on the dev splits only) and shipped as a small
JSON file (mcp_guard/data/scan_model.json): the weight of each feature that has one, the intercept and
the thresholds. Scoring here needs no scikit-learn: the features are computed by this module for both
training and scoring, so the two cannot drift apart (tests/test_scan_model.py checks the scores agree).

Features of one tool:
- its text's words and word pairs, each present or not, the vector scaled to unit length (a long
  description does not score higher for being long);
- the rule findings the scanner gave it (kind and severity), which do not depend on other servers'
  tool names (so `scan`, `review` and the manifest guard score a tool alike).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

MODEL_FILE = "scan_model.json"
MAX_PROPS = 200  # parameters read per tool (a schema is small; a huge one is judged on its start)
MAX_DEPTH = 8  # schema nesting read
MAX_CHARS = 20000  # characters of text judged per tool
# Findings that depend on which other servers are configured are not features: one tool, one score.
CONTEXT_KINDS = frozenset({"tool_shadowing", "homoglyph"})
LEARNED_KIND = "learned"  # the kind of the finding the model gives (scan.py)

_TOKEN = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def tool_text(definition: dict[str, Any]) -> str:
    """The text the model reads: the name, the description and every parameter's name and description."""
    parts: list[str] = []
    name = definition.get("name")
    if isinstance(name, str):
        parts.append(_CAMEL.sub(" ", name))
    if isinstance(definition.get("description"), str):
        parts.append(definition["description"])
    schema = definition.get("inputSchema")
    if isinstance(schema, dict):
        _schema_text(schema, parts, 0, [0])
    return "\n".join(parts)[:MAX_CHARS]


def _schema_text(schema: dict[str, Any], parts: list[str], depth: int, count: list[int]) -> None:
    props = schema.get("properties")
    if depth > MAX_DEPTH or not isinstance(props, dict):
        return
    for prop, sub in props.items():
        count[0] += 1
        if count[0] > MAX_PROPS:
            return
        parts.append(_CAMEL.sub(" ", str(prop)))
        if isinstance(sub, dict):
            if isinstance(sub.get("description"), str):
                parts.append(sub["description"])
            _schema_text(sub, parts, depth + 1, count)
            items = sub.get("items")
            if isinstance(items, dict):
                _schema_text(items, parts, depth + 1, count)


def text_features(text: str) -> set[str]:
    """The words and word pairs of a text (character n-grams were tried: they fit topics, not acts)."""
    words = _TOKEN.findall(text.lower())
    feats = {"w:" + w for w in words}
    feats.update(f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return feats


def rule_features(findings: Iterable[Any]) -> set[str]:
    """The kinds and severities of the rule findings (`scan.Finding`), context-free ones only."""
    out: set[str] = set()
    for f in findings:
        if f.kind in CONTEXT_KINDS or f.kind == LEARNED_KIND:
            continue
        out.add(f"r:{f.kind}:{f.severity}")
        out.add(f"r:any:{f.severity}")
    return out


def features(definition: dict[str, Any], findings: Iterable[Any], rule_scale: float) -> dict[str, float]:
    """The feature vector of one tool, as {feature: value} (absent features are 0). `rule_scale`: the
    value of a rule feature beside the unit-length text vector (chosen in training)."""
    text = text_features(tool_text(definition))
    vec = dict.fromkeys(text, 1.0 / math.sqrt(len(text))) if text else {}
    if rule_scale:
        vec.update(dict.fromkeys(rule_features(findings), rule_scale))
    return vec


class ScanModel:
    """A linear model: score = intercept + Σ weight × feature value (a logit: > 0 leans poisoned)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.weights: dict[str, float] = doc["weights"]
        self.intercept: float = doc["intercept"]
        self.thresholds: dict[str, float] = doc["thresholds"]  # severity -> lowest score at it
        self.rule_scale: float = doc["config"]["rule_scale"]
        # Below this score the tool reads as benign: its wording-only rule findings become `low` (scan.py).
        self.dismiss: float | None = doc.get("dismiss")
        # On a tool the rules found nothing in (no finding of any severity), the model's own flag needs
        # this score: alone, it flags real servers' tools the rules read nothing in (set by grouped CV).
        self.alone: float = self.thresholds.get("alone", self.thresholds["medium"])
        self.meta: dict[str, Any] = {k: v for k, v in doc.items() if k not in ("weights",)}

    def score(self, definition: dict[str, Any], findings: Iterable[Any] = ()) -> float:
        w = self.weights
        return self.intercept + sum(
            w.get(f, 0.0) * v for f, v in features(definition, findings, self.rule_scale).items()
        )

    def severity(self, score: float) -> str | None:
        best = None
        for sev, t in sorted(self.thresholds.items(), key=lambda kv: kv[1]):
            if sev not in ("medium", "high"):
                continue
            if score >= t:
                best = sev
        return best


@lru_cache(maxsize=1)
def load() -> ScanModel | None:
    """The shipped model, or None when the package was built without one (the rules still run)."""
    try:
        raw = resources.files("mcp_guard").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    return ScanModel(json.loads(raw))
