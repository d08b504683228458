"""Members agree to the draft referat through the committee's code, the chair reads the answers,
the submission records "Godkendt af 2 af 3 deltagere"; and the chair confirms at submission that
KL's copy is open to aktindsigt."""

from html import unescape

from sqlalchemy import func, select

from delib.extensions import db
from delib.models import AgreementAnswer, AuditEntry, Submission
from delib.services import agreements, attendance, persons, summaries
from delib.services.agreements import agreement_line
from tests.conftest import plant_session, text_of
from tests.fixtures.committee import review_url as url

APPROVE = {"privacy_acknowledged": "y", "public_access_acknowledged": "y"}
LINK = "Læs udkastet til referat, og sig om du er enig"


def _read_url(scene) -> str:
    return f"/udvalg/{scene.committee.id}/udkast"


def _member(make_client, scene, name):
    """A participant's own browser, joined with the committee's code."""
    member, actions = make_client()
    assert actions.join(scene.committee, name).status_code == 302
    return member


def _open(chair_client, scene):
    response = chair_client.post(url(scene, "/enighed/aabn"), follow_redirects=True)
    assert "Deltagerne kan nu læse udkastet" in text_of(response)


def _answer(member, scene, answer, comment=""):
    return member.post(_read_url(scene), data={"answer": answer, "comment": comment})


def test_members_read_agree_comment_and_the_submission_records_it(scene, chair_client,
                                                                   make_client):
    bo, _actions = make_client()
    plant_session(bo, scene.participant)
    carla = _member(make_client, scene, "Carla Mikkelsen")
    dan = _member(make_client, scene, "Dan Østergaard")
    home = f"/udvalg/{scene.committee.id}"
    assert LINK not in text_of(carla.get(home))
    assert "ikke bedt deltagerne læse udkastet" in text_of(carla.get(_read_url(scene)))

    _open(chair_client, scene)
    assert LINK in text_of(carla.get(home))
    slot = scene.committee.event.slots[0]
    assert LINK in text_of(carla.get(f"{home}/pauser/{slot.id}"))
    draft = text_of(carla.get(_read_url(scene)))
    assert "Udkast til referat" in draft
    assert "Rammerne for skolelederne er for snævre" in draft
    assert "Fravær skal opdages tidligt i indskolingen" in draft

    # Carla first disagrees, then changes her mind; Dan must say what he disagrees with.
    assert _answer(carla, scene, "uenig", "Mangler PPR-ventetiden under opg. 3").status_code \
        == 302
    assert "Har ikke svaret: Bo Deltager, Dan Østergaard" in text_of(
        chair_client.get(url(scene, "/enighed")))
    refused = _answer(dan, scene, "uenig", "  ")
    assert refused.status_code == 422
    assert "Skriv en kommentar, så formanden ved, hvad du ikke er enig i" in text_of(refused)
    assert "Vælg, om du er enig i udkastet" in text_of(_answer(dan, scene, ""))
    assert _answer(dan, scene, "uenig", "SFO-takster står forkert, tjek m. forvaltn.") \
        .status_code == 302
    assert _answer(bo, scene, "enig").status_code == 302
    assert _answer(carla, scene, "enig", "ok fra mig").status_code == 302
    assert "Dit svar: Enig – ok fra mig" in text_of(carla.get(_read_url(scene)))
    assert db.session.scalar(select(func.count(AgreementAnswer.id))) == 3

    chair_page = text_of(chair_client.get(url(scene, "/enighed")))
    assert "2 af 3 deltagere er enige" in chair_page
    assert "Dan Østergaard Ikke enig SFO-takster står forkert, tjek m. forvaltn." in chair_page
    assert "Carla Mikkelsen Enig ok fra mig" in chair_page
    assert "Mangler PPR-ventetiden" not in chair_page
    assert "Har ikke svaret" not in chair_page

    assert chair_client.post(url(scene, "/godkend"), data=APPROVE).status_code == 302
    submission = db.session.scalar(select(Submission))
    assert agreement_line(submission) == "Godkendt af 2 af 3 deltagere"
    assert "Godkendt af 2 af 3 deltagere" in text_of(chair_client.get(url(scene, "/versioner")))

    # Submitting closed the round: answers no longer change anything.
    late = _answer(dan, scene, "enig")
    assert late.status_code == 422
    assert "Runden er lukket eller ikke startet" in text_of(late)
    assert LINK not in text_of(dan.get(home))
    assert agreement_line(submission) == "Godkendt af 2 af 3 deltagere"


def test_a_version_without_a_round_has_no_line(scene, chair_client):
    assert chair_client.post(url(scene, "/godkend"), data=APPROVE).status_code == 302
    submission = db.session.scalar(select(Submission))
    assert agreement_line(submission) is None
    assert "Godkendt af" not in text_of(chair_client.get(url(scene, "/versioner"))).replace(
        "Godkendt af Indhold", "")


def test_participant_of_another_committee_is_refused(scene, chair_client, make_committee,
                                                     make_client):
    other = make_committee(municipality="Odense")
    stranger, actions = make_client()
    actions.join(other, "Fremmed")
    _open(chair_client, scene)
    assert stranger.get(_read_url(scene)).status_code == 403
    assert stranger.post(_read_url(scene), data={"answer": "enig"}).status_code == 403
    assert db.session.scalar(select(func.count(AgreementAnswer.id))) == 0


