from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Skriv din e-mail.")), Length(max=254)])
    password = PasswordField(_l("Adgangskode"), validators=[DataRequired(_l("Skriv din adgangskode."))])


class JoinForm(FlaskForm):
    code = StringField(
        _l("Udvalgets kode"),
        validators=[DataRequired(_l("Skriv koden, du har fået af formanden.")), Length(max=40)],
    )
    display_name = StringField(
        _l("Dit navn, som de andre ser det"),
        validators=[DataRequired(_l("Skriv det navn, de andre skal se dig som."))],
    )
