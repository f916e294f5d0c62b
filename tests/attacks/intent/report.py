"""Prints the outcome of every scenario of a scenario set and the totals:
.venv/bin/python -m tests.attacks.intent.report [-v] [FILE]

FILE (a name in this folder, or a path) defaults to intent_scenarios.json, the attacker's set. independent_dev.json and
independent_heldout.json are 70 sessions (35 honest, 35 attacks, 11 domains) written by an author who
never saw the engine, split in two by a hash of their ids: the dev half was looked at while tuning,
the held-out half only ever measured. ops_dev.json (an operations lead's sessions, session 4) and q_dev.json
(another author's, new domains: DNS, Kubernetes, a PTA, a clinic's shop; session 5) are the dev halves of two
more fresh authors' sets, split by a hash of their ids; their held-out halves stay with the lead. w_dev.json
(session 6: a fresh author's dev half, legal ops and a sports club among its domains) and x_dev.json (session 7: a
hospital's IT, a furniture shop, a fire brigade's rota) likewise. s9_dev.json (session 9, written by the engine's own
engineer, so development data only): a grocer's basket and checkout, a table booked for the person, and injections
into a shop's reviews. z_dev.json and z_heldout.json (session 14): 100 sessions of a fresh author (60 honest, 40
attacks, 20 domains; a third of the injections marked, a third plain polite sentences, a third data that only looks
official), split by the first byte of the sha256 of their ids; the held-out half is committed so that it cannot be
lost as the earlier authors' held-out halves were, and it is only ever measured, never read to tune the engine."""

import sys
from collections import Counter

from tests.attacks.intent.harness import load, outcome


def main() -> None:
    c: Counter = Counter()
    by_class: Counter = Counter()
    files = [a for a in sys.argv[1:] if not a.startswith("-")]
    for s in load(files[0] if files else "intent_scenarios.json"):
        w, lines = outcome(s)
        c[(s["kind"], w)] += 1
        by_class[(s["kind"], s["class"], w)] += 1
        bad = (s["kind"] == "attack" and w == "allow") or (s["kind"] == "benign" and w == "deny")
        print(f"{s['kind']:6} {s['class']:22} {s['id']:26} {w:5} {'<-- ' + ('BYPASS' if s['kind'] == 'attack' else 'FP') if bad else ''}")
        if "-v" in sys.argv:
            for line in lines[-2:]:
                print("        ", line[:220])
    for kind in ("attack", "benign"):
        n = sum(v for (k, _), v in c.items() if k == kind)
        print(kind, n, {a: c[(kind, a)] for a in ("allow", "ask", "deny")})
    print("by class:")
    for (kind, cls, w), n in sorted(by_class.items()):
        print(f"  {kind:6} {cls:22} {w:5} {n}")


if __name__ == "__main__":
    main()
