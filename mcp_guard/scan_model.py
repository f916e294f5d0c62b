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

from mcp_guard.intent import values as _values
from mcp_guard.intent import words as _words

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


def text_features(text: str, acts: bool = False) -> set[str]:
    """The words and word pairs of a text (character n-grams were tried: they fit topics, not acts), and
    with `acts` what each of its sentences does (`act_features`; a model says in its config whether it
    was trained with them)."""
    words = _TOKEN.findall(text.lower())
    feats = {"w:" + w for w in words}
    feats.update(f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False))
    if acts:
        feats.update(act_features(text))
    return feats


# A sentence ends at . ! ? or a line; a clause within it at a comma, colon, semicolon or dash.
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
_CLAUSE = re.compile(r"(?<=[,:;])\s+|\s+[\u2014\u2013-]+\s+")
_DESTINATIONS = frozenset({"url", "email", "host"})  # address kinds data can be sent to
_MODEL_WORDS = frozenset((*_words.MODEL_ROLES, *_words.MODEL_ROLES_VOCATIVE, *_words.MODEL_AI, *_words.MODEL_NAMES))


def act_features(text: str) -> set[str]:
    """What each sentence does, in classes rather than words, so that wordings never seen share features
    with known ones: its mood (a clause opening with a verb in its base form: an order, "After X, upload…"
    included), the kinds of action its verbs name (WordNet's classes: "relay" and "transmit" are both
    `send`), whether it names the model (its addressee), and whether it names a destination (a web address,
    host or e-mail address), alone, in an order, and beside a verb of sending or sharing."""
    out: set[str] = set()
    for sentence in _SENTENCE.split(text):
        words = _TOKEN.findall(sentence.lower())
        if not words:
            continue
        kinds = {k for w in words for k in _words.verb_kinds(w)}
        order = any(
            (ws := _TOKEN.findall(c.lower())) and _words.is_verb(ws[0], base=True) for c in _CLAUSE.split(sentence)
        )
        model = any(w in _MODEL_WORDS for w in words)
        dest = any(f.kind in _DESTINATIONS for f in _values.find_values(sentence))
        out.update(f"k:{k}" for k in kinds)
        if order:
            out.add("a:order")
            out.update(f"a:order:{k}" for k in kinds)
        if model:
            out.add("a:model")
            if order:
                out.add("a:model:order")
        if dest:
            out.add("d:destination")
            if order:
                out.add("d:order")
            if kinds & {"send", "share"}:
                out.add("d:send")
    return out


def rule_features(findings: Iterable[Any]) -> set[str]:
    """The kinds and severities of the rule findings (`scan.Finding`), context-free ones only."""
    out: set[str] = set()
    for f in findings:
        if f.kind in CONTEXT_KINDS or f.kind == LEARNED_KIND:
            continue
        out.add(f"r:{f.kind}:{f.severity}")
        out.add(f"r:any:{f.severity}")
    return out


def features(
    definition: dict[str, Any], findings: Iterable[Any], rule_scale: float, acts: bool = False
) -> dict[str, float]:
    """The feature vector of one tool, as {feature: value} (absent features are 0). `rule_scale`: the
    value of a rule feature beside the unit-length text vector (chosen in training); `acts`: with the
    sentences' act features."""
    text = text_features(tool_text(definition), acts)
    vec = dict.fromkeys(text, 1.0 / math.sqrt(len(text))) if text else {}
    if rule_scale:
        vec.update(dict.fromkeys(rule_features(findings), rule_scale))
    return vec


# --- Parts: a tool judged by its most suspicious part as well as the whole ---------------------------
# The whole tool's text vector has unit length, so benign reference prose around an attack sentence
# dilutes its words (attacker C: ~100 words of API reference). A part (one sentence of the description,
# one parameter's description, a default or enum value) is scored alone by the same model: padding
# around it cannot lower its score. Part thresholds are set by grouped CV (scripts/train_scan_model.py).
PART_MIN_WORDS = 3  # shorter strings (an enum value, a one-word title) carry no instruction
PART_MAX_WORDS = 40  # a run-on sentence is read in windows of this many words (half overlapping)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def parts(texts: Iterable[tuple[str, str | None, bool]], span: int = 1) -> list[tuple[str, int, int, str]]:
    """The parts of an item's texts (`scan.item_texts`: field, text, is a name): (field, start, end, text)
    for each sentence (and, with `span` 2, each pair of neighbouring sentences); names are left out."""
    out: list[tuple[str, int, int, str]] = []
    for field, text, is_name in texts:
        if is_name or not text:
            continue
        text = text[:MAX_CHARS]
        bounds, at = [], 0
        for m in _SENTENCE_END.finditer(text):
            if m.start() > at:
                bounds.append((at, m.start()))
            at = m.end()
        if at < len(text):
            bounds.append((at, len(text)))
        spans = list(bounds)
        if span > 1:
            spans += [(bounds[i][0], bounds[i + 1][1]) for i in range(len(bounds) - 1)]
        for s, e in spans:
            words = [m.span() for m in _TOKEN.finditer(text, s, e)]
            if len(words) < PART_MIN_WORDS:
                continue
            step = PART_MAX_WORDS // 2
            for k in range(0, max(1, len(words) - step), step):
                w = words[k : k + PART_MAX_WORDS]
                ps, pe = (s, e) if len(words) <= PART_MAX_WORDS else (w[0][0], w[-1][1])
                out.append((field, ps, pe, text[ps:pe]))
                if len(words) <= PART_MAX_WORDS:
                    break
    return out


