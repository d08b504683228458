"""Peers: what comparable municipalities shared, per task, once the committee has submitted;
and "vil vi også", taking one of their actions over as a draft."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import committee_view, load_peer_action, require_submitted
from delib.blueprints.review import PREFIX
from delib.forms.peers import PeerFilterForm
from delib.services import DomainError, contribution
from delib.services import peers as service
from delib.services.municipalities import SIZE_LABELS, size_group
from delib.uow import unit_of_work
from delib.web import render

bp = Blueprint("peers", __name__, url_prefix=PREFIX)


@bp.app_template_global("peers_open")
def peers_open(committee) -> bool:
    """Whether the review's navigation offers the peers page: once the committee submitted."""
    return contribution.latest_submission(committee) is not None


@bp.get("/andre-kommuner")
@committee_view(need="chair")
def index(committee):
    """Other municipalities' shared contributions under one task: same region, same size or
    the ones the chair picks."""
    require_submitted(committee)
    shared = service.shared_submissions(committee)
    form = PeerFilterForm.for_committee(committee, shared, request.args)
    compared = service.comparable(committee, shared, form.sammenlign.data, form.kommune.data)
    grouped = service.by_task(compared)
    return render("peers/index.html", committee=committee, form=form, task=form.task,
                  shared=shared, compared=compared, grouped=grouped,
                  contributions=grouped.get(form.opgave.data, []),
                  taken=service.taken_over(committee),
                  locked=contribution.is_locked(committee),
                  compare_label=service.COMPARE_LABELS[form.sammenlign.data],
                  own_size=size_group(committee.municipality), size_labels=SIZE_LABELS,
                  size_group=size_group)


@bp.post("/andre-kommuner/handlinger/<int:submission_action_id>/vil-vi-ogsaa")
@committee_view(need="chair")
def take_over(committee, submission_action_id: int):
    """"Vil vi også": a peer's action becomes a draft action of this committee."""
    require_submitted(committee)
    peer_action = load_peer_action(committee, submission_action_id)
    try:
        with unit_of_work():
            action = service.take_over(committee, current_user, peer_action)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Handlingen fra %(municipality)s er taget med som planlagt handling under "
                "opgave %(n)d. Skriv hvem der er ansvarlig, og hvornår.",
                municipality=peer_action.submission.municipality.name, n=action.task.number),
              "success")
    # Back to the same comparison, as the hidden fields of the button's form carry it.
    return redirect(url_for("peers.index", committee_id=committee.id,
                            opgave=peer_action.task_id,
                            sammenlign=request.form.get("sammenlign") or None,
                            kommune=request.form.getlist("kommune")))
