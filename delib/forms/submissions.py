"""The form that approves and submits the contribution to KL."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class SubmitForm(FlaskForm):
    """Approve and submit the contribution."""

    show_authors = BooleanField(_l("Vis KL hvem der skrev noterne"))
    #: Off until the chair ticks it: nothing is shown to other municipalities by default.
    share_with_peers = BooleanField(_l("Må deles med andre kommuner"), default=False)
    privacy_acknowledged = BooleanField(
        _l("Jeg har set advarslerne om personoplysninger, og noterne kan sendes som de er"))
    #: Required (the service refuses without it): the chair knows KL's copy is public record.
    public_access_acknowledged = BooleanField(
        _l("Jeg ved, at det indsendte bliver KL's dokument, som offentligheden kan søge "
           "aktindsigt i"))
