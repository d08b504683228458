"""The chair's summary of each task and message."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from delib.access import committee_view, load_summary_subject
from delib.blueprints.review import PREFIX
from delib.forms import optional_int
from delib.forms.summaries import SummaryForm
from delib.services import DomainError
from delib.services import summaries as service
from delib.uow import unit_of_work
from delib.web import add_error, render

bp = Blueprint("summaries", __name__, url_prefix=PREFIX)


@bp.route("/resume/<any(opgave, budskab):kind>/<int:subject_id>", methods=["GET", "POST"])
@committee_view(need="chair")
def edit(committee, kind: str, subject_id: int):
    """Write the summary of a task or message; a save over someone else's newer text is refused."""
    subject = load_summary_subject(committee, kind, subject_id)
    saved = service.find_summary(committee, subject)
    form = SummaryForm()
    context = dict(committee=committee, kind=kind, subject=subject, form=form,
                   notes=service.notes_about(committee, subject))
    if request.method == "GET":
        form.body.data = saved.body if saved else ""
        form.version.data = saved.version if saved else 0
        return render("summaries/edit.html", saved=saved, **context)
    conflict = None
    try:
        version = optional_int(form.version.data)
        if version is None:
            raise DomainError(_("Formularen mangler resuméets version. Genindlæs siden."))
        with unit_of_work():
            service.save_summary(committee, subject, current_user, form.body.data or "",
                                 version)
    except service.SummaryConflict as error:
        conflict = error.message
    except (StaleDataError, IntegrityError):
        conflict = _("Resuméet blev gemt samtidig af en anden. Se begge versioner nedenfor.")
    except DomainError as error:
        add_error(form.body, error.message)
        return render("summaries/edit.html", saved=saved, status=422, **context)
    else:
        flash(_("Resuméet er gemt."), "success")
        return redirect(url_for("review.index", committee_id=committee.id)
                        + f"#{kind}-{subject.id}")
    saved = service.find_summary(committee, subject)
    form.version.data = saved.version if saved else 0
    return render("summaries/edit.html", saved=saved, conflict=conflict, status=409, **context)
