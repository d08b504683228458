"""All models, importable from one place; split into modules by domain."""

from delib.models.accounts import Participant, User, UserSession
from delib.models.api_tokens import ApiToken
from delib.models.base import utcnow
from delib.models.committees import (
    Committee,
    GroupBreak,
    GroupNoteSource,
    committee_chairs,
    committee_theme_meetings,
)
from delib.models.municipalities import Municipality
from delib.models.notes import (
    Note,
    NoteRevision,
    NoteSuggestion,
    Redaction,
    note_messages,
    note_tasks,
)
from delib.models.programme import (
    DiscussionSlot,
    Event,
    Message,
    ProgrammeItem,
    Talk,
    Task,
    ThemeMeeting,
)
from delib.models.referat import (
    ATTENDANCE_ROLE_LABELS,
    ATTENDANCE_ROLES,
    AgreementAnswer,
    AgreementRound,
    AttendanceEntry,
)
from delib.models.review import (
    ACTION_STATUS_LABELS,
    ACTION_STATUSES,
    FOLLOW_UP_PENDING,
    FOLLOW_UP_STATUS_LABELS,
    FOLLOW_UP_STATUSES,
    Action,
    ActionFollowUp,
    AuditEntry,
    Submission,
    SubmissionAction,
    SubmissionFollowUp,
    SubmissionNote,
    SubmissionSummary,
    Summary,
)
from delib.models.search import SearchTerm

__all__ = [
    "ACTION_STATUS_LABELS",
    "ACTION_STATUSES",
    "Action",
    "ActionFollowUp",
    "ApiToken",
    "AgreementAnswer",
    "AgreementRound",
    "ATTENDANCE_ROLE_LABELS",
    "ATTENDANCE_ROLES",
    "AttendanceEntry",
    "AuditEntry",
    "FOLLOW_UP_PENDING",
    "FOLLOW_UP_STATUS_LABELS",
    "FOLLOW_UP_STATUSES",
    "SubmissionFollowUp",
    "Submission",
    "SubmissionAction",
    "SubmissionNote",
    "SubmissionSummary",
    "Summary",
    "Committee",
    "DiscussionSlot",
    "Event",
    "GroupBreak",
    "GroupNoteSource",
    "Message",
    "Municipality",
    "Note",
    "NoteRevision",
    "NoteSuggestion",
    "Participant",
    "Redaction",
    "SearchTerm",
    "ProgrammeItem",
    "Talk",
    "Task",
    "ThemeMeeting",
    "User",
    "UserSession",
    "committee_chairs",
    "committee_theme_meetings",
    "note_messages",
    "note_tasks",
    "utcnow",
]
