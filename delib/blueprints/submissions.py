"""Approve and submit the contribution, reopen it, its versions and its reports (Word, PDF/A,
printable page, CSV)."""

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from delib.access import committee_view, load_submission
from delib.blueprints.review import PREFIX
from delib.forms import ConfirmForm, optional_int
from delib.forms.submissions import SubmitForm
from delib.services import DomainError, agreements, attendance, contribution, reports
from delib.services import submissions as service
from delib.services.actions import STATUS_LABELS, list_actions
from delib.services.review import review_sections
from delib.uow import unit_of_work
from delib.web import add_error, error_response, external_url, render

bp = Blueprint("submissions", __name__, url_prefix=PREFIX)


@bp.route("/godkend", methods=["GET", "POST"])
@committee_view(need="chair")
def approve(committee):
    """Approve and submit the contribution to KL, after seeing the personal-data warnings."""
    form = SubmitForm()
    status = 200
    if request.method == "POST":
        status = 422
        try:
            form.validate()
            with unit_of_work():
                submission = service.submit(committee, current_user,
                                            bool(form.show_authors.data),
                                            bool(form.privacy_acknowledged.data),
                                            share_with_peers=bool(form.share_with_peers.data),
                                            public_access_acknowledged=bool(
                                                form.public_access_acknowledged.data))
        except IntegrityError:
            flash(_("Bidraget blev indsendt samtidig af en anden. Se versionerne."), "error")
            return redirect(url_for("submissions.versions", committee_id=committee.id))
        except DomainError as error:
            add_error(getattr(form, error.field or "", form.privacy_acknowledged),
                      error.message)
        else:
            flash(_("Bidraget er godkendt og indsendt til KL som version %(n)d.",
                    n=submission.version), "success")
            return redirect(url_for("submissions.versions", committee_id=committee.id))
    notes = contribution.approved_notes(committee)
    tasks, messages = review_sections(committee)
    return render("submissions/approve.html", committee=committee, form=form, notes=notes,
                  tasks=tasks, messages=messages,
                  warnings=contribution.privacy_warnings(notes),
                  locked=contribution.is_locked(committee),
                  actions=list_actions(committee), status=status,
                  attendees=attendance.attendees(committee),
                  agreement=agreements.overview(committee))


@bp.route("/genaabn", methods=["GET", "POST"])
@committee_view(need="chair")
def reopen(committee):
    """Reopen the submitted contribution for a new version, after a confirmation step."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                service.reopen(committee, current_user)
            flash(_("Bidraget er genåbnet. KL ser den indsendte version, indtil du indsender "
                    "igen."), "success")
        except DomainError as error:
            flash(error.message, "error")
        return redirect(url_for("review.index", committee_id=committee.id))
    return render("submissions/reopen.html", committee=committee, form=form,
                  latest=contribution.latest_submission(committee))


@bp.get("/versioner")
@committee_view(need="chair")
def versions(committee):
    """Every submitted version of the contribution, newest first."""
    submitted = service.list_submissions(committee)
    return render("submissions/versions.html", committee=committee,
                  submissions=submitted, agreement_lines=agreements.agreement_lines(submitted),
                  counts=service.submission_counts(committee),
                  locked=contribution.is_locked(committee))


@bp.get("/versioner/<int:version>")
@committee_view(need="chair")
def version(committee, version: int):
    """One submitted version, exactly as it was submitted."""
    submission = load_submission(committee, version)
    return render("submissions/report.html", committee=committee,
                  report=_build(committee, submission), submission=submission,
                  labels=STATUS_LABELS)


# ---------------------------------------------------------------- reports


def _report_source(committee):
    """The submission a report is for: ?version=N, ?udkast=1 for the draft, else the latest."""
    if request.args.get("udkast"):
        return None
    if "version" in request.args:
        return load_submission(committee, optional_int(request.args["version"]) or 0)
    return contribution.latest_submission(committee)


def _build(committee, submission):
    # The referat links to KL's page of the contribution: an address that leaves the app, so
    # built from BASE_URL like every outgoing link.
    return reports.build_report(committee, submission,
                                kl_url=external_url("kl.contribution", committee_id=committee.id))


def _exported(committee, kind: str, report) -> None:
    # The one write a GET makes: the audit log says who took the contribution out, and when.
    with unit_of_work():
        reports.record_export(current_user, committee, kind, report)


def _download(body: bytes, filename: str, mimetype: str):
    # send_file writes an ASCII filename plus an RFC 5987 filename* for names like "Ærø".
    response = send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True,
                         download_name=filename, etag=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rapport")
@committee_view(need="chair")
def report(committee):
    """The contribution as a printable page (print stylesheet) for the committee's agenda."""
    submission = _report_source(committee)
    data = _build(committee, submission)
    _exported(committee, "print", data)
    return render("submissions/report.html", committee=committee, report=data,
                  submission=submission, labels=STATUS_LABELS)


@bp.get("/rapport.docx")
@committee_view(need="chair")
def report_docx(committee):
    """The referat as a Word document for the committee's agenda (always in Danish)."""
    with force_locale("da"):
        data = _build(committee, _report_source(committee))
        body = reports.docx_bytes(data)
    _exported(committee, "docx", data)
    return _download(body, f"{data.filename_stem}.docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.get("/rapport.pdf")
@committee_view(need="chair")
def report_pdf(committee):
    """The referat as an archival PDF (PDF/A) of the print view (always in Danish)."""
    with force_locale("da"):
        data = _build(committee, _report_source(committee))
        try:
            body = reports.pdf_bytes(render_template("submissions/report_pdf.html",
                                                     report=data, labels=STATUS_LABELS))
        except reports.PdfUnavailable as error:
            return error_response(503, error.message)
    _exported(committee, "pdf", data)
    return _download(body, f"{data.filename_stem}.pdf", "application/pdf")


@bp.get("/noter.csv")
@committee_view(need="chair")
def notes_csv(committee):
    """The contribution's notes as CSV (spreadsheet formulas neutralised)."""
    data = reports.build_report(committee, _report_source(committee))
    body = reports.csv_bytes(data)
    _exported(committee, "csv", data)
    return _download(body, f"{data.filename_stem}.csv", "text/csv")
