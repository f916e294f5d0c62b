"""How a request points at the records of the data it means, when it names no value (issue #12):

- `means_each`: a clause of the request that asks for the tool's action points at every member of a set
  ("email each of them", "email the parents of anyone under a 70"), so the other records that offer a value
  of the kind are each meant too, not rivals of it ("read each message, then forward it to the manager"
  still points at one manager).
- `leaves_choice`: the request asks for a value of a kind by an indefinite article ("set a password on the
  gallery", "a new passphrase"): any value does, so one the agent makes up is what it asks for ("change my
  PIN" leaves no choice: the person's own PIN is one they give)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_guard.intent.words import FAMILIES, PARAM_KINDS, stem

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent
    from mcp_guard.intent.tools import ToolInfo

# Words that point at each member of a set of people or records ("all" and "both" are left out: "send all the
# files to the client" points at files, not at whom they go to).
_EACH = frozenset("each every everyone everybody anyone anybody whoever whomever".split())


def means_each(intent: DeclaredIntent, info: ToolInfo) -> bool:
    verbs = info.own_verbs()
    families = [FAMILIES[f] for f in info.families]
    for verb, obj, _raw in intent.spans:
        sv = stem(verb)
        if (sv in verbs or any(sv in f for f in families)) and _EACH.intersection(obj):
            return True
    return False


_INDEFINITE = frozenset("a an any some another new random strong fresh temporary unique".split())
_DEFINITE = frozenset("my our the his her their its this that your".split())


def leaves_choice(intent: DeclaredIntent, kind: str) -> bool:
    words = intent.word_line.split()
    for i, w in enumerate(words):
        if PARAM_KINDS.get(stem(w)) != kind:
            continue
        for before in reversed(words[max(0, i - 3):i]):
            if before in _DEFINITE:
                break
            if before in _INDEFINITE:
                return True
    return False
