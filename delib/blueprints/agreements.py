"""Members agree to the draft referat: the chair opens and closes a round and reads the answers
(in the review area); participants read the draft and answer through the committee's code."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import committee_view
from delib.blueprints.review import PREFIX
from delib.forms import ConfirmForm
from delib.forms.agreements import AGREE, DISAGREE, AnswerForm
from delib.services import DomainError, reports
from delib.services import agreements as service
from delib.services.actions import STATUS_LABELS
from delib.services.contribution import is_locked
from delib.uow import unit_of_work
from delib.web import add_error, render

bp = Blueprint("agreements", __name__)


@bp.app_template_global("agreement_round_open")
def agreement_round_open(committee) -> bool:
    """True while the chair has asked the participants to read the draft referat."""
    round_ = service.current_round(committee)
    return round_ is not None and round_.is_open


@bp.get(f"{PREFIX}/enighed")
@committee_view(need="chair")
def index(committee):
    """The chair's view of the round: who agreed, the comments, who has not answered."""
    return render("agreements/index.html", committee=committee,
                  overview=service.overview(committee), locked=is_locked(committee),
                  form=ConfirmForm())


def _chair_action(committee, change, done: str):
    form = ConfirmForm()
    try:
        if not form.validate():
            raise DomainError(_("Formularen var forældet. Prøv igen."))
        with unit_of_work():
            change(committee, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("agreements.index", committee_id=committee.id))


@bp.post(f"{PREFIX}/enighed/aabn")
@committee_view(need="chair")
def open_round(committee):
    """Ask the participants to read the draft referat and say whether they agree."""
    return _chair_action(committee, service.open_round,
                         _("Deltagerne kan nu læse udkastet og sige, om de er enige."))


@bp.post(f"{PREFIX}/enighed/luk")
@committee_view(need="chair")
def close_round(committee):
    """Stop taking answers; the figures stand as they are."""
    return _chair_action(committee, service.close_round, _("Runden er lukket."))


def _read_page(committee, role, form, status: int = 200):
    round_ = service.current_round(committee)
    own = service.own_answer(committee, current_user)
    return render("agreements/read.html", status=status, committee=committee, role=role,
                  round=round_, own=own, form=form,
                  changed_at=service.draft_changed_at(committee) if own is not None else None,
                  report=reports.build_report(committee) if round_ is not None else None,
                  labels=STATUS_LABELS)


@bp.route("/udvalg/<int:committee_id>/udkast", methods=["GET", "POST"])
@committee_view()
def read(committee, role):
    """A participant reads the draft referat and answers: "Enig", or a comment."""
    if request.method == "GET":
        form = AnswerForm(formdata=None)
        own = service.own_answer(committee, current_user)
        if own is not None:
            form.answer.data = AGREE if own.agrees else DISAGREE
            form.comment.data = own.comment
        return _read_page(committee, role, form)
    form = AnswerForm()
    try:
        if not form.validate():
            raise DomainError(_("Formularen var forældet. Prøv igen."))
        service.answer(committee, current_user, form.agrees, form.comment.data or "")
    except DomainError as error:
        add_error(getattr(form, error.field or "", form.answer), error.message)
        return _read_page(committee, role, form, status=422)
    flash(_("Tak, dit svar er gemt. Du kan ændre det, så længe formanden ikke har lukket "
            "runden."), "success")
    return redirect(url_for("agreements.read", committee_id=committee.id))
