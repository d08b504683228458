"""A follow-up action under a task."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from delib.forms import optional_int
from delib.models import ACTION_STATUSES
from delib.services.actions import STATUS_LABELS


class ActionForm(FlaskForm):
    """A follow-up action under a task."""

    task = SelectField(_l("Under opgave"), coerce=optional_int, validate_choice=False)
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
