"""Discussion groups beyond the committee: creating one, sending its notes to the committee,
and the committee's chair taking a group's note over."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from delib.access import committee_view, load_group_note, load_slot, require
from delib.blueprints.review import PREFIX
from delib.forms.groups import GroupBreakForm, GroupForm
from delib.services import DomainError
from delib.services import groups as service
from delib.uow import unit_of_work
from delib.web import render

bp = Blueprint("groups", __name__)


@bp.route("/udvalg/<int:committee_id>/grupper/ny", methods=["GET", "POST"])
@committee_view(need="chair")
def create(committee):
    """Create a discussion group under the committee; the chair gets its own join code."""
    require(not committee.is_group)  # a group has no groups of its own
    form = GroupForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                group = service.create_group(committee, form.name.data,
                                             current_user._get_current_object())
        except DomainError as error:
            form.name.errors.append(error.message)
        else:
            flash(_("Gruppen er oprettet. Giv gruppens deltagere koden herunder."), "success")
            return redirect(url_for("committees.show", committee_id=group.id))
    return render("groups/new.html", committee=committee, form=form,
                  status=422 if form.errors else 200)


@bp.post("/udvalg/<int:committee_id>/send-til-udvalget")
@committee_view(need="chair")
def send(committee):
    """The group's chair sends the group's notes to the municipality's committee (CSRF is
    checked app-wide)."""
    try:
        with unit_of_work():
            count = service.send_to_committee(committee, current_user._get_current_object())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(ngettext("%(num)d note er sendt til %(committee)s.",
                       "%(num)d noter er sendt til %(committee)s.", count,
                       committee=committee.parent.name), "success")
    return redirect(url_for("committees.show", committee_id=committee.id))


@bp.post(PREFIX + "/grupper/noter/<int:note_id>/overtag")
@committee_view(need="chair")
def take_over(committee, note_id: int):
    """The committee's chair takes a group's note into the committee's notes."""
    source = load_group_note(committee, note_id)
    try:
        with unit_of_work():
            service.take_over(committee, source, current_user._get_current_object())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Noten er overtaget fra %(group)s.", group=source.committee.name), "success")
    return redirect(url_for("review.index", committee_id=committee.id) + "#fra-grupper")


@bp.route("/udvalg/<int:committee_id>/pauser/<int:slot_id>/egen-tid", methods=["GET", "POST"])
@committee_view(need="chair")
def own_break(committee, slot_id: int):
    """A group's chair picks the group's own time for one of the breaks (or goes back to the
    event's time)."""
    require(committee.is_group)  # a committee follows the summit's times
    slot = load_slot(committee, slot_id)
    own = committee.own_break_by_slot.get(slot.id)
    form = GroupBreakForm(data=dict(day=own.starts_at.date(), starts=own.starts_at.time(),
                                    ends=own.ends_at.time()) if own else None)
    if form.is_submitted():
        actor = current_user._get_current_object()
        if request.form.get("clear"):
            service.clear_own_break(committee, slot, actor)
            flash(_("Drøftelsen følger igen topmødets tid."), "success")
            return redirect(url_for("committees.show", committee_id=committee.id))
        if form.validate():
            try:
                with unit_of_work():
                    service.set_own_break(committee, slot, form.day.data, form.starts.data,
                                          form.ends.data, actor)
            except DomainError as error:
                getattr(form, error.field or "day").errors.append(error.message)
            else:
                flash(_("Gruppens tid til drøftelsen er gemt."), "success")
                return redirect(url_for("committees.show", committee_id=committee.id))
    return render("groups/own_break.html", committee=committee, slot=slot, own=own, form=form,
                  status=422 if form.errors else 200)


@bp.app_template_global()
def groups_sent_to(committee):
    """The groups that sent their notes to this committee (for the review page)."""
    return service.sent_groups(committee)
