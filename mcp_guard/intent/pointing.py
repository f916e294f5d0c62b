"""How a request points at the records of the data it means, when it names no value (issue #12):

- `means_each`: the request points at every member of a set ("email each of them", "the parents of anyone
  under a 70"), so the other records that offer a value of the kind are each meant too, not rivals of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent

# Words that point at each member of a set of people or records ("all" and "both" are left out: "send all the
# files to the client" points at files, not at whom they go to).
_EACH = tuple(f" {w} " for w in "each every everyone everybody anyone anybody whoever whomever".split())


def means_each(intent: DeclaredIntent) -> bool:
    return any(w in intent.word_line for w in _EACH)