def test_closed_round_takes_no_answers_and_a_new_round_starts_afresh(scene, chair_client,
                                                                     make_client):
    member = _member(make_client, scene, "Hanne Juul")
    _open(chair_client, scene)
    assert _answer(member, scene, "enig").status_code == 302
    closed = chair_client.post(url(scene, "/enighed/luk"), follow_redirects=True)
    assert "Runden er lukket" in text_of(closed)
    assert "1 af 2 deltagere er enige" in text_of(closed)
    assert "Formanden har lukket runden" in text_of(member.get(_read_url(scene)))
    refused = _answer(member, scene, "uenig", "alligevel ikke")
    assert refused.status_code == 422
    assert db.session.scalar(select(AgreementAnswer.agrees)) is True

    again = chair_client.post(url(scene, "/enighed/luk"), follow_redirects=True)
    assert "Der er ingen åben runde at lukke" in text_of(again)
    _open(chair_client, scene)
    assert "0 af 2 deltagere er enige" in text_of(chair_client.get(url(scene, "/enighed")))


def test_opening_needs_participants_and_chair_rights(scene, chair_client, client, auth,
                                                     make_committee, make_user):
    lonely_chair = make_user(email="solo@odense.dk", municipality="Odense")
    lonely = make_committee(municipality="Odense", chair=lonely_chair)
    auth.login("solo@odense.dk")
    response = client.post(f"/udvalg/{lonely.id}/gennemgang/enighed/aabn",
                           follow_redirects=True)
    assert "Ingen deltagere er med i udvalget endnu" in text_of(response)
    auth.logout()
    auth.join(scene.committee, "Ib")
    assert client.post(url(scene, "/enighed/aabn")).status_code == 403
    assert client.get(url(scene, "/enighed")).status_code == 403
    assert agreements.current_round(scene.committee) is None


def test_chair_is_told_when_answers_are_on_an_earlier_draft(scene, chair_client, make_client):
    member = _member(make_client, scene, "Mads Kjær")
    _open(chair_client, scene)
    _answer(member, scene, "enig")
    page = text_of(chair_client.get(url(scene, "/enighed")))
    assert "før seneste ændring" not in page
    summaries.save_summary(scene.committee, scene.task(1), scene.chair,
                           "Lederne savner sammenhæng ml. politik og drift; PPR tidligere ind", 0)
    db.session.commit()
    page = text_of(chair_client.get(url(scene, "/enighed")))
    assert "1 svar blev givet før ændringen: det gælder et tidligere udkast" in page
    assert "før seneste ændring" in page
    assert "(nogle svar gælder et tidligere udkast)" in text_of(
        chair_client.get(url(scene, "/godkend")))
    # The member sees the new summary in the draft, and that it changed after the answer.
    draft = text_of(member.get(_read_url(scene)))
    assert "PPR tidligere ind" in draft
    assert "Udkastet er ændret, efter du svarede" in draft


# ---------------------------------------------------------------- aktindsigt at submission


def test_submitting_requires_knowing_kl_s_copy_is_open_to_aktindsigt(scene, chair_client):
    page = text_of(chair_client.get(url(scene, "/godkend")))
    assert "aktindsigt" in page and "offentlighedsloven" in page
    refused = chair_client.post(url(scene, "/godkend"), data={"privacy_acknowledged": "y"})
    assert refused.status_code == 422
    assert ("Bekræft, at du ved, at det indsendte bliver KL's dokument, som offentligheden kan "
            "søge aktindsigt i. Intet er indsendt.") in unescape(text_of(refused))
    assert db.session.scalar(select(func.count(Submission.id))) == 0

    assert chair_client.post(url(scene, "/godkend"), data=APPROVE).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "submission.submit"))
    assert entry.details["public_access_acknowledged"] is True
    assert "Bekræftet: KL's dokument, åbent for aktindsigt: ja" in unescape(text_of(
        chair_client.get(url(scene, "/log"))))


def test_a_deleted_participant_s_answers_go_and_frozen_figures_stay(scene, chair_client,
                                                                   make_client):
    member = _member(make_client, scene, "Rikke Vad")
    _open(chair_client, scene)
    _answer(member, scene, "uenig", "AKT-indsatsen i 4.b mangler, tal m. skolelederen")
    participant = db.session.scalar(select(AgreementAnswer)).participant
    # The person's own copy of their data (right of access) carries the answer.
    exported = persons.export_person(participant)["agreement_answers"]
    assert exported[0]["comment"].startswith("AKT-indsatsen")
    assert chair_client.post(url(scene, "/godkend"), data=APPROVE).status_code == 302
    submission = db.session.scalar(select(Submission))
    assert "Rikke Vad" in [entry.name for entry in attendance.attendees(scene.committee,
                                                                         submission)]

    counts = persons.delete_person(participant)
    db.session.commit()
    assert counts["agreement_answers"] == 1 and counts["attendance_lines"] >= 1
    assert db.session.scalar(select(func.count(AgreementAnswer.id))) == 0
    assert "AKT-indsatsen" not in text_of(chair_client.get(url(scene, "/enighed")))
    names = [entry.name for entry in attendance.attendees(scene.committee, submission)]
    assert "Rikke Vad" not in names and persons.ANONYMOUS in names
    assert agreement_line(submission) == "Godkendt af 0 af 2 deltagere"
