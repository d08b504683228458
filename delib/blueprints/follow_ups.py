"""Follow-up on commitments: the committee updates its municipality's actions from the previous
event (done, under way, changed, dropped, with a comment); the update goes to KL with the next
contribution."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import committee_view, load_previous_action
from delib.blueprints.review import PREFIX
from delib.forms.follow_ups import FollowUpForm
from delib.services import DomainError
from delib.services import follow_ups as service
from delib.services.contribution import is_locked
from delib.web import add_error, render

bp = Blueprint("follow_ups", __name__, url_prefix=PREFIX)


@bp.app_template_filter("follow_up_status")
def follow_up_status(status: str) -> str:
    """A follow-up's status in Danish."""
    return str(service.STATUS_LABELS.get(status, status))


def _forms(rows, failed=None) -> dict:
    """One form per previous action, filled with its update; the failed one keeps its input."""
    forms = {}
    for row in rows:
        if failed is not None and failed[0] == row.action.id:
            # The chair's input stays; the version becomes the current one, so saving again
            # after a conflict (having seen the other update) goes through.
            failed[1].version.data = str(row.follow_up.version) if row.follow_up else "0"
            forms[row.action.id] = failed[1]
            continue
        form = FollowUpForm(formdata=None, prefix=f"a{row.action.id}")
        form.status.data = row.follow_up.status if row.follow_up else ""
        form.comment.data = row.comment
        form.version.data = str(row.follow_up.version) if row.follow_up else "0"
        forms[row.action.id] = form
    return forms


def _page(committee, role, failed=None, status: int = 200):
    rows = service.previous_actions(committee)
    return render("follow_ups/index.html", status=status, committee=committee, role=role,
                  rows=rows, previous=service.previous_event(committee),
                  forms=_forms(rows, failed) if role == "chair" else {},
                  locked=is_locked(committee), max_comment=service.COMMENT_MAX_LENGTH)


@bp.get("/opfoelgning")
@committee_view()
def index(committee, role):
    """The previous event's actions and how each went; the chair updates them."""
    return _page(committee, role)


@bp.post("/opfoelgning/<int:action_id>")
@committee_view(need="chair")
def update(committee, action_id: int):
    """Save how one previous action went."""
    action = load_previous_action(committee, action_id)
    form = FollowUpForm(request.form, prefix=f"a{action.id}")
    try:
        if not form.validate():
            raise DomainError(_("Formularen var forældet. Prøv igen."))
        service.update_follow_up(committee, action, current_user, form.status.data or "",
                                 form.comment.data or "", form.version_number())
    except DomainError as error:
        add_error(getattr(form, error.field or "status", form.status), error.message)
        return _page(committee, "chair", failed=(action.id, form), status=422)
    flash(_("Opfølgningen er gemt."), "success")
    return redirect(url_for("follow_ups.index", committee_id=committee.id,
                            _anchor=f"handling-{action.id}"))
