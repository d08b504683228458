"""Blueprints, one per area of the product."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to the app."""
    from delib.blueprints import (
        account,
        actions,
        audit,
        auth,
        committees,
        legal,
        main,
        notes,
        review,
        submissions,
        summaries,
    )

    for module in (main, auth, committees, notes, legal, account, review, summaries, actions,
                   submissions, audit):
        app.register_blueprint(module.bp)
    from delib.blueprints import follow_ups

    app.register_blueprint(follow_ups.bp)
    from delib.blueprints import peers

    app.register_blueprint(peers.bp)
    from delib.blueprints import groups

    app.register_blueprint(groups.bp)
    from delib.blueprints import agreements, attendance

    app.register_blueprint(attendance.bp)
    app.register_blueprint(agreements.bp)
    from delib.blueprints import redactions

    app.register_blueprint(redactions.bp)
    from delib.blueprints import kl

    app.register_blueprint(kl.bp)
    app.register_blueprint(kl.api_bp)
    from delib.uow import wrap_views

    # Last: every view, whichever blueprint it is in, commits in one place (delib/uow.py).
    wrap_views(app)
