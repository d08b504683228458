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


class SuggestionDecisionForm(FlaskForm):
    """Accept or reject one suggestion for a note (the break screen's card, the review)."""

    suggestion = HiddenField()
    version = HiddenField()


# The review forms import this name; kept so they need no change.
_optional_int = optional_int
