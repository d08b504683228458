"""The peers page's comparison: which task, and which municipalities to compare with."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField

from delib.forms import MultiCheckboxField, optional_int
from delib.services.peers import COMPARE_CHOSEN, COMPARE_LABELS, COMPARE_REGION


def _codes(values):
    return [code for code in (optional_int(v) for v in values or []) if code is not None]


class PeerFilterForm(FlaskForm):
    """A GET form (no CSRF token: it changes nothing); build it with `for_committee`."""

    class Meta:
        csrf = False

    opgave = SelectField(_l("Opgave"), coerce=optional_int, validate_choice=False)
    sammenlign = RadioField(_l("Sammenlign med"), default=COMPARE_REGION)
    kommune = MultiCheckboxField(_l("Kommuner"), coerce=int, validate_choice=False)

    @classmethod
    def for_committee(cls, committee, shared, args) -> "PeerFilterForm":
        """The form over the query string, checked; a refused value falls back to the default
        with a Danish message in `problems`."""
        form = cls(formdata=args)
        form.problems = []
        form.sammenlign.choices = list(COMPARE_LABELS.items())
        tasks = {t.id: t for t in committee.event.tasks}
        form.opgave.choices = [(t.id, f"{t.number}. {t.short_title or t.title}")
                               for t in tasks.values()]
        form.kommune.choices = [(s.municipality_code, s.municipality.name) for s in shared]
        if form.opgave.data not in tasks:
            if args.get("opgave"):
                form.problems.append(_l("Den valgte opgave findes ikke."))
            form.opgave.data = next(iter(tasks), None)
        form.task = tasks.get(form.opgave.data)
        if form.sammenlign.data not in COMPARE_LABELS:
            form.problems.append(_l("Vælg hvem I vil sammenligne med."))
            form.sammenlign.data = COMPARE_REGION
        offered = {code for code, _name in form.kommune.choices}
        picked = _codes(args.getlist("kommune"))
        if any(code not in offered for code in picked):
            form.problems.append(_l("En af de valgte kommuner har ikke delt sit bidrag."))
        form.kommune.data = [code for code in picked if code in offered]
        if form.sammenlign.data == COMPARE_CHOSEN and not form.kommune.data and not picked:
            form.problems.append(_l("Vælg en eller flere kommuner."))
        return form
