from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Optional

from delib.forms import MultiCheckboxField, optional_int


class NoteForm(FlaskForm):
    """A note: its text, the tasks (one or more) and optionally messages to Christiansborg."""

    body = TextAreaField(_l("Note"))
    tasks = MultiCheckboxField(_l("Hvilke af de fire opgaver handler noten om?"),
                               coerce=optional_int, validate_choice=False)
    messages = MultiCheckboxField(_l("Budskab til Christiansborg (valgfrit)"),
                                  coerce=optional_int, validate_choice=False)
    theme_meeting = SelectField(_l("Temamøde"), coerce=optional_int, validators=[Optional()],
                                validate_choice=False)
    client_key = HiddenField()
    version = HiddenField()
    #: Hidden inputs added by delib.js: the ticked tasks/messages that came from accepting a
    #: suggestion shown while typing (their mapping's provenance says so).
    suggested_tasks = MultiCheckboxField(coerce=optional_int, validate_choice=False)
    suggested_messages = MultiCheckboxField(coerce=optional_int, validate_choice=False)

    def __init__(self, *args, event=None, meetings=(), **kwargs):
        """Given the event, the choices are its tasks and messages and the theme meetings
        given (the committee's, where a note may name one)."""
        super().__init__(*args, **kwargs)
        if event is not None:
            self.tasks.choices = [(t.id, f"{t.number}. {t.short_title or t.title}")
                                  for t in event.tasks]
            self.messages.choices = [(m.id, f"{m.number}. {m.short_title or m.title}")
                                     for m in event.messages]
        self.theme_meeting.choices = [(None, _("Ikke et bestemt temamøde"))] + [
            (m.id, f"{m.number}. {m.title}") for m in meetings]


class ChairNoteForm(NoteForm):
    """The chair's edit of a note in review: text, tasks, messages and theme meeting."""

    body = TextAreaField(_l("Note"))
    tasks = MultiCheckboxField(_l("Opgaver"), coerce=int, validate_choice=False)
    messages = MultiCheckboxField(_l("Budskaber til Christiansborg"), coerce=int,
                                  validate_choice=False)


class HideForm(FlaskForm):
    """Hide a note from the contribution, saying why."""

    reason = TextAreaField(_l("Hvorfor skjules noten?"))
    version = HiddenField()


class MergeForm(FlaskForm):
    """Merge the chosen notes into one new note with the text the chair writes."""

    notes = MultiCheckboxField(_l("Noter der lægges sammen"), coerce=int, validate_choice=False)
    body = TextAreaField(_l("Den samlede note"))


class SuggestionDecisionForm(FlaskForm):
    """Accept or reject one suggestion for a note (the break screen's card, the review)."""

    suggestion = HiddenField()
    version = HiddenField()

