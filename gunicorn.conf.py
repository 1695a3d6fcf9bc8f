"""gunicorn settings for Saldo: `gunicorn -c gunicorn.conf.py "portal:create_app()"`.

Every value can be changed with an environment variable (docs/operations.md). The app's own
JSON request log (portal/web/request_log.py) is the access log: it names the URL rule, not
the raw path, so payment-link tokens never reach a log. gunicorn's access log is therefore
off unless GUNICORN_ACCESS_LOG is set, and even then it leaves the path out.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path
from typing import Any

# the config file is read before gunicorn changes directory: make `portal` importable from
# wherever gunicorn is started
sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal.config import Config  # noqa: E402
from portal.config import ConfigError  # noqa: E402

#: loopback by default: nginx (or the load balancer) in front is the only client
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(multiprocessing.cpu_count() * 2 + 1, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
#: a request that takes longer is a bug (PDFs take about a second): kill the worker
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
#: recycle workers now and then so a slow leak never takes a server down
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
#: headers and request line limits (the app caps bodies itself)
limit_request_line = 8190
limit_request_fields = 100
#: trust X-Forwarded-* only through the app's ProxyFix (SALDO_PROXY_COUNT), not gunicorn's
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
pidfile = os.environ.get("GUNICORN_PID") or None
#: gunicorn's control socket is off unless a path is given: by default every instance on a
#: machine would share $HOME/.gunicorn/gunicorn.ctl
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET")
if _control_socket:
    control_socket = _control_socket
control_socket_disable = not _control_socket
proc_name = "saldo-" + os.environ.get("SALDO_INSTANCE_ID", "app")

errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = (
    '{"logger": "gunicorn.access", "ts": "%(t)s", "method": "%(m)s", "status": "%(s)s", '
    '"bytes": "%(B)s", "duration_ms": "%(M)s", "request_id": "%({x-request-id}o)s"}'
)

#: every log line, gunicorn's and the app's, as one JSON object (portal/structured_log.py)
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "portal.structured_log.JsonFormatter"},
        "message": {"format": "%(message)s"},
    },
    "filters": {"privacy": {"()": "portal.log_privacy.PrivacyFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["privacy"],
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "message",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    """Check the settings once, before any worker starts: a production server with demo
    settings stops here with every problem listed, and exits non-zero."""
    try:
        Config.from_env()
    except ConfigError as error:
        print(f"saldo: {error}", file=sys.stderr, flush=True)
        sys.exit(3)
