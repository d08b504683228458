"""KL's overview: who took part, tasks and messages against the programme; the municipalities."""

from flask import request
from flask_babel import gettext as _

from delib.access import kl_view
from delib.blueprints.kl import bp
from delib.forms.kl import parse_filters
from delib.services import suggestions
from delib.services.kl import overview
from delib.web import render


@bp.get("/")
@kl_view
def index(event):
    """The overview: who took part, and tasks and messages against talks, meetings and breaks."""
    by_talk, by_theme, by_slot = overview.matrices(event, "task")
    matrices = [
        (_("Opgaver og politiske oplæg"), by_talk),
        (_("Opgaver og temamøder"), by_theme),
        (_("Opgaver og pauser med kommunale drøftelser"), by_slot),
        (_("Budskaber til Christiansborg og pauser"), overview.matrix(event, "message", "slot")),
    ]
    # The task matrix's row totals already count the municipalities per task: the coverage
    # summary needs no query of its own.
    return render("kl/index.html", event=event, events=overview.events(),
                  participation=overview.participation(event), matrices=matrices,
                  task_reach=by_talk.row_totals,
                  provenance=suggestions.provenance_counts(event))


@bp.get("/kommuner")
@kl_view
def municipalities(event):
    """Every municipality: committee, notes, submitted; filterable by region and size group."""
    f = parse_filters(event, request.args)
    rows = overview.participation_by_municipality(event, f)
    return render("kl/municipalities.html", event=event, rows=rows, filters=f,
                  regions=overview.regions(), sizes=overview.size_groups())
