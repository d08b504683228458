"""KL's coverage grid: municipality × task, by region and size group."""

from flask import request

from delib.access import kl_view
from delib.blueprints.kl import bp
from delib.forms.kl import parse_filters
from delib.services.kl import coverage as coverage_service
from delib.services.kl import overview
from delib.web import render


@bp.get("/daekning")
@kl_view
def coverage(event):
    """Municipality × task grid: who said something on each task; by region and size group."""
    f = parse_filters(event, request.args)
    return render("kl/coverage.html", event=event, filters=f,
                  coverage=coverage_service.coverage(event, f), regions=overview.regions(),
                  sizes=overview.size_groups())
