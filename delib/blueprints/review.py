"""The chair's review page: it composes the nouns (notes, summaries, actions, submissions), each
changed in its own blueprint."""

from flask import Blueprint

from delib.access import committee_view
from delib.services import contribution, follow_ups, suggestions
from delib.services import review as service
from delib.web import render

#: The review's address; the notes, summaries, actions, submissions and audit blueprints share
#: it so the chair's bookmarks keep working.
PREFIX = "/udvalg/<int:committee_id>/gennemgang"

bp = Blueprint("review", __name__, url_prefix=PREFIX)


@bp.get("")
@committee_view(need="chair")
def index(committee):
    """The review screen: notes by task, break and talk/theme meeting; summaries and actions."""
    tasks, messages = service.review_sections(committee)
    active = contribution.approved_notes(committee)
    return render("review/index.html", committee=committee, tasks=tasks, messages=messages,
                  set_aside=contribution.set_aside_notes(committee), active=active,
                  latest=contribution.latest_submission(committee),
                  locked=contribution.is_locked(committee),
                  flags={note.id: found
                         for note, found in contribution.privacy_warnings(active)},
                  unmapped=suggestions.review_queue(committee),
                  suggested=suggestions.suggested_mappings([note.id for note in active]),
                  previous_actions=follow_ups.previous_actions(committee))
