"""人防日检 Shelter Daily Check: the Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

# The PWA's files; managers' pages share its stylesheet.
PWA_STATIC = Path(__file__).resolve().parent.parent / "pwa_static"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=str(PWA_STATIC), static_url_path="/static")

    from webapp.config import load_config

    load_config(app, config)
    _behind_proxies(app)

    from webapp import auth, cli, errors, i18n, security_headers
    from webapp.extensions import compress, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    auth.init_login(login_manager)
    i18n.init_app(app)
    compress.init_app(app)

    _register_blueprints(app)
    errors.register_error_handlers(app)
    security_headers.init_app(app)
    cli.init_app(app)
    _sqlite_pragmas(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from webapp import pwa
    from webapp.api import init_api
    from webapp.inputs import IdConverter, refuse_nul_characters
    from webapp.views import register_views

    app.url_map.converters["id"] = IdConverter  # <id:...>: database ids (webapp/inputs.py)
    app.before_request(refuse_nul_characters)  # no text holds a NUL (webapp/inputs.py)
    register_views(app)
    init_api(app)
    app.register_blueprint(pwa.bp)


def _behind_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from SHELTER_PROXY_COUNT proxies, no more."""
    proxies = int(app.config["SHELTER_PROXY_COUNT"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite runs with foreign keys enforced and in WAL mode (readers never block the writer)."""
    from sqlalchemy import event

    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
