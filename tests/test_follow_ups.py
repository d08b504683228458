"""Follow-up on commitments: the 2022 committee sees Aarhus' actions submitted in 2021, says how
each went, and the update goes to KL with the 2022 contribution."""

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import ActionFollowUp, AuditEntry, Submission, SubmissionFollowUp
from delib.services import submissions
from tests.conftest import text_of
from tests.fixtures.committee import CHAIR_EMAIL, post
from tests.fixtures.follow_ups import AARHUS_2021, AARHUS_DRAFT, ODENSE_2021, build_two_events
from tests.test_reports import docx_text

TITLES = [row[1] for row in AARHUS_2021]


@pytest.fixture
def two(make_user, make_committee):
    return build_two_events(make_user, make_committee)


@pytest.fixture
def chair(two, client, auth):
    """Aarhus' chair (of both years' committees), signed in."""
    assert auth.login(CHAIR_EMAIL).status_code == 302
    return client


def url(committee, path=""):
    return f"/udvalg/{committee.id}/gennemgang/opfoelgning{path}"


def form(action, status, comment="", version=None):
    """The posted form of one previous action (without a version unless given)."""
    prefix = f"a{action.id}-"
    data = {prefix + "status": status, prefix + "comment": comment}
    if version is not None:
        data[prefix + "version"] = version
    return data


def follow_up_count() -> int:
    return db.session.scalar(select(func.count(ActionFollowUp.id)))


def test_next_committee_sees_its_municipalitys_submitted_actions(two, chair):
    for path in (f"/udvalg/{two.aarhus_2022.id}", f"/udvalg/{two.aarhus_2022.id}/gennemgang",
                 f"/udvalg/{two.aarhus_2022.id}/gennemgang/handlinger", url(two.aarhus_2022)):
        page = text_of(chair.get(path))
        assert "Handlinger fra sidste topmøde" in page or "Opfølgning på sidste topmøde" in page
        for title in TITLES:
            assert title in page, (path, title)
        # Never another municipality's actions, never an unsubmitted draft.
        assert ODENSE_2021[1] not in page and AARHUS_DRAFT not in page
        assert "Ingen opfølgende handlinger endnu" not in page
    page = text_of(chair.get(url(two.aarhus_2022)))
    assert "PPR-lederen" in page and "1. oktober 2021" in page
    assert "Status ved indsendelse: I gang" in page
    assert page.count("Ikke opdateret") == 3
    # The 2021 committee has no earlier summit to follow up on.
    page_2021 = text_of(chair.get(f"/udvalg/{two.aarhus_2021.id}/gennemgang/handlinger"))
    assert "Handlinger fra sidste topmøde" not in page_2021
    assert "ingen indsendte handlinger fra et tidligere topmøde" in text_of(
        chair.get(url(two.aarhus_2021)))


def test_chair_updates_each_action_with_a_comment(two, chair):
    absence = two.previous(TITLES[1])
    response = chair.post(url(two.aarhus_2022, f"/{absence.id}"),
                          data=form(absence, "done", "Kører på alle skoler fra aug. PPR tilfreds"))
    assert response.status_code == 302
    page = text_of(chair.get(url(two.aarhus_2022)))
    assert "Gennemført Kører på alle skoler fra aug. PPR tilfreds" in page
    assert page.count("Ikke opdateret") == 2
    row = db.session.scalar(select(ActionFollowUp))
    assert (row.committee_id, row.submission_action_id, row.status) == (
        two.aarhus_2022.id, absence.id, "done")
    assert row.updated_by_name == two.chair.display_name
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "follow_up.update"))
    assert entry.details["after"] == {"status": "done",
                                      "comment": "Kører på alle skoler fra aug. PPR tilfreds"}
    # The committee page shows the new status too.
    assert "Gennemført – Kører på alle skoler" in text_of(
        chair.get(f"/udvalg/{two.aarhus_2022.id}"))

    # A second save with the version the form showed works; a stale one is refused.
    version = str(row.version)
    assert chair.post(url(two.aarhus_2022, f"/{absence.id}"), data=form(
        absence, "under_way", "Kun i indskolingen indtil videre", version)).status_code == 302
    stale = chair.post(url(two.aarhus_2022, f"/{absence.id}"),
                       data=form(absence, "dropped", "Droppet", version))
    assert stale.status_code == 422
    assert "En anden har opdateret handlingen imens" in text_of(stale)
    db.session.expire_all()
    assert db.session.get(ActionFollowUp, row.id).status == "under_way"
    # The refusal shows the other update and offers the current version: saving again works.
    assert "Kun i indskolingen indtil videre" in text_of(stale)
    current = f'name="a{absence.id}-version" type="hidden" value="{row.version}"'
    assert current in stale.get_data(as_text=True)


