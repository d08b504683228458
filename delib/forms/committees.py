from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from delib.forms import MultiCheckboxField, optional_int


class CommitteeForm(FlaskForm):
    """A chair creates their municipality's committee; the service checks the municipality."""

    municipality = SelectField(_l("Kommune"), coerce=optional_int, validate_choice=False,
                               validators=[DataRequired(_l("Vælg kommunen."))])
    name = StringField(_l("Udvalgets navn"), default="Børne- og Ungeudvalget",
                       validators=[DataRequired(_l("Skriv udvalgets navn."))])


class ChoiceForm(FlaskForm):
    """The committee's talk and theme meetings; the service checks them against the event."""

    talk = RadioField(_l("Politisk oplæg (vælg ét)"), coerce=optional_int,
                      validators=[Optional()], validate_choice=False)
    theme_meetings = MultiCheckboxField(_l("Temamøder (højst tre)"), coerce=optional_int,
                                        validate_choice=False)

    def validate_talk(self, field):
        if field.raw_data and field.raw_data[0] and field.data is None:
            raise ValidationError(_l("Det valgte politiske oplæg findes ikke på dette topmøde."))

    def validate_theme_meetings(self, field):
        if any(value is None for value in field.data or []):
            raise ValidationError(_l("Et af de valgte temamøder findes ikke på dette topmøde."))
