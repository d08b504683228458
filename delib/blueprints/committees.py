"""Committees: a chair's list, creation, the committee page, choosing talk and theme meetings."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import chair_required, committee_view, load_participant
from delib.forms import ConfirmForm
from delib.forms.committees import ChoiceForm, CommitteeForm
from delib.services import DomainError, follow_ups
from delib.services import committees as service
from delib.services.contribution import latest_submission
from delib.services.municipalities import all_municipalities, get_municipality
from delib.services.programme import current_event
from delib.web import render

bp = Blueprint("committees", __name__, url_prefix="/udvalg")


@bp.get("/")
@chair_required
def index():
    """The committees this chair runs."""
    return render("committees/index.html", committees=service.committees_for(current_user),
                  event=current_event())


@bp.route("/nyt", methods=["GET", "POST"])
@chair_required
def create():
    """Create a committee for the current event; the chair gets its join code."""
    event = current_event()
    form = CommitteeForm()
    choices = all_municipalities()
    if current_user.municipality_code is not None:
        choices = [m for m in choices if m.code == current_user.municipality_code]
        if not form.is_submitted():
            form.municipality.data = current_user.municipality_code
    form.municipality.choices = [(m.code, m.name) for m in choices]
    if event is not None and form.validate_on_submit():
        municipality = get_municipality(form.municipality.data)
        try:
            if municipality is None:
                raise DomainError(_("Vælg en kommune fra listen."), field="municipality")
            committee = service.create_committee(event, municipality, form.name.data,
                                                 current_user._get_current_object())
        except DomainError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            flash(_("Udvalget er oprettet. Giv deltagerne koden eller linket herunder."), "success")
            return redirect(url_for("committees.show", committee_id=committee.id))
    return render("committees/new.html", form=form, event=event,
                  status=422 if form.errors else 200)


@bp.get("/<int:committee_id>")
@committee_view()
def show(committee, role):
    """The committee's home: join code, choices and the discussion breaks."""
    return render("committees/show.html", committee=committee, role=role,
                  join_code=service.format_join_code(committee.join_code),
                  participants=[p for p in committee.participants if p.removed_at is None],
                  previous_actions=follow_ups.previous_actions(committee))


@bp.route("/<int:committee_id>/valg", methods=["GET", "POST"])
@committee_view()
def choose(committee):
    """Choose the political talk and up to three theme meetings."""
    event = committee.event
    form = ChoiceForm()
    form.talk.choices = [(t.id, t.title) for t in event.talks]
    form.theme_meetings.choices = [(m.id, m.title) for m in event.theme_meetings]
    if form.is_submitted():
        if form.validate():
            try:
                service.choose(committee, form.talk.data, form.theme_meetings.data or [])
            except DomainError as error:
                getattr(form, error.field or "talk").errors.append(error.message)
            else:
                flash(_("Udvalgets valg er gemt."), "success")
                return redirect(url_for("committees.show", committee_id=committee.id))
    else:
        form.talk.data = committee.talk_id
        form.theme_meetings.data = [m.id for m in committee.theme_meetings]
    return render("committees/choose.html", committee=committee, form=form, event=event,
                  submission=latest_submission(committee), status=422 if form.errors else 200)


@bp.route("/<int:committee_id>/kode", methods=["GET", "POST"])
@chair_required
@committee_view(need="chair")
def rotate_code(committee):
    """Give the committee a new join code (after a confirmation step)."""
    form = ConfirmForm()
    if form.is_submitted() and form.validate():
        service.rotate_join_code(committee)
        flash(_("Udvalget har fået en ny kode. Den gamle virker ikke længere."), "success")
        return redirect(url_for("committees.show", committee_id=committee.id))
    return render("committees/confirm_rotate.html", committee=committee, form=form)


@bp.route("/<int:committee_id>/deltagere/<int:participant_id>/fjern", methods=["GET", "POST"])
@chair_required
@committee_view(need="chair")
def remove_participant(committee, participant_id: int):
    """Remove a participant from the committee (after a confirmation step)."""
    participant = load_participant(committee, participant_id)
    form = ConfirmForm()
    if form.is_submitted() and form.validate():
        service.remove_participant(committee, participant)
        flash(_("%(name)s er fjernet fra udvalget.", name=participant.display_name), "success")
        return redirect(url_for("committees.show", committee_id=committee.id))
    return render("committees/confirm_remove.html", committee=committee,
                  participant=participant, form=form)


