"""Demo commands (filled in by the seed work)."""

from flask import Flask


def register_demo_commands(app: Flask) -> None:
    return None
