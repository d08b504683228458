"""KL creates the next event from the previous one: which event, and which programme file."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from delib.forms import optional_int


class NextEventForm(FlaskForm):
    """The previous event and the new programme: a bundled file or an upload.

    After the check, the confirmation page posts the checked file's text back in `programme`.
    """

    source = SelectField(_l("Forrige topmøde (opgaver og budskaber kopieres herfra)"),
                         coerce=optional_int, validate_choice=False,
                         validators=[DataRequired(_l("Vælg det forrige topmøde."))])
    bundled = SelectField(_l("Medfølgende program"), validate_choice=False)
    upload = FileField(_l("Eller upload en programfil (TOML)"))
    programme = HiddenField()

    def __init__(self, *args, events=(), bundled=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [(e.id, e.title) for e in events]
        self.bundled.choices = [("", _l("Ingen: jeg uploader en fil"))] + [
            (name, name) for name in bundled]
