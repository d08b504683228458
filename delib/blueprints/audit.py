"""The committee's audit log: who did what when."""

from flask import Blueprint

from delib.access import committee_view
from delib.blueprints.review import PREFIX
from delib.services import audit as service
from delib.web import render

bp = Blueprint("audit", __name__, url_prefix=PREFIX)


@bp.get("/log")
@committee_view(need="chair")
def index(committee):
    """The committee's audit log: who did what when."""
    entries = [(entry, service.describe_details(entry.details))
               for entry in service.audit_log(committee)]
    return render("audit/index.html", committee=committee, entries=entries,
                  labels=service.AUDIT_LABELS)
