"""Flask CLI commands: `flask --app wsgi <command>`."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from portal.api.cli import register_api_commands
    from portal.batch.cli import register_batch_commands
    from portal.batch.handover_cli import register_handover_commands
    from portal.demo.commands import register_demo_commands
    from portal.payments.cli import register_bank_commands
    from portal.payments.direct_debit_cli import register_direct_debit_commands
    from portal.social_status_cli import register_social_status_commands
    from portal.structured_log import install_job_logging

    register_demo_commands(app)
    register_bank_commands(app)
    register_direct_debit_commands(app)
    register_api_commands(app)
    register_batch_commands(app)
    register_handover_commands(app)
    register_social_status_commands(app)
    install_job_logging(app)  # last: wraps every command registered above
