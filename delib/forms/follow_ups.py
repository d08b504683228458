"""The next committee's update on one of its municipality's previous actions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField

from delib.forms import optional_int
from delib.models import FOLLOW_UP_STATUS_LABELS, FOLLOW_UP_STATUSES


class FollowUpForm(FlaskForm):
    """How a previous action went, with a short comment."""

    status = SelectField(_l("Hvordan gik det?"), validate_choice=False)
    comment = TextAreaField(_l("Kort kommentar"))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Vælg status"))] + [
            (s, FOLLOW_UP_STATUS_LABELS[s]) for s in FOLLOW_UP_STATUSES]

    def version_number(self) -> int | None:
        return optional_int(self.version.data)
