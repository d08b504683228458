"""Flask-WTF forms, one module per domain."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one multi-valued field."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ConfirmForm(FlaskForm):
    """The confirmation step before a destructive action: only its CSRF token."""
