"""What the break screen says: the countdown's spoken words, where the questions sit, and that
the contribution has gone to KL (with what that means for notes and choices made now)."""

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from delib.extensions import db
from delib.models import Note
from delib.services import contribution, submissions
from tests.conftest import HX, text_of
from tests.fixtures.committee import CHAIR_EMAIL

ONE_MINUTE_MSGID = "%(num)d minut tilbage af pausen"


@pytest.fixture
def member(scene, client, auth):
    """A participant of the scene's committee, signed in."""
    assert auth.join(scene.committee, name="Ulla").status_code == 302
    return client


def break_url(scene, slot=None):
    slot = slot or scene.committee.event.slots[1]
    return f"/udvalg/{scene.committee.id}/pauser/{slot.id}"


def spoken(html: str) -> dict[str, str]:
    """The countdown's milestone announcements, by seconds left ("600", "60", "over")."""
    return {key: unescape(value)
            for key, value in re.findall(r'data-countdown-say-(\w+)="([^"]*)"', html)}


def test_countdown_says_1_minut_in_the_singular_and_minutter_in_the_plural(scene, member):
    html = member.get(break_url(scene)).get_data(as_text=True)
    words = spoken(html)
    assert words["600"] == "10 minutter tilbage af pausen"
    assert words["300"] == "5 minutter tilbage af pausen"
    assert words["60"] == "1 minut tilbage af pausen"
    # Once the break is over the spoken line says so, instead of keeping the last time left.
    assert words["over"].startswith("Pausen er slut")
    assert "1 minutter" not in html


def _english_catalog_has(msgid: str) -> bool:
    from pathlib import Path

    import delib

    po = Path(delib.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        message = read_po(handle).get(msgid)
    return bool(message and all(message.string))


def test_countdown_in_english_has_a_singular_too(scene, member):
    if not _english_catalog_has(ONE_MINUTE_MSGID):
        pytest.skip("the English catalog has no translation of the countdown yet (make messages)")
    member.post("/sprog", data={"lang": "en"})
    words = spoken(member.get(break_url(scene)).get_data(as_text=True))
    assert words["60"].startswith("1 ") and words["600"].startswith("10 ")
    assert "minute " in words["60"] and "minutes" in words["600"]
    assert "minut tilbage" not in words["60"]


def test_the_note_field_comes_before_the_questions_and_the_notes(scene, member):
    html = member.get(break_url(scene)).get_data(as_text=True)
    field, questions, notes = (html.index(marker) for marker in (
        'id="note-form"', 'id="questions-heading"', 'id="notes-heading"'))
    assert field < questions < notes
    # The chosen talk's (talk 2's) questions are there to be read.
    assert "Oplæg 2:" in text_of(member.get(break_url(scene)))


def test_break_screen_says_the_contribution_went_to_kl_and_what_new_notes_do(scene, member,
                                                                              make_client):
    before = text_of(member.get(break_url(scene)))
    assert "sendt til KL" not in before

    submissions.submit(scene.committee, scene.chair, False, True)
    db.session.commit()
    after = text_of(member.get(break_url(scene)))
    assert "Udvalgets bidrag er sendt til KL (version 1," in after
    assert ("Noter, I skriver nu, gemmes her, men kommer kun med i en ny version, hvis "
            "formanden genåbner bidraget.") in after

    # And so it is: a note written now is saved, and version 1 stays as it was sent.
    page = member.get(break_url(scene)).get_data(as_text=True)
    key = re.search(r'name="client_key"[^>]*value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    task = scene.task(3)
    response = member.post(f"{break_url(scene)}/noter", headers=HX, data={
        "body": "Efter indsendelse: PPR-ventetider op på næste BUU", "tasks": [str(task.id)],
        "client_key": key, **({"csrf_token": csrf.group(1)} if csrf else {})})
    assert response.status_code == 201
    assert db.session.scalar(select(Note).where(Note.body.startswith("Efter indsendelse")))
    latest = contribution.latest_submission(scene.committee)
    assert latest.version == 1
    assert all("Efter indsendelse" not in n.body for n in latest.notes)

    submissions.reopen(scene.committee, scene.chair)
    db.session.commit()
    reopened = text_of(member.get(break_url(scene)))
    assert "sendt til KL (version" not in reopened
    assert "Formanden har genåbnet bidraget. KL ser version 1" in reopened
    assert "noter, I skriver nu, kan komme med i den" in reopened


def test_choose_page_says_the_contribution_went_to_kl(scene, member, make_client):
    url = f"/udvalg/{scene.committee.id}/valg"
    assert "sendt til KL" not in text_of(member.get(url))
    submissions.submit(scene.committee, scene.chair, False, True)
    db.session.commit()
    page = text_of(member.get(url))
    assert "Udvalgets bidrag er sendt til KL (version 1," in page
    assert ("Ændrer I valget nu, kommer det kun med i en ny version, hvis formanden genåbner "
            "bidraget.") in page
    # The chair sees it too.
    chair, chair_auth = make_client()
    assert chair_auth.login(CHAIR_EMAIL).status_code == 302
    assert "sendt til KL (version 1," in text_of(chair.get(url))
