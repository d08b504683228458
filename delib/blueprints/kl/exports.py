"""KL's exports: notes, summaries and actions as CSV or Excel, under the current filters."""

from flask import Response, request
from flask_login import current_user

from delib.access import kl_view
from delib.blueprints.kl import bp
from delib.forms.kl import ExportForm, FilterForm
from delib.services import DomainError
from delib.services.kl import exports, overview
from delib.web import render


@bp.get("/eksport")
@kl_view
def export_form(event):
    """Choose what to export (the current filters are carried along)."""
    form = FilterForm.for_event(event, request.args)
    f = form.filters()
    return render("kl/export.html", event=event, filters=f, query=form.q.data,
                  described=overview.describe(event, f))


@bp.post("/eksport")
@kl_view
def export(event):
    """Download notes, summaries and actions as CSV or Excel, optionally anonymised; audited."""
    form = ExportForm.for_event(event, request.form)
    f = form.filters()
    try:
        download = exports.export(current_user, event, f, form.format.data or "",
                                  form.kind.data or "", query=form.q.data,
                                  anonymise=form.anonymise.data)
    except DomainError as error:
        return render("kl/export.html", status=400, event=event, filters=f, query=form.q.data,
                      described=overview.describe(event, f), error=error.message)
    return Response(download.data, mimetype=download.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{download.filename}"',
        "Cache-Control": "no-store"})
