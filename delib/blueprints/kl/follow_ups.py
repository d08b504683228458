"""Follow-up on commitments, seen from KL: how the previous event's actions went, per task."""

from flask import request

from delib.access import kl_view
from delib.blueprints.kl import bp
from delib.forms.kl import parse_filters
from delib.services.kl import follow_ups, overview
from delib.web import render


@bp.get("/opfoelgning")
@kl_view
def follow_up(event):
    """Per task: the previous event's actions done, under way, changed, dropped or not updated,
    by region and size group, with the comments."""
    f = parse_filters(event, request.args)
    return render("kl/follow_ups.html", event=event, filters=f,
                  tasks=follow_ups.by_task(event, f), statuses=follow_ups.STATUSES,
                  regions=overview.regions(), sizes=overview.size_groups())
