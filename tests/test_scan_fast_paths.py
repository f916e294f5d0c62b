"""The scanner's fast paths stand for a regex pass over the whole text: each gives what the regex gives
(random texts built from the pieces each turns on; the regex is the reference)."""

from __future__ import annotations

import random

from mcp_guard import scan


def test_escapes_cut_as_the_regex_cuts_them():
    """`_cut_escapes` replaces repeated colour codes in C and reads the rest from each other escape: the
    text `_ANSI_CUT.sub` leaves, whatever escapes, cut-short sequences and control characters surround them."""
    pieces = ["\x1b[32m", "\x1b[0m", "\x1b[2K", "\x1b[1;31m", "\x1b", "\x1b[", "\x1b[3", "2m", "m", "A", "x", " ", "\r",
              "\n", "\x07", "\x01", "\x00", "\x7f", "\x9b", "\x1b]0;t", "\x1b\\", "\x1bP", "\x1bA", "\x1b@", "é",
              "[", "0"]
    rnd = random.Random(21)
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 14))) for _ in range(30000)]
    texts += ["".join(f"\x1b[{i % 40}m" for i in range(scan.CUT_SEQUENCES + 2)) + "x"]  # more codes than it replaces
    texts += ["\x1b[3" * (scan.CUT_OTHERS + 2) + "\x1b[32mA"]  # more cut-short ones than it steps past
    for t in texts:
        assert scan._cut_escapes(t) == scan._ANSI_CUT.sub("", t), repr(t)


def test_class_runs_are_the_patterns_matches():
    """`_class_runs` finds a class's runs with RE2 in the text's bytes: the matches `finditer` gives, at the
    same offsets, beside characters of one to four bytes."""
    pieces = ["a", " ", "é", "東", "🅰", "\U000e0041", "\U000e0042", "\u202e", "\u2066", "\ue000", "\U000f0001",
              "\u200e", "x\u200by"]
    rnd = random.Random(22)
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 20))) for _ in range(5000)]
    texts += ["a\U000e0041\u202e\ue000\u200e" * (scan.CUT_RUNS + 5)]  # more runs than RE2 is asked for
    for pattern in (scan._TAGS, scan._BIDI, scan._PUA, scan._MARKS):
        for t in texts:
            want = [(m.span(), m.group()) for m in pattern.finditer(t)]
            assert [(m.span(), m.group()) for m in scan._class_runs(pattern, t)] == want, (pattern, t)


def test_runs_cut_as_the_regex_cuts_them():
    pieces = ["a", " ", "é", "東", "\U000e0041", "\u200b", "\u200d", "\ufeff", "\u202e", "\ue000", "🅰"]
    rnd = random.Random(23)
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 20))) for _ in range(5000)]
    texts += ["a\u200b" * (scan.CUT_RUNS + 5)]  # more runs than it slices: the regex's own pass
    for t in texts:
        assert scan._cut_runs(scan._STRIP, t) == scan._STRIP.sub("", t), repr(t)


def test_control_characters_found_as_the_regex_finds_them():
    """`_has_controls` reads a text's bytes: it answers what `_CONTROLS` (a control character or a lone CR)
    answers, in ASCII text and beside other scripts, C1 controls and characters whose UTF-8 holds 80-9F."""
    pieces = ["a", " ", "\n", "\r\n", "\r", "\t", "é", "東", "🅰", "\x85", "\x9b", "\x1b", "\x00", "\x7f", "\u0100",
              "\u0180", "Ā", "\xa0", "\u2028"]
    rnd = random.Random(24)
    for _ in range(20000):
        t = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 10)))
        assert scan._has_controls(t) == (scan._CONTROLS.search(t) is not None), repr(t)
