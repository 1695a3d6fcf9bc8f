"""Write docs/configuration.md from the settings themselves, so the doc cannot drift.

    uv run python scripts/config_reference.py          # rewrite docs/configuration.md
    uv run python scripts/config_reference.py --check  # exit 1 when the doc is stale

The app's settings come from `portal.config.Config`: each field's environment variable
(`portal.config.env_var`), its default, and the `#:` comment above it. gunicorn's settings
come from the `os.environ.get("NAME", "default")` calls in gunicorn.conf.py and the comment
in GUNICORN_MEANINGS below (a variable without one fails the check).
"""

from __future__ import annotations

import ast
import inspect
import sys
from dataclasses import MISSING
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.config import DEMO_SECRET  # noqa: E402
from portal.config import INSTANCE_DIR  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.config import env_var  # noqa: E402

DOC = ROOT / "docs" / "configuration.md"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
GUNICORN_MEANINGS = {
    "GUNICORN_BIND": "address(es) to listen on, comma-separated; keep it on loopback behind nginx",
    "GUNICORN_WORKERS": "worker processes (default: 2 x CPUs + 1, at most 8)",
    "GUNICORN_THREADS": "threads per worker",
    "GUNICORN_TIMEOUT": "seconds before a silent worker is killed and restarted",
    "GUNICORN_GRACEFUL_TIMEOUT": "seconds a worker gets to finish its requests on restart",
    "GUNICORN_KEEPALIVE": "seconds to keep an idle connection from nginx open",
    "GUNICORN_MAX_REQUESTS": "requests after which a worker is replaced (0 = never)",
    "GUNICORN_MAX_REQUESTS_JITTER": "random extra requests, so workers do not restart together",
    "GUNICORN_FORWARDED_ALLOW_IPS": "proxies gunicorn trusts (the app uses SALDO_PROXY_COUNT)",
    "GUNICORN_PID": "write the master's process id to this file",
    "GUNICORN_CONTROL_SOCKET": "path of gunicorn's control socket (gunicornc); unset = off",
    "GUNICORN_LOG_LEVEL": "gunicorn's own log level",
    "GUNICORN_ACCESS_LOG": 'gunicorn access log ("-" = stdout; JSON, no path); the app logs each '
    "request itself",
    "SALDO_INSTANCE_ID": "also names the gunicorn process (saldo-<id>)",
}
HEADER = """# Configuration

Saldo reads its settings from environment variables when it starts. This page is generated
from `portal/config.py` and `gunicorn.conf.py` by `uv run python scripts/config_reference.py`;
a test fails when it is stale, so edit the code (the `#:` comment above a setting), not
this page.

Booleans accept `1`, `true`, `yes` or `on` (anything else is off). With `SALDO_ENV=production`
Saldo refuses to start while any demo setting is left on, and lists every problem
(see `docs/operations.md`).

"""


def field_comments() -> dict[str, str]:
    """The `#:` comment lines above each field of Config, joined."""
    comments: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(Config).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        name = stripped.split(":", 1)[0]
        if pending and name.isidentifier() and ":" in stripped:
            comments[name] = " ".join(pending)
        pending = []
    return comments


def shown_default(name: str, value: object) -> str:
    if name == "secret_key" and value == DEMO_SECRET:
        return "(demo-only value; must be set outside demo mode)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if value == "":
        return "(empty)"
    text = str(value).replace(str(INSTANCE_DIR), "instance")
    return f"`{text}`"


def config_rows() -> list[tuple[str, str, str]]:
    comments = field_comments()
    rows = []
    for f in fields(Config):
        if f.name == "extra":
            continue
        default = f.default if f.default is not MISSING else ""
        meaning = comments.get(f.name, "")
        rows.append((env_var(f.name), shown_default(f.name, default), meaning))
    return rows


def gunicorn_rows() -> list[tuple[str, str, str]]:
    rows = []
    for node in ast.walk(ast.parse(GUNICORN_CONF.read_text())):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and ast.unparse(node.func.value) == "os.environ"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            continue
        name = str(node.args[0].value)
        default = node.args[1] if len(node.args) > 1 else None
        if isinstance(default, ast.Constant):
            shown = f"`{default.value!s}`" if default.value not in ("", None) else "(empty)"
        elif default is None:
            shown = "(not set)"
        else:
            shown = "(computed)"
        rows.append((name, shown, GUNICORN_MEANINGS.get(name, "")))
    return sorted(set(rows))


def table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [
        f"| `{name}` | {default} | {meaning.replace('|', '/')} |" for name, default, meaning in rows
    ]
    return "\n".join(lines) + "\n"


def render() -> str:
    return (
        HEADER
        + "## The app (`portal/config.py`)\n\n"
        + table(config_rows())
        + "\n## The app server (`gunicorn.conf.py`)\n\n"
        + table(gunicorn_rows())
    )


def problems() -> list[str]:
    """Settings without a meaning (the doc would have an empty cell)."""
    return [
        f"{name} has no meaning: add a `#:` comment (or a GUNICORN_MEANINGS entry)"
        for name, _, meaning in config_rows() + gunicorn_rows()
        if not meaning
    ]


def main(argv: list[str]) -> int:
    missing = problems()
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 1
    text = render()
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text() != text:
            print(
                f"{DOC.relative_to(ROOT)} is stale: run scripts/config_reference.py",
                file=sys.stderr,
            )
            return 1
        return 0
    DOC.write_text(text)
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
