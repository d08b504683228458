"""The committee's follow-up actions: what it will do under each task, who, by when, how far."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import committee_view, load_action, load_committee_note, load_summary
from delib.blueprints.review import PREFIX
from delib.forms import ConfirmForm, optional_int
from delib.forms.actions import ActionForm
from delib.services import DomainError, contribution, follow_ups
from delib.services import actions as service
from delib.uow import unit_of_work
from delib.web import add_error, render

bp = Blueprint("actions", __name__, url_prefix=PREFIX)


@bp.app_template_filter("action_status")
def action_status(status: str) -> str:
    """An action's status in Danish."""
    return str(service.STATUS_LABELS.get(status, status))


@bp.get("/handlinger")
@committee_view()
def index(committee, role):
    """The committee's follow-up actions and their status; participants see them too."""
    return render("actions/index.html", committee=committee, role=role,
                  actions=service.list_actions(committee), labels=service.STATUS_LABELS,
                  previous_actions=follow_ups.previous_actions(committee),
                  locked=contribution.is_locked(committee))


def _action_form(committee, **kwargs) -> ActionForm:
    form = ActionForm(**kwargs)
    form.task.choices = [(None, _("Vælg opgave"))] + [
        (t.id, f"{t.number}. {t.short_title or t.title}") for t in committee.event.tasks]
    return form


def _action_input(form: ActionForm) -> service.ActionInput:
    if form.due_on.errors:
        raise DomainError(form.due_on.errors[0], field="due_on")
    return service.ActionInput(task_id=form.task.data, title=form.title.data or "",
                               responsible=form.responsible.data or "",
                               due_on=form.due_on.data, status=form.status.data or "")


def _action_source(committee, form: ActionForm):
    """The note or summary the action is made from, if any (404 for another committee's)."""
    note_id = optional_int(form.source_note.data)
    summary_id = optional_int(form.source_summary.data)
    note = load_committee_note(committee, note_id) if note_id else None
    summary = load_summary(committee, summary_id) if summary_id else None
    return note, summary


@bp.route("/handlinger/ny", methods=["GET", "POST"])
@committee_view(need="chair")
def new(committee):
    """Create a follow-up action, optionally from a note (?note=) or a summary (?resume=)."""
    form = _action_form(committee)
    if request.method == "GET":
        form = _action_form(committee, formdata=None)
        form.source_note.data = request.args.get("note", "")
        form.source_summary.data = request.args.get("resume", "")
        form.task.data = optional_int(request.args.get("opgave"))
        note, summary = _action_source(committee, form)
        source = note or summary
        if source is not None:
            form.title.data = source.body
            task = (note.tasks[0] if note is not None and note.tasks
                    else getattr(summary, "task", None))
            form.task.data = task.id if task else None
        return render("actions/form.html", committee=committee, form=form, action=None,
                      source_note=note, source_summary=summary)
    note, summary = _action_source(committee, form)
    try:
        form.validate()
        service.create_action(committee, current_user, _action_input(form), note, summary)
    except DomainError as error:
        add_error(getattr(form, error.field or "title", form.title), error.message)
        return render("actions/form.html", committee=committee, form=form, action=None,
                      source_note=note, source_summary=summary, status=422)
    flash(_("Handlingen er oprettet."), "success")
    return redirect(url_for("actions.index", committee_id=committee.id))


@bp.route("/handlinger/<int:action_id>/rediger", methods=["GET", "POST"])
@committee_view(need="chair")
def edit(committee, action_id: int):
    """Change a follow-up action: its text, who is responsible, the due date, the status."""
    action = load_action(committee, action_id)
    if request.method == "GET":
        form = _action_form(committee, formdata=None, obj=action)
        form.task.data = action.task_id
        return render("actions/form.html", committee=committee, form=form, action=action,
                      source_note=action.source_note, source_summary=action.source_summary)
    form = _action_form(committee)
    try:
        form.validate()
        service.update_action(committee, action, current_user, _action_input(form))
    except DomainError as error:
        add_error(getattr(form, error.field or "title", form.title), error.message)
        return render("actions/form.html", committee=committee, form=form, action=action,
                      source_note=action.source_note, source_summary=action.source_summary,
                      status=422)
    flash(_("Handlingen er gemt."), "success")
    return redirect(url_for("actions.index", committee_id=committee.id))


@bp.route("/handlinger/<int:action_id>/slet", methods=["GET", "POST"])
@committee_view(need="chair")
def delete(committee, action_id: int):
    """Delete a follow-up action after a confirmation step; only while the contribution is a
    draft."""
    action = load_action(committee, action_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                service.delete_action(committee, action, current_user)
            flash(_("Handlingen er slettet."), "success")
        except DomainError as error:
            flash(error.message, "error")
        return redirect(url_for("actions.index", committee_id=committee.id))
    return render("actions/confirm_delete.html", committee=committee, action=action, form=form,
                  labels=service.STATUS_LABELS, locked=contribution.is_locked(committee))
