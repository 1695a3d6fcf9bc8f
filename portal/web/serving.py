"""What a production app server needs around the app: forwarded headers, JSON logs."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import Config
from portal.structured_log import configure_logging
from portal.web.request_log import install_request_log


def configure_serving(app: Flask, config: Config) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from exactly `SALDO_PROXY_COUNT` proxies (0: none,
    so a client cannot spoof its address or the scheme), and log each request as JSON."""
    if config.proxy_count > 0:
        n = config.proxy_count
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n
        )
    configure_logging(app)
    install_request_log(app, config)
