#!/usr/bin/env python3
"""Generate mcp_guard/data/verb_kinds.json: the kinds of action (create, send, modify, delete, pay, share,
execute) each English verb or phrasal verb ("get rid of") can name, from the WordNet 3.0 verb database
(Princeton; licence in mcp_guard/data/WORDNET-LICENSE).

A verb is of a kind when one of its most frequent senses (the first SENSES in WordNet's order) is, or
descends by hypernym links from, one of the kind's anchor synsets below. The anchors are the only hand
choice: one to three WordNet senses per kind, named by lemma and sense number. Nothing here lists words
of a test set; the table is what WordNet says.

Usage: scripts/gen_verb_kinds.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base,
/usr/share/wordnet). Re-run only to change the anchors; the output is committed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_json  # noqa: E402

SENSES = 3  # senses per verb looked at: WordNet orders them by frequency in its tagged corpus

# kind -> anchor senses ("lemma.n": the n-th sense of the verb lemma in index.verb)
ANCHORS = {
    "create": ["create.1", "create.2", "produce.2", "record.1"],  # make, bring into existence, enter a record
    # To another party: mail/post, send out, broadcast, notify, e-mail, message, announce, reply. Not every
    # verb of saying ("summarize", "explain", "describe" tell the person, not someone else).
    "send": ["send.2", "send.3", "transmit.3", "notify.1", "email.1", "message.1", "message.2", "announce.1",
             "announce.2", "reply.1"],
    "modify": ["change.1", "change.4", "modify.1"],  # cause to change, switch, alter (update, adjust)
    "delete": ["remove.1", "remove.3", "destroy.1", "cancel.1", "cancel.3", "delete.1"],  # remove.3: dispose of
    "pay": ["pay.1", "buy.1", "spend.2"],
    # Acquiring goods: buy, purchase, order (to be supplied with), reorder. A request for it asks for the
    # shop's steps of a purchase too (see `words.SHOP_STEPS`).
    "buy": ["buy.1", "order.2"],
    "share": ["give.3", "allow.2", "allow.3", "share.5"],  # transfer possession, permit, grant
    "execute": ["perform.1", "execute.3", "execute.5"],  # carry out, run a program
}


def load(folder: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    hypernyms: dict[str, list[str]] = {}
    lemmas: dict[str, list[str]] = {}
    for line in (folder / "data.verb").read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue  # the licence header
        f = line.partition(" | ")[0].split()
        n = int(f[3], 16)
        lemmas[f[0]] = [f[4 + 2 * i].lower() for i in range(n)]
        i = 4 + 2 * n
        ptrs = f[i + 1 : i + 1 + 4 * int(f[i])]
        hypernyms[f[0]] = [ptrs[j + 1] for j in range(0, len(ptrs), 4) if ptrs[j] in ("@", "@i")]
    senses: dict[str, list[str]] = {}
    for line in (folder / "index.verb").read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue
        f = line.split()
        senses[f[0]] = f[-int(f[2]) :]
    return hypernyms, lemmas, senses


def other_words(folder: Path) -> set[str]:
    """The lemmas WordNet lists as nouns, adjectives or adverbs."""
    out: set[str] = set()
    for pos in ("noun", "adj", "adv"):
        for line in (folder / f"index.{pos}").read_text("latin-1").splitlines():
            if not line.startswith("  "):
                out.add(line.split(" ", 1)[0])
    return out


def anchors(senses: dict) -> dict[str, set[str]]:
    """The verb senses ANCHORS names, each with its kinds (a sense may anchor two: buying pays and acquires)."""
    anchor: dict[str, set[str]] = {}
    for kind, names in ANCHORS.items():
        for name in names:
            lemma, n = name.rsplit(".", 1)
            anchor.setdefault(senses[lemma][int(n) - 1], set()).add(kind)
    return anchor


def sense_kinds(hypernyms: dict, anchor: dict[str, set[str]]) -> Callable[[str], set[str]]:
    """The kinds of a verb sense: those of the anchors it reaches through its hypernyms."""

    def kinds_of(synset: str) -> set[str]:
        out, todo, seen = set(), [synset], set()
        while todo:
            s = todo.pop()
            if s in seen:
                continue
            seen.add(s)
            out |= anchor.get(s, set())
            todo.extend(hypernyms.get(s, ()))
        return out

    return kinds_of


def main() -> int:
    folder = wordnet_folder("gen_verb_kinds", "data.verb")
    if folder is None:
        return 2
    hypernyms, _, senses = load(folder)
    anchor = anchors(senses)
    kinds_of = sense_kinds(hypernyms, anchor)

    table: dict[str, list[str]] = {}
    for lemma, offs in sorted(senses.items()):
        parts = lemma.split("_")
        if not all(p.isalpha() for p in parts) or len(parts) > 3:
            continue
        lemma = " ".join(parts)  # phrasal verbs too: "get rid of", "throw away", "set up"
        # Its most frequent senses, and any sense that is itself an anchor ("share" as in "share an idea").
        ks = set().union(*(kinds_of(o) for o in offs[:SENSES]), *(anchor[o] for o in offs if o in anchor))
        if ks:
            table[lemma] = sorted(ks)
    # A word WordNet does not list (as a verb, noun, adjective or adverb) that is "re" and a verb it lists
    # ("rebook", "resend", "repost") does that verb's action again: it names that verb's kinds. Listed words
    # keep their own ("resign" is not "sign", "reaction" and "really" are no verbs).
    listed = set(senses) | other_words(folder)
    for lemma, ks in list(table.items()):
        again = "re" + lemma
        if " " not in lemma and len(lemma) >= 3 and again not in listed:
            table[again] = ks
    # Every other one-word verb WordNet lists ("acknowledge", "roll"): a word in neither list is no verb of
    # English as WordNet knows it (a clipped form such as "ack", see `words.is_verb`).
    plain = sorted(lemma for lemma in senses if lemma.isalpha() and lemma not in table)
    doc = {"source": "WordNet 3.0 (Princeton University), see WORDNET-LICENSE", "senses": SENSES,
           "anchors": ANCHORS, "verbs": table, "plain": plain}
    out = write_json("verb_kinds.json", doc, sort_keys=True)
    print(f"{len(table)} verbs of a kind, {len(plain)} others -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
