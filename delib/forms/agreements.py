"""A participant's answer to the draft referat, and the chair's round (its CSRF token only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from delib.services.agreements import COMMENT_MAX

AGREE = "enig"
DISAGREE = "uenig"


class AnswerForm(FlaskForm):
    """Enig, or not (with a comment); a comment may come with "Enig" too."""

    # validate_choice off: an empty or odd answer gets the service's Danish message instead.
    answer = RadioField(_l("Dit svar"), validate_choice=False)
    comment = TextAreaField(_l("Kommentar til formanden"),
                            render_kw={"maxlength": COMMENT_MAX, "rows": 4})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answer.choices = [(AGREE, _l("Enig: udkastet kan sendes, som det er")),
                               (DISAGREE, _l("Ikke enig: se min kommentar"))]

    @property
    def agrees(self) -> bool | None:
        """True, False, or None when nothing was chosen."""
        return {AGREE: True, DISAGREE: False}.get(self.answer.data or "")
