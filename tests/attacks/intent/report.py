"""Prints the outcome of every scenario of intent_scenarios.json and the totals:
.venv/bin/python -m tests.attacks.intent.report [-v]"""

import sys
from collections import Counter

from tests.attacks.intent.harness import load, outcome


def main() -> None:
    c: Counter = Counter()
    by_class: Counter = Counter()
    for s in load("intent_scenarios.json"):
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
