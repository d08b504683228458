"""Forms for the chair's review: note edits, hiding, merging, summaries, actions, submission."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from delib.forms import MultiCheckboxField
from delib.forms.notes import _optional_int
from delib.models import ACTION_STATUSES
from delib.services.review import STATUS_LABELS


class ReviewNoteForm(FlaskForm):
    """The chair's edit of a note: text, tasks, messages and theme meeting."""

    body = TextAreaField(_l("Note"))
    tasks = MultiCheckboxField(_l("Opgaver"), coerce=int, validate_choice=False)
    messages = MultiCheckboxField(_l("Budskaber til Christiansborg"), coerce=int,
                                  validate_choice=False)
    theme_meeting = SelectField(_l("Temamøde"), coerce=_optional_int, validators=[Optional()],
                                validate_choice=False)
    version = HiddenField()


class HideForm(FlaskForm):
    """Hide a note from the contribution, saying why."""

    reason = TextAreaField(_l("Hvorfor skjules noten?"))
    version = HiddenField()


class MergeForm(FlaskForm):
    """Merge the chosen notes into one new note with the text the chair writes."""

    notes = MultiCheckboxField(_l("Noter der lægges sammen"), coerce=int, validate_choice=False)
    body = TextAreaField(_l("Den samlede note"))


class SummaryForm(FlaskForm):
    """The chair's summary for one task or message."""

    body = TextAreaField(_l("Resumé"))
    version = HiddenField()


class ActionForm(FlaskForm):
    """A follow-up action under a task."""

    task = SelectField(_l("Under opgave"), coerce=_optional_int, validate_choice=False)
    title = TextAreaField(_l("Hvad skal der gøres?"))
    responsible = StringField(_l("Ansvarlig (rolle eller navn)"))
    due_on = DateField(_l("Frist"), validators=[Optional()],
                       invalid_value_message=_l("Skriv fristen som en dato, fx 2021-06-30."))
    status = SelectField(_l("Status"), validate_choice=False)
    source_note = HiddenField()
    source_summary = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s, STATUS_LABELS[s]) for s in ACTION_STATUSES]


class SubmitForm(FlaskForm):
    """Approve and submit the contribution."""

    show_authors = BooleanField(_l("Vis KL hvem der skrev noterne"))
    privacy_acknowledged = BooleanField(
        _l("Jeg har set advarslerne om personoplysninger, og noterne kan sendes som de er"))
