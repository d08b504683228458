"""The audit log: who did what when. Services call `record`; the view's commit keeps it."""

from delib.extensions import db
from delib.models import AuditEntry


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