def test_two_chairs_first_update_at_once_is_a_conflict(two, chair):
    # Both pages showed "not updated" (version 0); the second save must not overwrite the first.
    action = two.previous(TITLES[0])
    page = chair.get(url(two.aarhus_2022)).get_data(as_text=True)
    assert f'name="a{action.id}-version" type="hidden" value="0"' in page
    assert chair.post(url(two.aarhus_2022, f"/{action.id}"),
                      data=form(action, "done", "Holdt 9/6", "0")).status_code == 302
    late = chair.post(url(two.aarhus_2022, f"/{action.id}"),
                      data=form(action, "dropped", "Ikke nået", "0"))
    assert late.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(ActionFollowUp)).comment == "Holdt 9/6"


@pytest.mark.parametrize("status, comment, message", [
    ("", "ok", "Vælg en status: gennemført, i gang, ændret eller droppet."),
    ("planned", "ok", "Vælg en status: gennemført, i gang, ændret eller droppet."),
    ("done", "x" * 501, "Kommentaren er for lang: højst 500 tegn."),
])
def test_bad_status_or_long_comment_is_refused_in_danish(two, chair, status, comment, message):
    action = two.previous(TITLES[0])
    response = chair.post(url(two.aarhus_2022, f"/{action.id}"),
                          data=form(action, status, comment))
    assert response.status_code == 422
    assert message in text_of(response)
    assert follow_up_count() == 0


def test_other_actions_are_not_found(two, chair):
    odense = two.previous(ODENSE_2021[1])
    assert chair.post(url(two.aarhus_2022, f"/{odense.id}"),
                      data=form(odense, "done")).status_code == 404
    # The 2021 committee cannot follow up on its own (current) actions.
    own = two.previous(TITLES[0])
    assert chair.post(url(two.aarhus_2021, f"/{own.id}"),
                      data=form(own, "done")).status_code == 404
    assert follow_up_count() == 0


def test_participants_see_but_do_not_update(two, make_client):
    client, actions = make_client()
    actions.join(two.aarhus_2022, "Lene Deltager")
    page = text_of(client.get(url(two.aarhus_2022)))
    assert TITLES[2] in page and "Gem opfølgning" not in page
    action = two.previous(TITLES[2])
    assert client.post(url(two.aarhus_2022, f"/{action.id}"),
                       data=form(action, "done")).status_code == 403
    # Another municipality's chair does not get in at all.
    other, other_actions = make_client()
    other_actions.login("formand@odense.dk")
    assert other.get(url(two.aarhus_2022)).status_code == 403


