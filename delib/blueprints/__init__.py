"""Blueprints, one per area of the product."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to the app."""
    from delib.blueprints import account, auth, committees, legal, main, notes, review

    for module in (main, auth, committees, notes, legal, account):
        app.register_blueprint(module.bp)
    app.register_blueprint(review.bp)
    from delib.blueprints import api, dashboard

    app.register_blueprint(dashboard.bp)
    app.register_blueprint(api.bp)
