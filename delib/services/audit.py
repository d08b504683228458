"""The audit log: who did what when. Services call `record` (views never do); the request's unit of
work (delib/uow.py) commits it with the change it records."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from delib.extensions import db
from delib.models import AuditEntry
from delib.models.review import ACTION_STATUS_LABELS, FOLLOW_UP_STATUS_LABELS


def record(actor, action: str, committee=None, target: str = "", **details) -> AuditEntry:
    """Add an audit entry for `actor` (a User, a Participant or None for the system)."""
    entry = AuditEntry(
        committee_id=getattr(committee, "id", committee),
        actor_id=actor.get_id() if actor is not None and hasattr(actor, "get_id") else "",
        actor_name=getattr(actor, "display_name", "") or "",
        action=action,
        target=target,
        details=details,
    )
    db.session.add(entry)
    return entry


def scrub_details(details, scrub):
    """A copy of an entry's details with `scrub(text)` applied to every text in it (a
    redaction removes personal data from what the log quoted, services/redactions.py)."""
    if isinstance(details, str):
        return scrub(details)
    if isinstance(details, dict):
        return {key: scrub_details(value, scrub) for key, value in details.items()}
    if isinstance(details, list):
        return [scrub_details(value, scrub) for value in details]
    return details


#: The audit log's verbs as the chair reads them.
AUDIT_LABELS = {
    "note.edit": _l("Note redigeret"),
    "note.merge": _l("Noter lagt sammen"),
    "note.unmerge": _l("Sammenlægning fortrudt"),
    "note.hide": _l("Note skjult"),
    "note.restore": _l("Note gendannet"),
    "note.key_point": _l("Nøglepunkt ændret"),
    "note.redact": _l("Personoplysninger fjernet"),
    "note.suggestion_accept": _l("Forslag til opgave accepteret"),
    "note.suggestion_reject": _l("Forslag til opgave afvist"),
    "summary.save": _l("Resumé gemt"),
    "action.create": _l("Handling oprettet"),
    "action.update": _l("Handling ændret"),
    "action.delete": _l("Handling slettet"),
    "follow_up.update": _l("Opfølgning på sidste topmødes handling gemt"),
    "group.create": _l("Gruppe oprettet"),
    "group.send": _l("Gruppens noter sendt til udvalget"),
    "group.take_over": _l("Note overtaget fra en gruppe"),
    "group.break": _l("Gruppens tid til en drøftelse gemt"),
    "group.break_clear": _l("Gruppens drøftelse følger topmødets tid igen"),
    "event.create_next": _l("Næste topmøde oprettet"),
    "submission.submit": _l("Bidrag godkendt og indsendt"),
    "submission.reopen": _l("Bidrag genåbnet"),
    "attendance.add": _l("Navn sat på deltagerlisten"),
    "attendance.remove": _l("Navn fjernet fra deltagerlisten"),
    "attendance.role": _l("Rolle på deltagerlisten ændret"),
    "agreement.open": _l("Deltagerne bedt om at læse udkastet"),
    "agreement.close": _l("Runden om udkastet lukket"),
    "agreement.answer": _l("Deltager svarede på udkastet"),
    "export.docx": _l("Hentet som Word"),
    "export.pdf": _l("Hentet som PDF"),
    "export.csv": _l("Hentet som CSV"),
    "export.print": _l("Vist som udskrift"),
}


#: The audit details' keys as the chair reads them.
AUDIT_DETAIL_LABELS = {
    "body_before": _l("Tekst før"), "body_after": _l("Tekst efter"), "body": _l("Tekst"),
    "tasks_before": _l("Opgaver før"), "tasks_after": _l("Opgaver efter"),
    "messages_before": _l("Budskaber før"), "messages_after": _l("Budskaber efter"),
    "version": _l("Version"), "reason": _l("Begrundelse"),
    "hidden_reason": _l("Var skjult med begrundelsen"),
    "was_merged_into": _l("Var lagt sammen i note"), "originals": _l("Oprindelige noter"),
    "key_point": _l("Nøglepunkt"), "title": _l("Hvad"), "task": _l("Opgave"),
    "responsible": _l("Ansvarlig"), "status": _l("Status"), "due_on": _l("Frist"),
    "source_note": _l("Fra note"), "source_summary": _l("Fra resumé"),
    "before": _l("Før"), "after": _l("Efter"), "notes": _l("Noter"),
    "summaries": _l("Resuméer"), "actions": _l("Handlinger"),
    "show_authors": _l("Forfattere vist for KL"),
    "tasks_added": _l("Opgaver tilføjet"), "messages_added": _l("Budskaber tilføjet"),
    "rejected": _l("Afviste forslag"), "model_version": _l("Modelversion"),
    "comment": _l("Kommentar"), "follow_ups": _l("Opfølgninger"),
    "name": _l("Navn"), "role": _l("Rolle"), "agrees": _l("Enig"),
    "agreed": _l("Enige"), "asked": _l("Spurgt"), "attendees": _l("Deltagere på listen"),
    "public_access_acknowledged": _l("Bekræftet: KL's dokument, åbent for aktindsigt"),
        "places": _l("Ændrede tekster"), "versions": _l("Ændrede indsendte versioner"),
}


def _detail_value(key: str, value) -> str:
    if isinstance(value, bool):
        return _("ja") if value else _("nej")

    if key == "status" and value in ACTION_STATUS_LABELS:
        return str(ACTION_STATUS_LABELS[value])
    if key == "status" and value in FOLLOW_UP_STATUS_LABELS:
        return str(FOLLOW_UP_STATUS_LABELS[value])
    if isinstance(value, dict):
        return "; ".join(f"{AUDIT_DETAIL_LABELS.get(k, k)}: {_detail_value(k, v)}"
                         for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def describe_details(details: dict | None) -> list[tuple[str, str]]:
    """An audit entry's details as (Danish label, readable value) pairs; empty values left out."""
    return [(str(AUDIT_DETAIL_LABELS.get(key, key)), _detail_value(key, value))
            for key, value in (details or {}).items() if value not in (None, "")]


def audit_log(committee, limit: int = 500):
    """The committee's audit entries, newest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.committee_id == committee.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))
