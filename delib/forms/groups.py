"""A discussion group under the municipality's committee."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TimeField
from wtforms.validators import DataRequired, Optional


class GroupForm(FlaskForm):
    """The group's name, e.g. "Skoleledernetværket"; the service checks the rest."""

    name = StringField(_l("Gruppens navn"),
                       validators=[DataRequired(_l("Skriv gruppens navn."))])


class GroupBreakForm(FlaskForm):
    """A group's own time for one of the event's breaks; the service checks the order."""

    day = DateField(_l("Dag"), validators=[Optional()],
                    invalid_value_message=_l("Skriv dagen som en dato, fx 2021-02-11."))
    starts = TimeField(_l("Begynder kl."), validators=[Optional()],
                       invalid_value_message=_l("Skriv tidspunktet som fx 14:00."))
    ends = TimeField(_l("Slutter kl."), validators=[Optional()],
                     invalid_value_message=_l("Skriv tidspunktet som fx 15:00."))
