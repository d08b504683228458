"""One municipality's whole submitted contribution, as KL reads it."""

from flask import g, url_for

from delib.access import kl_view, load_kl_submission
from delib.blueprints.kl import bp
from delib.services.kl import contribution as contribution_service
from delib.services.reports import STATUS_LABELS
from delib.web import render


@bp.get("/bidrag/<int:committee_id>")
@kl_view
def contribution(event, committee_id: int):
    """A committee's latest submitted version: tasks, messages, actions, follow-ups, versions."""
    submission = load_kl_submission(committee_id)
    return render("kl/contribution.html", event=event,
                  contribution=contribution_service.contribution(submission),
                  labels=STATUS_LABELS)


@bp.context_processor
def _contribution_links():
    def contribution_url(event, submission_id: int | None = None,
                         municipality_code: int | None = None) -> str | None:
        """The address of the submitted contribution a note, summary or action came from (or
        a municipality's), None if there is none; the lookup runs once per page."""
        cache = g.setdefault("kl_contribution_links", {})
        if event.id not in cache:
            cache[event.id] = contribution_service.submitted_committees(event)
        links = cache[event.id]
        committee_id = (links.by_submission.get(submission_id) if submission_id is not None
                        else links.by_municipality.get(municipality_code))
        return url_for("kl.contribution", committee_id=committee_id) if committee_id else None

    return {"contribution_url": contribution_url}

