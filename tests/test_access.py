"""Isolation: one committee never sees or changes another's anything; participants never reach
chair pages; anonymous visitors are sent to login or join."""

import uuid

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Note, Participant
from tests.conftest import HX


@pytest.fixture
def two_committees(make_committee, make_client, event):
    """Committee A (Aarhus) and B (Odense), one participant each; B has a note and a choice."""
    a = make_committee(municipality="Aarhus", name="Aarhus-udvalget")
    b = make_committee(municipality="Odense", name="Odense-udvalget")
    a_client, a_actions = make_client()
    a_actions.join(a, name="Anne fra Aarhus")
    b_client, b_actions = make_client()
    b_actions.join(b, name="Bo fra Odense")
    slot = event.slots[0]
    b_client.post(f"/udvalg/{b.id}/pauser/{slot.id}/noter", data={
        "body": "Hemmelig Odense-pointe", "tasks": [event.tasks[0].id],
        "client_key": uuid.uuid4().hex})
    b.talk = event.talks[0]
    b.theme_meetings = [event.theme_meetings[0]]
    db.session.commit()
    note = db.session.scalar(select(Note).where(Note.committee_id == b.id))
    assert note is not None

    class World:
        pass

    w = World()
    w.a, w.b, w.slot, w.note, w.event = a, b, slot, note, event
    w.a_client, w.b_client = a_client, b_client
    w.b_secrets = ["Odense-udvalget", "Hemmelig Odense-pointe", "Bo fra Odense", b.join_code]
    return w


def _b_urls(w):
    b, slot, note = w.b, w.slot, w.note
    return [
        ("get", f"/udvalg/{b.id}"),
        ("get", f"/udvalg/{b.id}/valg"),
        ("post", f"/udvalg/{b.id}/valg"),
        ("get", f"/udvalg/{b.id}/pause"),
        ("get", f"/udvalg/{b.id}/pauser/{slot.id}"),
        ("get", f"/udvalg/{b.id}/pauser/{slot.id}/noter"),
        ("post", f"/udvalg/{b.id}/pauser/{slot.id}/noter"),
        ("get", f"/noter/{note.id}/rediger"),
        ("post", f"/noter/{note.id}/rediger"),
        ("get", f"/noter/{note.id}/slet"),
        ("post", f"/noter/{note.id}/slet"),
        ("get", f"/udvalg/{b.id}/kode"),
        ("post", f"/udvalg/{b.id}/kode"),
    ]


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_participant_of_a_never_reaches_b(two_committees, headers):
    w = two_committees
    code_before = w.b.join_code
    for method, url in _b_urls(w):
        data = {"body": "Indtrængen", "tasks": [w.event.tasks[1].id], "version": 1,
                "client_key": uuid.uuid4().hex, "talk": w.event.talks[2].id,
                "theme_meetings": [w.event.theme_meetings[4].id]} if method == "post" else None
        response = getattr(w.a_client, method)(url, data=data, headers=headers)
        assert response.status_code == 403, (method, url, response.status_code)
        body = response.get_data(as_text=True)
        for secret in w.b_secrets:
            assert secret not in body, (url, secret)
        assert "Du har ikke adgang til denne side." in body
    db.session.expire_all()
    # Nothing of B's changed.
    assert w.note.body == "Hemmelig Odense-pointe" and w.note.deleted_at is None
    assert w.note.version == 1
    assert w.b.join_code == code_before
    assert w.b.talk.number == 1 and [m.number for m in w.b.theme_meetings] == [1]
    assert db.session.scalar(select(func.count()).select_from(Note)) == 1


def test_a_sees_only_its_own_notes(two_committees):
    w = two_committees
    w.a_client.post(f"/udvalg/{w.a.id}/pauser/{w.slot.id}/noter", data={
        "body": "Aarhus-pointe", "tasks": [w.event.tasks[0].id], "client_key": uuid.uuid4().hex})
    screen = f"/udvalg/{w.a.id}/pauser/{w.slot.id}"
    for url in (screen, f"{screen}/noter", f"/udvalg/{w.a.id}"):
        body = w.a_client.get(url, headers=HX if url.endswith("noter") else {}).get_data(
            as_text=True)
        for secret in w.b_secrets:
            assert secret not in body, (url, secret)
    assert "Aarhus-pointe" in w.a_client.get(f"/udvalg/{w.a.id}/pauser/{w.slot.id}").get_data(
        as_text=True)


