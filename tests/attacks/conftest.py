import pytest


@pytest.fixture(autouse=True)
def _isolated(home):
    """Every attack runs against a proxy with an empty HOME: its database and config are the test's own."""
