"""The attendance list: proposed from the committee's people, corrected by the chair before
approval, and frozen into each submitted version."""

from sqlalchemy import func, select

from delib.extensions import db
from delib.models import AttendanceEntry, AuditEntry, Participant, Submission, utcnow
from delib.services import submissions
from delib.services.attendance import Attendee, attendees
from tests.conftest import HX, text_of
from tests.fixtures.committee import post
from tests.fixtures.committee import review_url as url

APPROVE = {"privacy_acknowledged": "y", "public_access_acknowledged": "y"}


def _join(make_client, committee, name):
    other, actions = make_client()
    assert actions.join(committee, name).status_code == 302
    return other


def _key(name: str) -> str:
    """The key the page uses for a name on the list."""
    row = db.session.scalar(select(AttendanceEntry).where(
        AttendanceEntry.name == name, AttendanceEntry.submission_id.is_(None)))
    if row is not None:
        return f"a:{row.id}"
    participant = db.session.scalar(select(Participant).where(Participant.display_name == name))
    return f"p:{participant.id}"


def test_list_is_proposed_from_chairs_and_participants_who_joined_or_wrote(
        scene, chair_client, make_client):
    committee = scene.committee
    _join(make_client, committee, "Mette Kristensen")
    # Left early and never wrote: not proposed. Removed but wrote a note: proposed.
    gone = Participant(committee=committee, display_name="Per Forkert", removed_at=utcnow())
    wrote = Participant(committee=committee, display_name="Søren Lund")
    db.session.add_all([gone, wrote])
    db.session.commit()
    post(committee, committee.event.slots[0], wrote, "SSP skal med tidligere ind i 7.-9. kl.",
         [2])
    wrote.removed_at = utcnow()
    db.session.commit()

    assert attendees(committee) == [
        Attendee("Anne Formand", "Formand"), Attendee("Bo Deltager", "Medlem"),
        Attendee("Mette Kristensen", "Medlem"), Attendee("Søren Lund", "Medlem")]
    page = text_of(chair_client.get(url(scene, "/deltagerliste")))
    assert "Forslag: listen er ikke rettet endnu" in page
    assert "Mette Kristensen" in page and "Søren Lund" in page
    assert "Per Forkert" not in page
    # The review's navigation leads there.
    assert f"{url(scene)}/deltagerliste" in chair_client.get(url(scene)).get_data(as_text=True)


def test_chair_adds_removes_and_sets_roles(scene, chair_client, make_client):
    committee = scene.committee
    response = chair_client.post(url(scene, "/deltagerliste/tilfoej"),
                                 data={"name": "  Karen   Holm ", "role": "secretary"})
    assert response.status_code == 302
    assert "Navnet er sat på deltagerlisten" in text_of(chair_client.get(response.location))
    chair_client.post(url(scene, "/deltagerliste/rolle"),
                      data={"key": _key("Anne Formand"), "role": ""})
    chair_client.post(url(scene, "/deltagerliste/fjern"), data={"key": _key("Bo Deltager")})

    assert attendees(committee) == [Attendee("Anne Formand", ""),
                                    Attendee("Karen Holm", "Sekretær")]
    page = text_of(chair_client.get(url(scene, "/deltagerliste")))
    assert "Forslag" not in page
    assert "Deltog, men står ikke på listen Bo Deltager" in page

    # Someone joining after the correction is offered, not added behind the chair's back.
    _join(make_client, committee, "Jens Ravn")
    assert "Jens Ravn" not in [a.name for a in attendees(committee)]
    assert "Jens Ravn" in text_of(chair_client.get(url(scene, "/deltagerliste")))
    chair_client.post(url(scene, "/deltagerliste/tilfoej"), data={"key": _key("Jens Ravn")})
    chair_client.post(url(scene, "/deltagerliste/tilfoej"), data={"key": _key("Bo Deltager")})
    assert [a.name for a in attendees(committee)] == [
        "Anne Formand", "Bo Deltager", "Karen Holm", "Jens Ravn"]
    assert "Medlem" == attendees(committee)[1].role

    log = dict(db.session.execute(select(AuditEntry.action, func.count(AuditEntry.id)).where(
        AuditEntry.action.like("attendance.%")).group_by(AuditEntry.action)).all())
    assert log == {"attendance.add": 3, "attendance.remove": 1, "attendance.role": 1}
    audit_page = text_of(chair_client.get(url(scene, "/log")))
    assert "Navn sat på deltagerlisten" in audit_page and "Sekretær" in audit_page


