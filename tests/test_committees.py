"""Committees: chair login, creation, join codes, joining, the talk and theme-meeting choice,
a new code and removing a participant."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Committee, Municipality, Participant
from delib.services import DomainError
from delib.services import committees as service
from delib.services.programme import import_programme
from tests.conftest import text_of

DATA = Path(__file__).parent / "data"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- chair login


def test_chair_login_wrong_password_is_refused_in_danish(client, make_user):
    user = make_user(email="formand@aarhus.dk")
    response = client.post("/login", data={"email": user.email, "password": "forkert"})
    assert response.status_code == 422
    assert "Forkert e-mail eller adgangskode." in text_of(response)
    # An unknown e-mail gets the very same answer.
    unknown = client.post("/login", data={"email": "ingen@aarhus.dk", "password": "forkert"})
    assert "Forkert e-mail eller adgangskode." in text_of(unknown)
    assert client.get("/udvalg/").status_code == 302  # still not signed in


def test_chair_login_is_case_insensitive_and_goes_to_committees(client, make_user):
    make_user(email="formand@aarhus.dk")
    response = client.post("/login", data={"email": " Formand@Aarhus.DK ",
                                           "password": "korrekt-hest-batteri"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/udvalg/")
    assert "Mine udvalg" in text_of(client.get("/udvalg/"))


def test_login_empty_fields_get_danish_messages(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    page = text_of(response)
    assert "Skriv din e-mail." in page and "Skriv din adgangskode." in page


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user()
    response = client.post(f"/login?next={target}",
                           data={"email": user.email, "password": "korrekt-hest-batteri"})
    assert response.headers["Location"] == "/udvalg/"


def test_login_follows_a_local_next(client, make_user):
    user = make_user()
    response = client.post("/login?next=/udvalg/nyt",
                           data={"email": user.email, "password": "korrekt-hest-batteri"})
    assert response.headers["Location"] == "/udvalg/nyt"


# ---------------------------------------------------------------- creating a committee


def test_chair_creates_committee_for_own_municipality(client, auth, make_user, event):
    user = make_user(municipality="Odense")
    auth.login(user.email)
    form = client.get("/udvalg/nyt")
    assert "Odense" in text_of(form) and "Aarhus" not in text_of(form)  # only their own
    response = client.post("/udvalg/nyt", data={"municipality": "461",
                                                "name": "  Børne- og Ungeudvalget  "})
    assert response.status_code == 302
    committee = db.session.scalar(select(Committee))
    assert committee.name == "Børne- og Ungeudvalget"
    assert committee.municipality.name == "Odense" and committee.event_id == event.id
    assert [c.id for c in committee.chairs] == [user.id]

    page = client.get(response.headers["Location"])
    shown = service.format_join_code(committee.join_code)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", shown)
    assert shown in text_of(page)
    assert f"/deltag/{committee.join_code}" in page.get_data(as_text=True)
    assert "Udvalget er oprettet" in text_of(page)


@pytest.mark.parametrize("data, message", [
    ({"municipality": "101", "name": "Udvalget"}, "Du kan kun oprette udvalg for din egen kommune"),
    ({"municipality": "99999", "name": "Udvalget"}, "Vælg en kommune fra listen."),
    ({"municipality": "abc", "name": "Udvalget"}, "Vælg kommunen."),
    ({"municipality": "751", "name": "   "}, "Skriv udvalgets navn."),
    ({"municipality": "751", "name": "x" * 151}, "højst være 150 tegn"),
])
def test_create_committee_refusals(client, auth, make_user, data, message):
    user = make_user(municipality="Aarhus")  # code 751
    auth.login(user.email)
    response = client.post("/udvalg/nyt", data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert "Not a valid" not in text_of(response) and "coerce" not in text_of(response)
    assert _count(Committee) == 0


def test_duplicate_committee_name_is_refused(client, auth, make_user, make_committee):
    user = make_user(municipality="Aarhus")
    make_committee(municipality="Aarhus", name="Børne- og Ungeudvalget", chair=user)
    auth.login(user.email)
    response = client.post("/udvalg/nyt", data={"municipality": "751",
                                                "name": "Børne- og Ungeudvalget"})
    assert response.status_code == 422
    assert "Aarhus har allerede et udvalg med det navn" in text_of(response)
    assert _count(Committee) == 1


def test_service_refuses_a_chair_without_municipality(app, event, make_user):
    user = make_user(municipality=None)
    aarhus = db.session.get(Municipality, 751)
    with pytest.raises(DomainError, match="din egen kommune"):
        service.create_committee(event, aarhus, "Udvalget", user)


def test_chairs_list_shows_only_their_committees(client, auth, make_user, make_committee):
    mine = make_committee(municipality="Aarhus", name="Mit udvalg")
    make_committee(municipality="Odense", name="Andres udvalg")
    auth.login(mine.chairs[0].email)
    page = text_of(client.get("/udvalg/"))
    assert "Mit udvalg, Aarhus" in page and "Andres udvalg" not in page


# ---------------------------------------------------------------- join codes


def test_new_codes_use_the_unambiguous_alphabet(app):
    codes = {service.new_join_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 10 and not set(code) & set("ILOU")
        assert set(code) <= set(service.CODE_ALPHABET)
    assert service.format_join_code("ABCDEFGH23") == "ABCD-EFGH-23"


@pytest.mark.parametrize("typed", [
    "0A1B-2C3D-4E", "0a1b2c3d4e", " 0a1b 2c3d 4e ", "oa1b-2c3d-4e", "OAIB-2C3D-4E", "0alb-2c3d-4e",
    "0A1B–2C3D–4E",  # en dashes, as word processors print them
])
def test_join_code_normalisation(client, make_committee, typed):
    committee = make_committee()
    committee.join_code = "0A1B2C3D4E"
    db.session.commit()
    response = client.post("/deltag", data={"code": typed, "display_name": "Mette"})
    assert response.status_code == 302, text_of(response)
    participant = db.session.scalar(select(Participant))
    assert participant.committee_id == committee.id and participant.display_name == "Mette"


def test_join_with_wrong_code_creates_nothing(client, make_committee):
    make_committee()
    for typed in ("AAAA-BBBB-CC", "kort", "Æ" * 10):
        response = client.post("/deltag", data={"code": typed, "display_name": "Mette"})
        assert response.status_code == 422
        assert "Koden passer ikke til noget udvalg" in text_of(response)
        assert 'value="Mette"' in response.get_data(as_text=True)  # the name stays typed
    assert _count(Participant) == 0


@pytest.mark.parametrize("name, message", [
    ("", "Skriv det navn, de andre skal se dig som."),
    ("   ", "Skriv det navn, de andre skal se dig som."),
    ("x" * 81, "Navnet må højst være 80 tegn."),
])
def test_join_needs_a_name(client, make_committee, name, message):
    committee = make_committee()
    response = client.post("/deltag", data={"code": committee.join_code, "display_name": name})
    assert response.status_code == 422
    assert message in text_of(response)
    assert _count(Participant) == 0


def test_join_link_prefills_the_code(client, make_committee):
    committee = make_committee()
    page = client.get(f"/deltag/{committee.join_code.lower()}")
    assert page.status_code == 200
    assert f'value="{service.format_join_code(committee.join_code)}"' in page.get_data(as_text=True)
    assert "Dit navn, som de andre ser det" in text_of(page)


def test_joined_participant_lands_on_their_committee(client, auth, make_committee):
    committee = make_committee(municipality="Odense", name="Skoleudvalget")
    response = auth.join(committee, name="Mette")
    page = client.get(response.headers["Location"])
    assert "Velkommen, Mette. Du er med i Skoleudvalget." in text_of(page)
    assert "Mette" in text_of(page)  # in the participant list


# ---------------------------------------------------------------- choosing talk and theme meetings


def _ids(event):
    talks = {t.number: t.id for t in event.talks}
    meetings = {m.number: m.id for m in event.theme_meetings}
    return talks, meetings


def test_choice_page_shows_the_suggested_pairing(client, auth, make_committee):
    committee = make_committee()
    auth.join(committee)
    page = text_of(client.get(f"/udvalg/{committee.id}/valg"))
    assert "Forslag: følg op med temamøde 3 – God og motiverende undervisning" in page
    assert "Forslag: følg op med temamøde 1" in page
    assert "op til 3 temamøder" in page


def test_choose_talk_and_theme_meetings(client, auth, make_committee, event):
    committee = make_committee()
    auth.join(committee)
    talks, meetings = _ids(event)
    response = client.post(f"/udvalg/{committee.id}/valg",
                           data={"talk": talks[2], "theme_meetings": [meetings[5], meetings[3]]})
    assert response.status_code == 302
    db.session.refresh(committee)
    assert committee.talk.number == 2
    assert [m.number for m in committee.theme_meetings] == [3, 5]
    page = text_of(client.get(response.headers["Location"]))
    assert "Udvalgets valg er gemt." in page
    assert "Oplæg 2: Styring, ledelse og fagligt råderum" in page
    assert "Temamøde 5: Hvad skal der til for at nedbringe skolefravær?" in page
    # The choice page shows the saved choice again.
    again = client.get(f"/udvalg/{committee.id}/valg").get_data(as_text=True)
    assert re.search(rf'value="{talks[2]}"\s+checked', again)
    assert re.search(rf'value="{meetings[5]}"\s+checked', again)


def _choose_first(client, committee, event):
    talks, meetings = _ids(event)
    client.post(f"/udvalg/{committee.id}/valg",
                data={"talk": talks[1], "theme_meetings": [meetings[1]]})
    db.session.refresh(committee)
    assert committee.talk.number == 1


def _assert_first_choice_intact(committee):
    db.session.expire_all()
    assert committee.talk.number == 1
    assert [m.number for m in committee.theme_meetings] == [1]


def test_four_theme_meetings_are_refused_and_nothing_saved(client, auth, make_committee, event):
    committee = make_committee()
    auth.join(committee)
    _choose_first(client, committee, event)
    talks, meetings = _ids(event)
    response = client.post(f"/udvalg/{committee.id}/valg", data={
        "talk": talks[2], "theme_meetings": [meetings[n] for n in (1, 2, 3, 4)]})
    assert response.status_code == 422
    assert "I kan højst vælge 3 temamøder. Fravælg et, og gem igen." in text_of(response)
    _assert_first_choice_intact(committee)


@pytest.mark.parametrize("which", ["other_event_talk", "missing_talk", "garbage_talk",
                                   "other_event_meeting", "missing_meeting", "garbage_meeting"])
def test_choice_from_elsewhere_is_refused(client, auth, make_committee, event, which):
    committee = make_committee()
    auth.join(committee)
    _choose_first(client, committee, event)
    other = import_programme((DATA / "butm2022.toml").read_text("utf-8"))
    db.session.commit()
    talks, meetings = _ids(event)
    data = {
        "other_event_talk": {"talk": other.talks[0].id},
        "missing_talk": {"talk": 99999},
        "garbage_talk": {"talk": "to"},
        "other_event_meeting": {"talk": talks[2], "theme_meetings": [other.theme_meetings[0].id]},
        "missing_meeting": {"talk": talks[2], "theme_meetings": [meetings[2], 99999]},
        "garbage_meeting": {"talk": talks[2], "theme_meetings": ["tre"]},
    }[which]
    response = client.post(f"/udvalg/{committee.id}/valg", data=data)
    assert response.status_code == 422
    page = text_of(response)
    expected = ("Det valgte politiske oplæg findes ikke på dette topmøde." if "talk" in which
                else "Et af de valgte temamøder findes ikke på dette topmøde.")
    assert expected in page
    assert "coerce" not in page and "Invalid" not in page
    _assert_first_choice_intact(committee)


def test_choosing_nothing_clears_the_choice(client, auth, make_committee, event):
    committee = make_committee()
    auth.join(committee)
    _choose_first(client, committee, event)
    assert client.post(f"/udvalg/{committee.id}/valg", data={}).status_code == 302
    db.session.expire_all()
    assert committee.talk is None and committee.theme_meetings == []


# ---------------------------------------------------------------- new code, removing people


def test_rotate_code_needs_confirmation_and_old_code_stops(client, auth, make_committee,
                                                           make_client):
    committee = make_committee()
    old = committee.join_code
    auth.login(committee.chairs[0].email)
    confirm = client.get(f"/udvalg/{committee.id}/kode")
    assert "Den nuværende kode holder op med at virke med det samme." in text_of(confirm)
    db.session.refresh(committee)
    assert committee.join_code == old  # looking at the confirmation changes nothing

    response = client.post(f"/udvalg/{committee.id}/kode")
    assert response.status_code == 302
    db.session.refresh(committee)
    new = committee.join_code
    assert new != old
    page = text_of(client.get(response.headers["Location"]))
    assert service.format_join_code(new) in page and service.format_join_code(old) not in page

    _c, stranger = make_client()
    refused = stranger.join(old, name="Sen")
    assert refused.status_code == 422 and "Koden passer ikke" in text_of(refused)
    assert stranger.join(new, name="Ny").status_code == 302


def test_remove_participant_ends_their_session(client, auth, make_committee, make_client):
    committee = make_committee()
    mette_client, mette = make_client()
    mette.join(committee, name="Mette")
    assert mette_client.get(f"/udvalg/{committee.id}").status_code == 200
    participant = db.session.scalar(select(Participant))

    auth.login(committee.chairs[0].email)
    url = f"/udvalg/{committee.id}/deltagere/{participant.id}/fjern"
    confirm = client.get(url)
    assert "Fjern Mette fra udvalget?" in text_of(confirm)
    assert mette_client.get(f"/udvalg/{committee.id}").status_code == 200  # not yet

    response = client.post(url)
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Mette er fjernet fra udvalget." in page
    assert "Ingen har brugt koden endnu." in page

    gone = mette_client.get(f"/udvalg/{committee.id}")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert client.post(url).status_code == 404  # already removed


def test_chair_cannot_remove_a_participant_of_another_committee(client, auth, make_committee,
                                                                make_client):
    mine = make_committee(municipality="Aarhus", name="Mit")
    other = make_committee(municipality="Odense", name="Andet")
    _c, stranger = make_client()
    stranger.join(other, name="Fremmed")
    participant = db.session.scalar(select(Participant))
    auth.login(mine.chairs[0].email)
    response = client.post(f"/udvalg/{mine.id}/deltagere/{participant.id}/fjern")
    assert response.status_code == 404
    db.session.refresh(participant)
    assert participant.removed_at is None