def test_chair_of_a_never_reaches_b(two_committees, make_client):
    w = two_committees
    chair_client, chair = make_client()
    chair.login(w.a.chairs[0].email)
    for method, url in _b_urls(w):
        response = getattr(chair_client, method)(url, data={} if method == "post" else None)
        assert response.status_code == 403, (method, url)
        for secret in w.b_secrets:
            assert secret not in response.get_data(as_text=True)
    bo = db.session.scalar(select(Participant).where(Participant.committee_id == w.b.id))
    response = chair_client.post(f"/udvalg/{w.b.id}/deltagere/{bo.id}/fjern")
    assert response.status_code == 403
    db.session.refresh(bo)
    assert bo.removed_at is None


def test_participant_cannot_reach_chair_pages(two_committees):
    w = two_committees
    anne = db.session.scalar(select(Participant).where(Participant.committee_id == w.a.id))
    for method, url in [("get", "/udvalg/"), ("get", "/udvalg/nyt"), ("post", "/udvalg/nyt"),
                        ("get", f"/udvalg/{w.a.id}/kode"), ("post", f"/udvalg/{w.a.id}/kode"),
                        ("get", f"/udvalg/{w.a.id}/deltagere/{anne.id}/fjern"),
                        ("post", f"/udvalg/{w.a.id}/deltagere/{anne.id}/fjern")]:
        response = getattr(w.a_client, method)(url, data={} if method == "post" else None)
        assert response.status_code == 403, (method, url)
    # ... but the participant's own committee page works, without chair links.
    page = w.a_client.get(f"/udvalg/{w.a.id}").get_data(as_text=True)
    assert "Aarhus-udvalget" in page
    assert "Lav en ny kode" not in page and "/fjern" not in page


def test_kl_staff_are_not_committee_members(two_committees, make_user, make_client):
    w = two_committees
    analyst = make_user(role="kl_analyst", municipality=None)
    c, actions = make_client()
    actions.login(analyst.email)
    assert c.get(f"/udvalg/{w.b.id}").status_code == 403
    assert c.get(f"/udvalg/{w.b.id}/pauser/{w.slot.id}").status_code == 403


def test_municipal_admin_sees_own_municipality_only(two_committees, make_user, make_client):
    w = two_committees
    admin = make_user(role="municipal_admin", municipality="Aarhus")
    c, actions = make_client()
    actions.login(admin.email)
    assert "Aarhus-udvalget" in c.get(f"/udvalg/{w.a.id}").get_data(as_text=True)
    assert c.get(f"/udvalg/{w.b.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_login(two_committees, client):
    w = two_committees
    for method, url in _b_urls(w) + [("get", "/udvalg/"), ("get", "/udvalg/nyt")]:
        response = getattr(client, method)(url, data={} if method == "post" else None)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"], url
        assert "Hemmelig" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Note)) == 1


def test_removed_participant_loses_access_to_notes(two_committees, make_client):
    w = two_committees
    bo = db.session.scalar(select(Participant).where(Participant.committee_id == w.b.id))
    chair_client, chair = make_client()
    chair.login(w.b.chairs[0].email)
    chair_client.post(f"/udvalg/{w.b.id}/deltagere/{bo.id}/fjern")
    for url in (f"/udvalg/{w.b.id}/pauser/{w.slot.id}", f"/noter/{w.note.id}/rediger"):
        response = w.b_client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = w.b_client.post(f"/udvalg/{w.b.id}/pauser/{w.slot.id}/noter", data={
        "body": "Efter fjernelse", "tasks": [w.event.tasks[0].id],
        "client_key": uuid.uuid4().hex})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Note)) == 1
    # The note Bo wrote stays with the committee, under his name.
    assert "Bo fra Odense" in chair_client.get(f"/udvalg/{w.b.id}/pauser/{w.slot.id}").get_data(
        as_text=True)


def test_htmx_requests_without_session_send_the_browser_to_login(two_committees, client):
    """htmx follows redirects inside the page: a poll must not swap the login page into the list."""
    w = two_committees
    for method, url in [("get", f"/udvalg/{w.b.id}/pauser/{w.slot.id}/noter"),
                        ("post", f"/udvalg/{w.b.id}/pauser/{w.slot.id}/noter"),
                        ("get", "/udvalg/nyt")]:
        response = getattr(client, method)(url, headers=HX)
        assert response.status_code == 200, url
        assert "/login" in response.headers["HX-Redirect"]
        assert "Location" not in response.headers
        assert response.get_data() == b""
