from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Staff sign-in."""

    email = EmailField(_l("E-mail"), validators=[
        DataRequired(_l("Skriv din e-mail.")),
        Length(max=254, message=_l("E-mailadressen er for lang.")),
    ])
    password = PasswordField(_l("Adgangskode"),
                             validators=[DataRequired(_l("Skriv din adgangskode."))])


class JoinForm(FlaskForm):
    """Join a committee with its code and a display name."""

    code = StringField(
        _l("Udvalgets kode"),
        validators=[DataRequired(_l("Skriv koden, du har fået af formanden.")),
                    Length(max=40, message=_l("Koden er for lang. Tjek den, og prøv igen."))],
    )
    display_name = StringField(
        _l("Dit navn, som de andre ser det"),
        validators=[DataRequired(_l("Skriv det navn, de andre skal se dig som."))],
    )
