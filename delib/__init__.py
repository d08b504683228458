"""delib: a deliberation tool for municipal committees at KL's Børn & Unge Topmøde."""

import os
from urllib.parse import urlsplit

from flask import Flask

from delib.config import DEVELOPMENT_BASE_URL, LOCAL_HOSTS, Defaults
from delib.db import normalise_database_url


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config layers, extensions, blueprints, CLI, error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("DELIB")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: put it in instance/config.py (make run does this) "
            "or set DELIB_SECRET_KEY."
        )
    configure_hosts(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if int(app.config.get("TRUSTED_PROXIES") or 0) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    init_extensions(app)
    from delib.blueprints import register_blueprints
    from delib.cli import register_cli
    from delib.web import register_web

    register_blueprints(app)
    register_cli(app)
    register_web(app)
    return app


def is_production(app: Flask) -> bool:
    """Served for real: https-only cookies or a proxy in front, and not a test or debug run."""
    config = app.config
    return (not config.get("TESTING") and not app.debug
            and (bool(config.get("SESSION_COOKIE_SECURE"))
                 or int(config.get("TRUSTED_PROXIES") or 0) > 0))


def configure_hosts(app: Flask) -> None:
    """BASE_URL (required in production) and the host names the app answers (TRUSTED_HOSTS).

    Links that leave the app are built from BASE_URL, and a request naming any other host is
    refused (400), so a forged Host header can neither poison a link nor reach a page.
    """
    production = is_production(app)
    base_url = (app.config.get("BASE_URL") or "").strip().rstrip("/")
    if not base_url:
        if production:
            raise RuntimeError(
                "BASE_URL is not set: set DELIB_BASE_URL to the public address, e.g. "
                "https://delib.example.dk (see docs/deployment.md).")
        base_url = DEVELOPMENT_BASE_URL
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"BASE_URL must be an http(s) address like https://delib.example.dk, "
                           f"not {base_url!r}.")
    if production and parts.scheme != "https" and app.config.get("SESSION_COOKIE_SECURE"):
        raise RuntimeError("BASE_URL must start with https:// when cookies are https-only.")
    app.config["BASE_URL"] = base_url
    if app.config.get("TRUSTED_HOSTS") is None:
        hosts = [parts.hostname]
        if not production:
            hosts += [host for host in LOCAL_HOSTS if host != parts.hostname]
        app.config["TRUSTED_HOSTS"] = hosts


def init_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from delib import auth
    from delib.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
    from delib.i18n import select_locale

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    auth.init_login(login_manager)
    limiter.init_app(app)