def test_htmx_correction_swaps_the_list_only(scene, chair_client):
    response = chair_client.post(url(scene, "/deltagerliste/tilfoej"), headers=HX,
                                 data={"name": "Lise Bach", "role": "member"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="attendance-list"')
    assert "Lise Bach" in text_of(response) and "<html" not in html
    # The form is empty again for the next name.
    assert 'value="Lise Bach"' not in html


def test_bad_corrections_are_refused_in_danish_and_nothing_is_saved(scene, chair_client):
    empty = chair_client.post(url(scene, "/deltagerliste/tilfoej"),
                              data={"name": "   ", "role": "member"})
    assert empty.status_code == 422
    assert "Skriv navnet på den, der deltog" in text_of(empty)
    odd_role = chair_client.post(url(scene, "/deltagerliste/tilfoej"),
                                 data={"name": "Ole", "role": "borgmester"})
    assert odd_role.status_code == 422
    assert "Vælg en af rollerne på listen" in text_of(odd_role)
    too_long = chair_client.post(url(scene, "/deltagerliste/tilfoej"),
                                 data={"name": "x" * 121, "role": ""})
    assert "Navnet må højst være 120 tegn" in text_of(too_long)
    gone = chair_client.post(url(scene, "/deltagerliste/fjern"), headers=HX,
                             data={"key": "a:999999"})
    assert gone.status_code == 422
    assert "Navnet står ikke på deltagerlisten" in text_of(gone)
    # The refused corrections did not even store the proposal.
    assert db.session.scalar(select(func.count(AttendanceEntry.id))) == 0


def test_participants_may_not_correct_the_list(scene, client, auth):
    auth.join(scene.committee, "Bente")
    assert client.get(url(scene, "/deltagerliste")).status_code == 403
    assert client.post(url(scene, "/deltagerliste/tilfoej"),
                       data={"name": "Bente", "role": "chair"}).status_code == 403
    assert db.session.scalar(select(func.count(AttendanceEntry.id))) == 0


def test_submission_keeps_its_list(scene, chair_client):
    committee = scene.committee
    chair_client.post(url(scene, "/deltagerliste/tilfoej"),
                      data={"name": "Karen Holm", "role": "secretary"})
    assert chair_client.post(url(scene, "/godkend"), data=APPROVE).status_code == 302
    first = db.session.scalar(select(Submission))
    frozen = [Attendee("Anne Formand", "Formand"), Attendee("Bo Deltager", "Medlem"),
              Attendee("Karen Holm", "Sekretær")]
    assert attendees(committee, first) == frozen

    # Locked while submitted.
    refused = chair_client.post(url(scene, "/deltagerliste/fjern"),
                                data={"key": _key("Karen Holm")}, follow_redirects=True)
    assert "Genåbn det, før du ændrer noget" in text_of(refused)
    assert attendees(committee) == frozen

    submissions.reopen(committee, scene.chair)
    db.session.commit()
    chair_client.post(url(scene, "/deltagerliste/fjern"), data={"key": _key("Karen Holm")})
    assert chair_client.post(url(scene, "/godkend"), data=APPROVE).status_code == 302
    second = db.session.scalar(select(Submission).where(Submission.version == 2))
    assert attendees(committee, second) == frozen[:2]
    assert attendees(committee, first) == frozen


def test_a_deleted_person_s_name_leaves_every_list(scene, chair_client):
    from delib.services.attendance import forget_person

    assert chair_client.post(url(scene, "/godkend"), data=APPROVE).status_code == 302
    submission = db.session.scalar(select(Submission))
    assert forget_person(scene.participant, "Anonym deltager") == 1
    db.session.commit()
    assert attendees(scene.committee, submission) == [Attendee("Anne Formand", "Formand"),
                                                       Attendee("Anonym deltager", "Medlem")]
