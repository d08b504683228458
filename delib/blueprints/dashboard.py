"""KL's overview across the municipalities: participation, tasks × contexts, drill-down, exports.

Only KL analysts and KL admins get in; they see submitted contributions (latest versions) and
never a draft. Every number comes from services/aggregation.py.
"""

import os
import weakref

from babel.numbers import get_group_symbol
from flask import Blueprint, Flask, Response, abort, flash, g, redirect, request, url_for
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers

from delib.access import KL_ROLES, staff_required
from delib.extensions import db
from delib.models import Event, Task
from delib.sanitize import plain_text
from delib.services import (
    DomainError,
    aggregation,
    api_tokens,
    audit,
    classifier,
    danish,
    exports,
    search,
    suggestions,
    themes,
)
from delib.services.municipalities import SIZE_LABELS, size_group
from delib.services.programme import current_event
from delib.web import render

bp = Blueprint("dashboard", __name__, url_prefix="/kl")
kl_required = staff_required(*KL_ROLES)
MAX_QUERY = 200
#: Everything the overview renders, compiled once before the workers fork.
OVERVIEW_TEMPLATES = ("base.html", "dashboard/index.html", "dashboard/_macros.html",
                      "dashboard/_nav.html", "dashboard/_coverage.html")


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
            "size_group_of": size_group, "status_labels": exports.STATUS_LABELS}


@bp.app_template_filter("thousands")
def _thousands(value) -> str:
    """A whole number the Danish way: 20.000."""
    if type(value) is int and value >= 0:
        # The overview formats a few hundred counts per page: Python groups the digits, and
        # only the separator comes from the locale (what format_decimal would do, 10x faster).
        return f"{value:,}".replace(",", get_group_symbol(get_locale()))
    return format_decimal(value or 0, format="#,##0")


def _event() -> Event:
    """The event asked for with ?event=<slug>, else the current one; 404 if there is none."""
    slug = request.args.get("event") or request.form.get("event")
    event = (db.session.scalar(select(Event).where(Event.slug == slug)) if slug
             else current_event())
    if event is None:
        abort(404)
    if slug:
        g.kl_event_slug = event.slug  # every link on the page stays with this event
    return event


@bp.url_defaults
def _keep_event(endpoint: str, values: dict) -> None:
    slug = g.get("kl_event_slug")
    if slug and "event" not in values:
        values["event"] = slug


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _choices(event: Event) -> dict:
    """Everything the filter form offers."""
    return {
        "regions": aggregation.regions(), "sizes": aggregation.size_groups(),
        "municipalities": aggregation.participation_by_municipality(event),
    }


@bp.get("/")
@kl_required
def index():
    """The overview: who took part, and tasks and messages against talks, meetings and breaks."""
    event = _event()
    by_talk, by_theme, by_slot = aggregation.matrices(event, "task")
    matrices = [
        (_("Opgaver og politiske oplæg"), by_talk),
        (_("Opgaver og temamøder"), by_theme),
        (_("Opgaver og pauser med kommunale drøftelser"), by_slot),
        (_("Budskaber til Christiansborg og pauser"), aggregation.matrix(event, "message", "slot")),
    ]
    events = db.session.scalars(select(Event).order_by(Event.starts_on)).all()
    # The task matrix's row totals already count the municipalities per task: the coverage
    # summary needs no query of its own.
    return render("dashboard/index.html", event=event, events=events,
                  participation=aggregation.participation(event), matrices=matrices,
                  task_reach=by_talk.row_totals,
                  provenance=suggestions.provenance_counts(event))


@bp.get("/kommuner")
@kl_required
def municipalities():
    """Every municipality: committee, notes, submitted; filterable by region and size group."""
    event = _event()
    f = aggregation.parse_filters(event, request.args)
    rows = aggregation.participation_by_municipality(event, f)
    return render("dashboard/municipalities.html", event=event, rows=rows, filters=f,
                  regions=aggregation.regions(), sizes=aggregation.size_groups())


@bp.get("/daekning")
@kl_required
def coverage():
    """Municipality × task grid: who said something on each task; by region and size group."""
    event = _event()
    f = aggregation.parse_filters(event, request.args)
    return render("dashboard/coverage.html", event=event, filters=f,
                  coverage=aggregation.coverage(event, f), regions=aggregation.regions(),
                  sizes=aggregation.size_groups())


