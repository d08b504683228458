"""KL's filters: the query string of the overview's pages, the exports and the JSON API.

A GET form (no CSRF token: it changes nothing), its choices taken from the event; a value that
is not one of them is dropped with the same Danish message the pages have always shown.
"""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, ValidationError

from delib.sanitize import plain_text
from delib.services.kl import overview, themes

MAX_QUERY = 200
MAX_PAGE = 99_999


def _filter_value(value):
    """A filter's value with the blanks around it cut; None if there is nothing."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raw = ("" if value is None else str(value)).strip()
    return raw or None


def _filter_id(value):
    """An id or code as an int; None if left out. Anything but digits is refused."""
    value = _filter_value(value)
    if value is None or isinstance(value, int):
        return value
    if value.isascii() and value.isdigit():
        return int(value)
    raise ValueError(value)


class FilterChoice(SelectField):
    """A filter that may be left out; a value that is not a choice is refused with `refusal`."""

    def __init__(self, refusal, coerce=_filter_id, **kwargs):
        super().__init__(coerce=coerce, choices=[], **kwargs)
        self.refusal = refusal

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.refusal) from error

    def pre_validate(self, form):
        if self.data is None:
            return
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError(self.refusal) from error


class Flag(Field):
    """A checkbox-like filter: on for 1, on or true, off for anything else."""

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and (valuelist[0] or "") in ("1", "on", "true")


def _cut(length: int):
    return lambda value: (value or "").strip()[:length]


class FilterForm(FlaskForm):
    """What KL narrows the submitted contributions to, as the query string says it.

    Build it with `for_event`; `filters()` gives the checked Filters (with their Danish errors).
    """

    class Meta:
        csrf = False

    task = FilterChoice(_l("Den valgte opgave findes ikke."))
    message = FilterChoice(_l("Det valgte budskab findes ikke."))
    talk = FilterChoice(_l("Det valgte oplæg findes ikke."))
    theme_meeting = FilterChoice(_l("Det valgte temamøde findes ikke."))
    slot = FilterChoice(_l("Den valgte pause findes ikke."))
    region = FilterChoice(_l("Den valgte region findes ikke."))
    municipality = FilterChoice(_l("Den valgte kommune findes ikke."))
    size = FilterChoice(_l("Den valgte størrelsesgruppe findes ikke."), coerce=_filter_value)
    key_points = Flag()
    grupper = FilterChoice(_l("Det valgte om gruppernes noter findes ikke."),
                           coerce=_filter_value)
    tema = StringField(filters=[_cut(80)])
    # Typed text like any other: NUL and bidi overrides dropped before it is echoed back.
    q = StringField(filters=[lambda value: plain_text(value).strip()[:MAX_QUERY]])
    page = IntegerField(validators=[NumberRange(1, MAX_PAGE)])
    per_page = IntegerField(validators=[NumberRange(1)])

    FILTERS = ("task", "message", "talk", "theme_meeting", "slot", "region", "municipality",
               "size", "grupper")

    @classmethod
    def for_event(cls, event, args: Mapping) -> "FilterForm":
        """The form over these arguments (request.args, request.form or a dict), checked."""
        formdata = args if hasattr(args, "getlist") else MultiDict(
            {k: v for k, v in args.items() if v is not None})
        form = cls(formdata=formdata)
        form.event = event
        choices = {
            "task": lambda: [t.id for t in event.tasks],
            "message": lambda: [m.id for m in event.messages],
            "talk": lambda: [t.id for t in event.talks],
            "theme_meeting": lambda: [t.id for t in event.theme_meetings],
            "slot": lambda: [s.id for s in event.slots],
            "region": lambda: list(overview.regions()),
            "municipality": overview.municipality_codes,
            "size": lambda: list(overview.SIZE_ORDER),
            "grupper": lambda: list(overview.GROUP_CHOICES),
        }
        for name, values in choices.items():
            field = form[name]
            # Only a value that was given is looked up (the municipalities are a query).
            field.choices = [(v, str(v)) for v in values()] if field.data is not None else []
        form.validate()
        return form

    def filters(self):
        """The Filters these arguments ask for; each refused value leaves a Danish message."""
        f = overview.Filters(key_points=bool(self.key_points.data))
        attrs = {"task": "task_id", "message": "message_id", "talk": "talk_id",
                 "theme_meeting": "theme_meeting_id", "slot": "slot_id",
                 "region": "region_code", "municipality": "municipality_code",
                 "size": "size_group", "grupper": "groups"}
        for name in self.FILTERS:
            field = self[name]
            if field.errors:
                f.errors.append(str(field.errors[0]))
            elif field.data is not None:
                setattr(f, attrs[name], field.data)
        if self.tema.data:
            themes.narrow_to_theme(self.event, f, self.tema.data)
        return f

    def page_number(self) -> int:
        """The page asked for; 1 for none or nonsense."""
        return self.page.data if self.page.data and not self.page.errors else 1

    def per_page_number(self, default: int, most: int) -> int:
        """How many per page: the default for none or nonsense, at most `most`."""
        wanted = self.per_page.data if self.per_page.data and not self.per_page.errors else default
        return min(most, wanted)


class ExportForm(FilterForm):
    """The export's choices on top of the filters it carries along (checked by the service).

    No token of its own: CSRFProtect checks every POST's token before the view runs.
    """

    kind = StringField()
    format = StringField()
    anonymise = Flag()


def parse_filters(event, args: Mapping):
    """Filters from query-string arguments; unknown values are dropped with a Danish message."""
    return FilterForm.for_event(event, args).filters()
