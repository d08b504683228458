"""The chair's corrections to the attendance list: add a name, remove one, set a role."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField

from delib.services.attendance import NAME_MAX, role_choices


class _RoleForm(FlaskForm):
    # The service checks the role (a Danish message); WTForms' own check would answer in English.
    role = SelectField(_l("Rolle"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class AddAttendeeForm(_RoleForm):
    """A typed name with a role, or (key) a proposed person added back."""

    name = StringField(_l("Navn"), render_kw={"maxlength": NAME_MAX, "autocomplete": "off"})
    key = HiddenField()


class AttendeeRoleForm(_RoleForm):
    """The role of one name on the list."""

    key = HiddenField()


class RemoveAttendeeForm(FlaskForm):
    """Take one name off the list."""

    key = HiddenField()
