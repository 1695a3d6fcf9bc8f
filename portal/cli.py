"""Flask CLI commands: `flask --app wsgi <command>`."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from portal.api.cli import register_api_commands
    from portal.demo.commands import register_demo_commands
    from portal.payments.cli import register_bank_commands

    register_demo_commands(app)
    register_bank_commands(app)
    register_api_commands(app)
