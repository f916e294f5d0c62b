from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(home):
    """Every attack runs against a proxy with an empty HOME: its database and config are the test's own."""


_KNOWN_OPEN = Path(__file__).with_name("known_open.txt")


def pytest_collection_modifyitems(config, items):
    """The attacks in `known_open.txt` still succeed: strict expected failures, listed in one place."""
    known = {ln.strip() for ln in _KNOWN_OPEN.read_text().splitlines() if ln.strip() and not ln.startswith("#")}
    for item in items:
        node = item.nodeid.split("tests/attacks/", 1)[-1]
        if node in known:
            item.add_marker(pytest.mark.xfail(strict=True, reason="a known open attack (tests/attacks/known_open.txt)"))
