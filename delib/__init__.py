"""delib: a deliberation tool for municipal committees at KL's Børn & Unge Topmøde."""

import os

from flask import Flask

from delib.config import Defaults
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
