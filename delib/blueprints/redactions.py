"""Remove personal data from a note for good ("Fjern personoplysninger"): the chair marks what,
sees where it will be removed, confirms."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from delib.access import committee_view, load_committee_note
from delib.blueprints.review import PREFIX
from delib.forms.redactions import ConfirmRedactionForm, RedactionForm
from delib.services import DomainError
from delib.services import redactions as service
from delib.uow import reads_first, unit_of_work
from delib.web import add_error, render

bp = Blueprint("redactions", __name__)


def _page(committee, note, form, status=200):
    return render("redactions/choose.html", committee=committee, note=note, form=form,
                  status=status, placeholder=service.PLACEHOLDER)


@bp.get(f"{PREFIX}/noter/<int:note_id>/fjern-personoplysninger")
@committee_view(need="chair")
def choose(committee, note_id: int):
    """Choose what to remove: the guard's findings to tick, or a passage copied from the note."""
    note = load_committee_note(committee, note_id)
    form = RedactionForm(formdata=None, suggested=service.suggested_passages(note))
    return _page(committee, note, form)


@bp.post(f"{PREFIX}/noter/<int:note_id>/fjern-personoplysninger")
@reads_first  # only reads: the confirmation page takes no write lock
@committee_view(need="chair")
def preview(committee, note_id: int):
    """The confirmation page: exactly what will be removed, and where; nothing changes yet."""
    note = load_committee_note(committee, note_id)
    form = RedactionForm(suggested=service.suggested_passages(note))
    try:
        form.validate()
        plan = service.plan_redaction(committee, note, form.passages())
    except DomainError as error:
        add_error(form.passage, error.message)
        return _page(committee, note, form, status=422)
    confirm = ConfirmRedactionForm(formdata=None)
    confirm.passages.choices = [(p, p) for p in plan.passages]
    return render("redactions/confirm.html", committee=committee, note=note, plan=plan,
                  form=confirm, placeholder=service.PLACEHOLDER)


@bp.post(f"{PREFIX}/noter/<int:note_id>/fjern-personoplysninger/bekraeft")
@committee_view(need="chair")
def confirm(committee, note_id: int):
    """Remove the confirmed passages from every copy of the note's text."""
    note = load_committee_note(committee, note_id)
    form = ConfirmRedactionForm()
    try:
        if not form.validate():
            raise DomainError(_("Formularen kunne ikke læses. Genindlæs siden, og prøv igen."))
        with unit_of_work():
            service.redact_note(committee, note, current_user._get_current_object(),
                                form.passages.data or [])
    except StaleDataError:
        flash(_("Noten blev ændret samtidig. Se den igen, og fjern teksten på ny."), "error")
        return redirect(url_for("redactions.choose", committee_id=committee.id,
                                note_id=note_id))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("redactions.choose", committee_id=committee.id,
                                note_id=note_id))
    flash(_("Teksten er fjernet fra noten, dens historik, de indsendte versioner, søgningen, "
            "eksporterne og loggen. Loggen viser kun, at der er fjernet noget."), "success")
    return redirect(url_for("review.index", committee_id=committee.id) + f"#note-{note.id}")
