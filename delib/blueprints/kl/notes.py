"""KL's drill-down into the submitted notes: filters and Danish search, a page at a time."""

from flask import request

from delib.access import kl_view
from delib.blueprints.kl import bp
from delib.forms.kl import FilterForm
from delib.services.kl import overview, search
from delib.web import render


def choices(event) -> dict:
    """Everything the filter form offers."""
    return {
        "regions": overview.regions(), "sizes": overview.size_groups(),
        "municipalities": overview.participation_by_municipality(event),
    }


@bp.get("/noter")
@kl_view
def notes(event):
    """Drill-down: the submitted notes under the filters, searched in Danish, matches marked."""
    form = FilterForm.for_event(event, request.args)
    f = form.filters()
    prepared = search.prepare(form.q.data)
    page = overview.notes_page(event, f, prepared, page=form.page_number())
    summaries = overview.summaries(event, f) if (f.task_id or f.message_id) else []
    return render("kl/notes.html", "kl/_results.html", event=event, filters=f,
                  query=form.q.data, search=prepared, results=page, summaries=summaries,
                  labels=overview.context_labels(event),
                  described=overview.describe(event, f), **choices(event))
