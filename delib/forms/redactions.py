"""The chair's redaction of personal data from a note: the passages, then a confirmation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from delib.forms import MultiCheckboxField


class RedactionForm(FlaskForm):
    """What to remove: the guard's findings to tick, and/or a passage copied from the note."""

    findings = MultiCheckboxField(_l("Fundet af personoplysningskontrollen"),
                                  validate_choice=False)
    passage = StringField(_l("Anden tekst, der skal fjernes (kopiér den præcist fra noten)"))

    def __init__(self, *args, suggested=(), **kwargs):
        """The findings offered are the guard's for this note (services.redactions)."""
        super().__init__(*args, **kwargs)
        self.findings.choices = [(text, text) for text in suggested]

    def passages(self) -> list[str]:
        """Every passage the chair chose, ticked or typed."""
        return [*(self.findings.data or []), self.passage.data or ""]


class ConfirmRedactionForm(FlaskForm):
    """The confirmation step: the chosen passages travel along as hidden fields."""

    passages = MultiCheckboxField(validate_choice=False)
