from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Nuværende adgangskode"),
                            validators=[DataRequired(_l("Skriv din nuværende adgangskode."))])
    password = PasswordField(_l("Ny adgangskode (mindst 10 tegn)"),
                             validators=[DataRequired(_l("Skriv en ny adgangskode."))])
    repeat = PasswordField(_l("Gentag den nye adgangskode"),
                           validators=[DataRequired(_l("Gentag den nye adgangskode."))])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("Adgangskode (mindst 10 tegn)"),
                             validators=[DataRequired(_l("Skriv en adgangskode."))])
    repeat = PasswordField(_l("Gentag adgangskoden"),
                           validators=[DataRequired(_l("Gentag adgangskoden."))])


class TotpForm(FlaskForm):
    code = StringField(_l("Sekscifret kode fra din godkendelsesapp"),
                       validators=[DataRequired(_l("Skriv koden fra din godkendelsesapp.")),
                                   Length(max=20)])


class InviteForm(FlaskForm):
    name = StringField(_l("Navn"), validators=[DataRequired(_l("Skriv personens navn."))])
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Skriv personens e-mail.")),
                                                 Length(max=254)])
    role = SelectField(_l("Rolle"), validate_choice=False)
    municipality = SelectField(_l("Kommune"), coerce=_optional_int, validators=[Optional()],
                               validate_choice=False)
