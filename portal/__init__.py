"""Saldo: the application factory."""

from __future__ import annotations

from flask import Flask

from portal.config import INSTANCE_DIR
from portal.config import Config
from portal.web.serving import configure_serving


def create_app(config: Config | None = None) -> Flask:
    """Build the app. Without a config, settings are read from the environment."""
    config = config or Config.from_env()
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(INSTANCE_DIR),
    )
    configure_app(app, config)
    configure_extensions(app, config)
    configure_serving(app, config)  # ProxyFix, JSON request logs (issue 10)
    register_blueprints(app)
    register_cli(app)
    return app


def configure_app(app: Flask, config: Config) -> None:
    from portal.domain.rules import get_rule_pack

    app.config.update(
        SALDO=config,
        RULE_PACK=get_rule_pack(config.rules),
        SECRET_KEY=config.secret_key,
        SQLALCHEMY_DATABASE_URI=config.database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        TESTING=config.testing,
        # Cookies: never readable by scripts, not sent cross-site; Secure outside demo/test
        # because the demo runs on plain http://127.0.0.1.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.session_cookie_secure and not (config.demo or config.testing),
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=60 * 60 * 8,
        # Uploads are checked by content later; this caps any request body.
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=60 * 60 * 8,
        BABEL_TRANSLATION_DIRECTORIES="../translations",
        BABEL_DEFAULT_LOCALE="en",
    )
    if config.database_url.startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)


def configure_extensions(app: Flask, config: Config) -> None:
    from portal import models  # noqa: F401 - register every model on the metadata
    from portal.append_only import install_append_only_guard
    from portal.auth.oidc import init_oidc
    from portal.extensions import babel
    from portal.extensions import csrf
    from portal.extensions import db
    from portal.extensions import login_manager
    from portal.extensions import migrate
    from portal.i18n import register_i18n
    from portal.i18n import select_locale
    from portal.log_privacy import install_log_filter
    from portal.security import register_security
    from portal.sqlite import make_sqlite_honest
    from portal.web.errors import register_error_handlers

    db.init_app(app)
    with app.app_context():
        make_sqlite_honest(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(app.root_path + "/../migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    install_append_only_guard()
    install_log_filter(app)
    register_i18n(app)
    register_security(app, config)
    register_error_handlers(app)
    init_oidc(app)


def register_blueprints(app: Flask) -> None:
    from portal.api.views import bp as api_bp
    from portal.auth.views import bp as auth_bp
    from portal.citizen.views import bp as citizen_bp
    from portal.extensions import csrf
    from portal.payments.views import bp as payments_bp
    from portal.staff.views import bp as staff_bp
    from portal.web.health import bp as health_bp
    from portal.web.language import bp as language_bp

    app.register_blueprint(citizen_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(language_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(csrf.exempt(api_bp))  # bearer tokens, no cookies: CSRF does not apply
    app.register_blueprint(csrf.exempt(health_bp))  # probes: GET only, no login, no data


def register_cli(app: Flask) -> None:
    from portal.cli import register_commands

    register_commands(app)