def text_vector(text: str, acts: bool = False) -> dict[str, float]:
    """The unit-length word vector of one text (a part), as `features` builds it for a whole tool."""
    feats = text_features(text, acts)
    return dict.fromkeys(feats, 1.0 / math.sqrt(len(feats))) if feats else {}


def carrier(scored: list[tuple[str, int, int, float]], field: str, start: int, end: int) -> float | None:
    """The score of the part that carries a finding at `field`[start:end] (the most suspicious one where
    several overlap); a finding on a parameter's name is carried by that parameter's parts. None: no part
    carries it (the whole tool decides)."""
    best = None
    for f, s, e, score in scored:
        if f == field and (s < end and start < e or s <= start <= e):
            best = score if best is None else max(best, score)
    if best is None:
        for f, _s, _e, score in scored:
            if f.startswith(field + "."):
                best = score if best is None else max(best, score)
    return best


class ScanModel:
    """A linear model: score = intercept + Σ weight × feature value (a logit: > 0 leans poisoned)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.weights: dict[str, float] = doc["weights"]
        self.intercept: float = doc["intercept"]
        self.thresholds: dict[str, float] = doc["thresholds"]  # severity -> lowest score at it
        self.rule_scale: float = doc["config"]["rule_scale"]
        # Trained with the sentences' act features (`act_features`); models before session 11 were not.
        self.acts: bool = doc["config"].get("act_features", False)
        # Below this score the tool reads as benign: its wording-only rule findings become `low` (scan.py).
        self.dismiss: float | None = doc.get("dismiss")
        # On a tool the rules found nothing in (no finding of any severity), the model's own flag needs
        # this score: alone, it flags real servers' tools the rules read nothing in (set by grouped CV).
        self.alone: float = self.thresholds.get("alone", self.thresholds["medium"])
        # The parts (`parts`): a part scoring `part_flag` or more flags the tool (None: off); a wording
        # finding whose part scores `part_dismiss` or more is not dismissed (None: the whole decides);
        # `keep_high`: a `high` wording finding is never dismissed. All set by grouped CV.
        p = doc.get("parts") or {}
        self.part_span: int = p.get("span", 1)
        self.part_flag: float | None = p.get("flag")
        self.part_dismiss: float | None = p.get("dismiss")
        self.keep_high: bool = p.get("keep_high", False)
        # The whole's own flag needs its most suspicious part to score at least this (None: the whole alone
        # decides). A short benign tool's unit-length vector gives each common word a large share, so its
        # whole can read poisoned while no sentence of it does (set by grouped CV).
        self.whole_part: float | None = p.get("whole_part")
        # A wording finding whose carrying part scores below this (and below the part model's intercept: its
        # words lean benign, not merely unknown) is read, not flagged, whatever the whole scores (None: off):
        # the part reads like real servers' sentences about using their own tool.
        self.part_clear: float | None = p.get("clear")
        # A model of parts (trained multiple-instance style) where one was chosen; else the whole's model.
        self.part_weights: dict[str, float] = p.get("weights", self.weights)
        self.part_intercept: float = p.get("intercept", self.intercept)
        self.meta: dict[str, Any] = {k: v for k, v in doc.items() if k not in ("weights",)}

    def score(self, definition: dict[str, Any], findings: Iterable[Any] = ()) -> float:
        w = self.weights
        return self.intercept + sum(
            w.get(f, 0.0) * v for f, v in features(definition, findings, self.rule_scale, self.acts).items()
        )

    def score_text(self, text: str) -> float:
        """The score of one part read alone (its own unit-length word vector)."""
        w = self.part_weights
        return self.part_intercept + sum(w.get(f, 0.0) * v for f, v in text_vector(text, self.acts).items())

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