def test_follow_ups_go_with_the_next_submission_and_stay_frozen(two, chair):
    first, second, third = (two.previous(t) for t in TITLES)
    chair.post(url(two.aarhus_2022, f"/{first.id}"),
               data=form(first, "changed", "Blev til temadag i stedet, alle skoleledere med"))
    chair.post(url(two.aarhus_2022, f"/{third.id}"),
               data=form(third, "dropped", "Randers sprang fra. Prøver igen via KKR"))
    committee = two.aarhus_2022
    post(committee, committee.event.slots[0], two.chair, "Inklusion: flere ressourcer til AKT",
         [1])
    assert chair.post(f"/udvalg/{committee.id}/gennemgang/godkend", data={
        "privacy_acknowledged": "y", "public_access_acknowledged": "y"}).status_code == 302
    submission = db.session.scalar(select(Submission).where(
        Submission.committee_id == committee.id))
    rows = {r.title: r for r in submission.follow_ups}
    assert set(rows) == set(TITLES)
    assert (rows[TITLES[0]].status, rows[TITLES[0]].comment) == (
        "changed", "Blev til temadag i stedet, alle skoleledere med")
    assert (rows[TITLES[1]].status, rows[TITLES[1]].comment) == ("pending", "")
    assert rows[TITLES[2]].status == "dropped"
    assert rows[TITLES[1]].previous_status == "under_way"
    assert rows[TITLES[0]].task.number == 1 and rows[TITLES[0]].responsible == "Skolechefen"
    assert all(r.event_id == committee.event_id and r.municipality_code == 751
               for r in rows.values())

    # Locked: a change is refused and nothing changes.
    locked = chair.post(url(committee, f"/{second.id}"), data=form(second, "done", "Klar"))
    assert locked.status_code == 422
    assert "Genåbn det, før du ændrer noget" in text_of(locked)
    assert "Gem opfølgning" not in text_of(chair.get(url(committee)))

    # Reopened and changed: the submitted version keeps what was sent.
    submissions.reopen(committee, two.chair)
    db.session.commit()
    assert chair.post(url(committee, f"/{first.id}"),
                      data=form(first, "done", "Temadag holdt 3/11")).status_code == 302
    db.session.expire_all()
    frozen = db.session.scalar(select(SubmissionFollowUp).where(
        SubmissionFollowUp.submission_id == submission.id,
        SubmissionFollowUp.title == TITLES[0]))
    assert frozen.status == "changed"


def test_the_log_says_what_changed_in_danish(two, chair):
    action = two.previous(TITLES[2])
    chair.post(url(two.aarhus_2022, f"/{action.id}"), data=form(action, "dropped", "Ingen tid"))
    page = text_of(chair.get(f"/udvalg/{two.aarhus_2022.id}/gennemgang/log"))
    assert "Opfølgning på sidste topmødes handling gemt" in page
    assert "Status: Droppet; Kommentar: Ingen tid" in page


def test_reports_carry_the_follow_ups_submitted_and_draft(two, chair):
    first, second, _third = (two.previous(t) for t in TITLES)
    committee = two.aarhus_2022
    chair.post(url(committee, f"/{first.id}"), data=form(first, "changed", "Blev til temadag"))
    post(committee, committee.event.slots[0], two.chair, "SFO-pædagoger med i AKT-teamet", [1])
    submissions.submit(committee, two.chair, show_authors=False, privacy_acknowledged=True)
    submissions.reopen(committee, two.chair)
    db.session.commit()
    chair.post(url(committee, f"/{second.id}"), data=form(second, "done", "Alle skoler med"))
    base = f"/udvalg/{committee.id}/gennemgang"
    sent = text_of(chair.get(f"{base}/rapport?version=1"))
    assert "Opfølgning på sidste topmøde" in sent
    assert "Ændret: Blev til temadag" in sent and "Alle skoler med" not in sent
    assert f"{TITLES[1]} PPR-lederen 1. oktober 2021 Ikke opdateret" in sent
    draft = text_of(chair.get(f"{base}/rapport?udkast=1"))
    assert "Gennemført: Alle skoler med" in draft
    # No new actions of its own yet, but the report does not pretend there is nothing.
    assert "Ingen opfølgende handlinger endnu" not in draft
    word = docx_text(chair.get(f"{base}/rapport.docx?version=1").get_data())
    assert f"1 | {TITLES[0]} | Skolechefen | 15. juni 2021 | Ændret: Blev til temadag" in word
