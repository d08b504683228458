"""Who took part: the chair corrects the proposed attendance list before approval."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import committee_view
from delib.blueprints.review import PREFIX
from delib.forms.attendance import AddAttendeeForm, AttendeeRoleForm, RemoveAttendeeForm
from delib.services import DomainError
from delib.services import attendance as service
from delib.services.contribution import is_locked
from delib.uow import unit_of_work
from delib.web import add_error, is_partial_request, render

bp = Blueprint("attendance", __name__, url_prefix=PREFIX)


def _page(committee, add_form=None, error: str = "", status: int = 200):
    add_form = add_form or AddAttendeeForm(formdata=None)
    return render("attendance/index.html", "attendance/_list.html", status=status,
                  committee=committee, entries=service.current_list(committee),
                  missing=service.not_on_list(committee),
                  corrected=service.is_corrected(committee), locked=is_locked(committee),
                  add_form=add_form, roles=service.role_choices(), error=error)


def _after(committee, done: str, change, form, status_form=None):
    """Run one correction; for htmx answer with the list, otherwise go back to the page."""
    error = ""
    try:
        if not form.validate():
            raise DomainError(_("Formularen var forældet. Prøv igen."))
        with unit_of_work():
            change()
    except DomainError as exc:
        error = exc.message
        field = getattr(status_form, exc.field or "", None)
        if field is not None:
            # Shown at its field instead of above the list.
            add_error(field, exc.message)
            error = ""
            return _page(committee, status_form, status=422)
    if is_partial_request():
        # Saved: an empty form for the next name; refused: the typed name stays.
        return _page(committee, status_form if error else None, error=error,
                     status=422 if error else 200)
    if error:
        if status_form is not None:
            return _page(committee, status_form, error=error, status=422)
        flash(error, "error")
    else:
        flash(done, "success")
    return redirect(url_for("attendance.index", committee_id=committee.id))


@bp.get("/deltagerliste")
@committee_view(need="chair")
def index(committee):
    """The attendance list as proposed or corrected, with the chair's corrections."""
    return _page(committee)


@bp.post("/deltagerliste/tilfoej")
@committee_view(need="chair")
def add(committee):
    """Add a typed name (with a role) or a proposed person to the list."""
    form = AddAttendeeForm()
    return _after(committee, _("Navnet er sat på deltagerlisten."),
                  lambda: service.add(committee, current_user, name=form.name.data or "",
                                      role=form.role.data or "", key=form.key.data or ""),
                  form, status_form=None if form.key.data else form)


@bp.post("/deltagerliste/rolle")
@committee_view(need="chair")
def set_role(committee):
    """Set the role of one name on the list."""
    form = AttendeeRoleForm()
    return _after(committee, _("Rollen er gemt."),
                  lambda: service.set_role(committee, current_user, form.key.data or "",
                                           form.role.data or ""), form)


@bp.post("/deltagerliste/fjern")
@committee_view(need="chair")
def remove(committee):
    """Take one name off the list."""
    form = RemoveAttendeeForm()
    return _after(committee, _("Navnet er fjernet fra deltagerlisten."),
                  lambda: service.remove(committee, current_user, form.key.data or ""), form)
