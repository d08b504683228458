from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from delib.forms import MultiCheckboxField


class CommitteeForm(FlaskForm):
    municipality = SelectField(_l("Kommune"), coerce=int,
                               validators=[DataRequired(_l("Vælg kommunen."))])
    name = StringField(_l("Udvalgets navn"), default="Børne- og Ungeudvalget",
                       validators=[DataRequired(_l("Skriv udvalgets navn."))])


class ChoiceForm(FlaskForm):
    talk = RadioField(_l("Politisk oplæg (vælg ét)"), coerce=int, validators=[Optional()],
                      validate_choice=False)
    theme_meetings = MultiCheckboxField(_l("Temamøder (højst tre)"), coerce=int,
                                        validate_choice=False)
