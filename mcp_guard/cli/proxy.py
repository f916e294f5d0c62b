"""CLI: proxy commands (to be filled in)."""


def register(sub) -> None:
    return None
