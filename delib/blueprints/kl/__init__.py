"""KL's area: the overview across the municipalities and KL's JSON API.

Only KL analysts and KL admins get in; they see submitted contributions (latest versions) and
never a draft. Every number comes from delib/services/kl/. The pages are one blueprint, `kl`
(/kl), one module per part: overview, coverage, notes (search), themes (a task's themes),
exports and tokens (API keys). The JSON API is its own blueprint, `kl_api` (/api, api.py): it
answers bearer tokens, not the browser session.
"""

import os
import weakref

from babel.numbers import get_group_symbol
from flask import Blueprint, Flask, g
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import configure_mappers

from delib.services.kl import overview as kl_overview
from delib.services.kl.exports import STATUS_LABELS
from delib.services.language import classifier, danish
from delib.services.municipalities import SIZE_LABELS, size_group

bp = Blueprint("kl", __name__, url_prefix="/kl")
#: Everything the overview renders, compiled once before the workers fork.
OVERVIEW_TEMPLATES = ("base.html", "kl/_page.html", "kl/index.html", "kl/_macros.html",
                      "kl/_nav.html", "kl/_coverage.html")


@bp.record_once
def _prepare_workers(state) -> None:
    """Arrange for the overview's one-time work to be done before gunicorn forks a worker.

    gunicorn builds the app in its master (preload_app) and forks every worker from it, also
    the ones that replace recycled workers. Without this, each worker's first KL overview paid
    for configuring the SQLAlchemy mappers, compiling the templates and loading Babel's data
    (about 250 ms on our 2-core machine); done in the master, every worker inherits the result.
    The templates can only be compiled once create_app has registered every filter, hence the
    fork hook rather than doing it here. Tests build many apps and never fork: not for them.
    """
    configure_mappers()  # once per process; cheap when already done
    if state.app.testing:
        return
    app = weakref.ref(state.app)
    os.register_at_fork(before=lambda: warm_up(app()))


def warm_up(app: Flask | None) -> None:
    """Compile the overview's templates, load the languages' texts and number formats, the
    Danish word list and the task model."""
    if app is None or app.extensions.get("delib_warm"):
        return
    configure_mappers()
    # Each takes 1-2 s: loaded once in gunicorn's master, no worker's first search or note waits.
    danish.lexicon()
    classifier.model_for()
    for name in OVERVIEW_TEMPLATES:
        app.jinja_env.get_template(name)
    with app.test_request_context("/"):
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                _("KL-overblik")
                _thousands(20000)
    app.extensions["delib_warm"] = True


@bp.context_processor
def _kl_context():
    return {"size_labels": {key: str(label) for key, label in SIZE_LABELS.items()},
            "size_group_of": size_group, "status_labels": STATUS_LABELS,
            "group_choices": kl_overview.GROUP_CHOICES}


@bp.app_template_filter("thousands")
def _thousands(value) -> str:
    """A whole number the Danish way: 20.000."""
    if type(value) is int and value >= 0:
        # The overview formats a few hundred counts per page: Python groups the digits, and
        # only the separator comes from the locale (what format_decimal would do, 10x faster).
        return f"{value:,}".replace(",", get_group_symbol(get_locale()))
    return format_decimal(value or 0, format="#,##0")


@bp.url_defaults
def _keep_event(endpoint: str, values: dict) -> None:
    # Set by access.kl_view when the page was asked for with ?event=<slug>.
    slug = g.get("kl_event_slug")
    if slug and "event" not in values:
        values["event"] = slug


# The views register themselves on `bp`; imported last, as they import it from here.
from delib.blueprints.kl import (  # noqa: E402
    api,
    contribution,
    coverage,
    events,
    exports,
    follow_ups,
    notes,
    overview,
    themes,
    tokens,
)

api_bp = api.bp
__all__ = ["api_bp", "bp", "contribution", "coverage", "events", "exports", "follow_ups", "notes",
           "overview", "themes", "tokens"]
