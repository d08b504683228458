"""Follow-up actions: what the committee will do under each task, who, by when, how far."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    ACTION_STATUS_LABELS,
    ACTION_STATUSES,
    Action,
    Committee,
    Note,
    SubmissionAction,
    Summary,
    Task,
    utcnow,
)
from delib.services import DomainError
from delib.services.audit import record
from delib.services.committees import clean_text
from delib.services.contribution import committee_note, is_locked

ACTION_TITLE_MAX_LENGTH = 1000


RESPONSIBLE_MAX_LENGTH = 200


#: How an action's status reads in Danish, in every layer (pages, reports, CSV).
STATUS_LABELS = ACTION_STATUS_LABELS


@dataclass
class ActionInput:
    task_id: int | None
    title: str
    responsible: str = ""
    due_on: date | None = None
    status: str = "planned"


def list_actions(committee: Committee) -> list[Action]:
    """The committee's follow-up actions, by task then due date (undated last)."""
    return list(db.session.scalars(
        select(Action).join(Task, Action.task_id == Task.id)
        .where(Action.committee_id == committee.id)
        .options(selectinload(Action.task), selectinload(Action.source_municipality))
        .order_by(Task.number, Action.due_on.is_(None), Action.due_on, Action.id)
    ))


def _validated_action(committee: Committee, data: ActionInput) -> tuple[Task, str, str]:
    title = clean_text(data.title)
    if not title:
        raise DomainError(_("Skriv hvad der skal gøres."), field="title")
    if len(title) > ACTION_TITLE_MAX_LENGTH:
        raise DomainError(_("Beskrivelsen er for lang: højst %(max)d tegn.",
                            max=ACTION_TITLE_MAX_LENGTH), field="title")
    responsible = clean_text(data.responsible)
    if len(responsible) > RESPONSIBLE_MAX_LENGTH:
        raise DomainError(_("Ansvarlig er for lang: højst %(max)d tegn.",
                            max=RESPONSIBLE_MAX_LENGTH), field="responsible")
    task = db.session.get(Task, data.task_id) if data.task_id else None
    if task is None or task.event_id != committee.event_id:
        raise DomainError(_("Vælg hvilken af de fire opgaver handlingen hører under."),
                          field="task")
    if data.status not in ACTION_STATUSES:
        raise DomainError(_("Vælg en status: planlagt, i gang eller gennemført."), field="status")
    return task, title, responsible


def create_action(committee: Committee, actor, data: ActionInput, source_note: Note | None = None,
                  source_summary: Summary | None = None,
                  source_submission_action: SubmissionAction | None = None) -> Action:
    """Turn a note or a summary (or a fresh idea, or a peer's shared action) into a follow-up
    action under a task."""
    task, title, responsible = _validated_action(committee, data)
    if source_note is not None:
        committee_note(committee, source_note)
    if source_summary is not None and source_summary.committee_id != committee.id:
        raise DomainError(_("Resuméet findes ikke i dette udvalg."))
    action = Action(committee=committee, task=task, title=title, responsible=responsible,
                    due_on=data.due_on, status=data.status, source_note=source_note,
                    source_summary=source_summary,
                    source_submission_action=source_submission_action,
                    source_municipality_code=getattr(source_submission_action,
                                                     "municipality_code", None),
                    created_by_name=getattr(actor, "display_name", ""))
    db.session.add(action)
    db.session.flush()
    record(actor, "action.create", committee, target=f"action:{action.id}", title=title,
           task=task.number, responsible=responsible, status=data.status,
           due_on=data.due_on.isoformat() if data.due_on else None,
           source_note=getattr(source_note, "id", None),
           source_summary=getattr(source_summary, "id", None),
           source_submission_action=getattr(source_submission_action, "id", None))
    return action


def update_action(committee: Committee, action: Action, actor, data: ActionInput) -> Action:
    """Change an action (its status above all); the follow-up goes on after submission."""
    if action.committee_id != committee.id:
        raise DomainError(_("Handlingen findes ikke i dette udvalg."))
    task, title, responsible = _validated_action(committee, data)
    before = {"title": action.title, "responsible": action.responsible,
              "status": action.status, "task": action.task.number,
              "due_on": action.due_on.isoformat() if action.due_on else None}
    action.task, action.title, action.responsible = task, title, responsible
    action.due_on, action.status = data.due_on, data.status
    after = {"title": title, "responsible": responsible, "status": data.status,
             "task": task.number, "due_on": data.due_on.isoformat() if data.due_on else None}
    if before != after:
        action.updated_at = utcnow()
        db.session.flush()
        record(actor, "action.update", committee, target=f"action:{action.id}",
               before=before, after=after)
    return action


def _described(action: Action) -> dict:
    return {"title": action.title, "task": action.task.number, "responsible": action.responsible,
            "status": action.status,
            "due_on": action.due_on.isoformat() if action.due_on else None}


def delete_action(committee: Committee, action: Action, actor) -> None:
    """Delete an action while the contribution is a draft; a submitted one stays as it was sent."""
    if action.committee_id != committee.id:
        raise DomainError(_("Handlingen findes ikke i dette udvalg."))
    if is_locked(committee):
        raise DomainError(_("Bidraget er indsendt, så handlingen kan ikke slettes. Genåbn "
                            "bidraget, hvis den skal ud af næste version."))
    # The log keeps what was deleted: the action itself is gone afterwards.
    record(actor, "action.delete", committee, target=f"action:{action.id}",
           **_described(action))
    db.session.delete(action)
    db.session.flush()
