"""The chair's summary of a task or message."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField


class SummaryForm(FlaskForm):
    """The chair's summary for one task or message."""

    body = TextAreaField(_l("Resumé"))
    version = HiddenField()
