"""KL's events: KL admins create the next event from the previous one."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import staff_required
from delib.blueprints.kl import bp
from delib.forms.events import NextEventForm
from delib.models.accounts import ROLE_KL_ADMIN
from delib.services import DomainError, programme
from delib.web import render

kl_admin_required = staff_required(ROLE_KL_ADMIN)


def _form(**kwargs) -> NextEventForm:
    events = [event for event, _n in programme.events_with_committees()]
    return NextEventForm(events=events, bundled=programme.NEXT_EVENT_PROGRAMMES, **kwargs)


def _page(form: NextEventForm, status: int = 200, error: str | None = None):
    return render("kl/events.html", status=status, form=form, error=error,
                  events=programme.events_with_committees())


@bp.get("/topmoeder")
@kl_admin_required
def events():
    """The events, and the form for the next one."""
    form = _form()
    if form.source.choices:
        form.source.data = form.source.choices[0][0]  # the newest event
    return _page(form)


@bp.post("/topmoeder/naeste")
@kl_admin_required
def events_next():
    """Check the next event's programme and ask to confirm; once confirmed, create the event."""
    form = _form()
    if not form.validate():
        return _page(form, status=422)
    try:
        if form.programme.data:
            event = programme.create_next_event_from_web(form.source.data, form.programme.data,
                                                         current_user)
        else:
            upload = form.upload.data
            plan = programme.plan_next_event_from_web(
                form.source.data, form.bundled.data or "", upload.read() if upload else None)
            return render("kl/confirm_next_event.html", form=form, plan=plan)
    except DomainError as error:
        return _page(form, status=422, error=error.message)
    source = dict(form.source.choices)[form.source.data]
    flash(_("Topmødet »%(title)s« er oprettet med %(tasks)d opgaver og %(messages)d budskaber "
            "fra »%(source)s«.", title=event.title, tasks=len(event.tasks),
            messages=len(event.messages), source=source), "info")
    return redirect(url_for("kl.events"))
