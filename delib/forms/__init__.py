"""Flask-WTF forms, one module per domain."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets


def optional_int(value):
    """A submitted id as an int, or None for nothing or garbage.

    WTForms would answer garbage with an English "could not coerce"; with None the form's own
    Danish message (or the service's rule) speaks instead.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one multi-valued field."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ConfirmForm(FlaskForm):
    """The confirmation step before a destructive action: only its CSRF token."""