@bp.get("/noter")
@kl_required
def notes():
    """Drill-down: the submitted notes under the filters, searched in Danish, matches marked."""
    event = _event()
    f = aggregation.parse_filters(event, request.args)
    # Typed text like any other: NUL and bidi overrides dropped before it is echoed back.
    query = plain_text(request.args.get("q")).strip()[:MAX_QUERY]
    prepared = search.prepare(query)
    page = aggregation.notes_page(event, f, prepared, page=_page())
    summaries = aggregation.summaries(event, f) if (f.task_id or f.message_id) else []
    return render("dashboard/notes.html", "dashboard/_results.html", event=event, filters=f,
                  query=query, search=prepared, results=page, summaries=summaries,
                  labels=aggregation.context_labels(event),
                  described=aggregation.describe(event, f), **_choices(event))


@bp.get("/opgaver/<int:task_id>")
@kl_required
def task(task_id: int):
    """One task: its recurring themes, the chairs' summaries and the follow-up actions."""
    event = _event()
    task = db.session.get(Task, task_id)
    if task is None or task.event_id != event.id:
        abort(404)
    args = request.args.to_dict()
    args["task"] = str(task.id)
    f = aggregation.parse_filters(event, args)
    return render("dashboard/task.html", event=event, task=task, filters=f,
                  themes=themes.themes_for(event, f), summaries=aggregation.summaries(event, f),
                  actions=aggregation.actions(event, f),
                  described=aggregation.describe(event, f), **_choices(event))


@bp.get("/eksport")
@kl_required
def export_form():
    """Choose what to export (the current filters are carried along)."""
    event = _event()
    f = aggregation.parse_filters(event, request.args)
    return render("dashboard/export.html", event=event, filters=f,
                  query=plain_text(request.args.get("q")).strip()[:MAX_QUERY],
                  described=aggregation.describe(event, f))


@bp.post("/eksport")
@kl_required
def export():
    """Download notes, summaries and actions as CSV or Excel, optionally anonymised; audited."""
    event = _event()
    f = aggregation.parse_filters(event, request.form)
    fmt, kind = request.form.get("format", ""), request.form.get("kind", "")
    anonymise = request.form.get("anonymise") in ("1", "on")
    if fmt not in exports.FORMATS or kind not in (*exports.KINDS, "all") or (
            fmt == "csv" and kind == "all") or f.errors:
        return render("dashboard/export.html", status=400, event=event, filters=f,
                      query=request.form.get("q", "")[:MAX_QUERY],
                      described=aggregation.describe(event, f),
                      error=(f.errors[0] if f.errors else
                             _("Vælg et format og hvad der skal eksporteres. "
                               "CSV indeholder én slags ad gangen.")))
    prepared = search.prepare(request.form.get("q", "")[:MAX_QUERY])
    sheets = exports.sheets(event, f, exports.KINDS if kind == "all" else (kind,),
                            search=prepared, anonymise=anonymise)
    if fmt == "csv":
        data, mimetype = exports.to_csv(sheets[0]), "text/csv; charset=utf-8"
    else:
        data = exports.to_xlsx(sheets, title=event.title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit.record(current_user, f"export.{fmt}", target=kind, event=event.slug,
                 anonymised=anonymise, filters=f.as_args(), query=prepared.query,
                 rows=sum(len(s.rows) for s in sheets))
    db.session.commit()
    name = exports.filename(event, kind, fmt, anonymise)
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/api-noegler")
@kl_required
def api_tokens_index():
    """The signed-in KL user's API tokens, and a form for a new one."""
    return render("dashboard/api_tokens.html", tokens=api_tokens.tokens_of(current_user),
                  secret=None, error=None)


@bp.post("/api-noegler")
@kl_required
def api_tokens_create():
    """Create an API token for the signed-in KL user; its secret is shown this once."""
    try:
        token, secret = api_tokens.create_token(current_user, request.form.get("name", ""))
    except DomainError as error:
        return render("dashboard/api_tokens.html", status=422, error=error.message, secret=None,
                      tokens=api_tokens.tokens_of(current_user))
    audit.record(current_user, "api_token.create", target=f"api_token:{token.id}")
    db.session.commit()
    response = render("dashboard/api_tokens.html", tokens=api_tokens.tokens_of(current_user),
                      secret=secret, error=None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api-noegler/<int:token_id>/tilbagekald", methods=["GET", "POST"])
@kl_required
def api_tokens_revoke(token_id: int):
    """Revoke one of one's own API tokens, after a confirmation page."""
    token = api_tokens.token_of(current_user, token_id)
    if token is None:
        abort(404)
    if request.method == "GET":
        return render("dashboard/confirm_revoke.html", token=token)
    api_tokens.revoke(token)
    audit.record(current_user, "api_token.revoke", target=f"api_token:{token.id}")
    db.session.commit()
    flash(_("API-nøglen »%(name)s« virker ikke længere.", name=token.name), "info")
    return redirect(url_for("dashboard.api_tokens_index"))
