import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty HOME and XDG dirs, so no test reads or writes the developer's own state."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.setenv("XDG_STATE_HOME", str(h / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(h / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(h / ".cache"))
    monkeypatch.delenv("MCP_GUARD_CONFIG", raising=False)
    return h
