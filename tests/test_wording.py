"""Small things a user notices in the wording: a count of one is singular ("1 gang", "1 note"),
the chair and KL call a key point by one word, and a submitted version is never called a draft."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Submission
from delib.services import DomainError, actions, submissions
from delib.services.actions import ActionInput
from delib.services.notes import curation
from delib.tasks.retention import held_until, purge_event
from tests.conftest import text_of
from tests.fixtures.committee import edit_form
from tests.fixtures.committee import review_url as url

ROOT = Path(__file__).parent.parent / "delib"


def _one_of_each(scene):
    """One edit of one note, one action; the other three notes hidden: counts of one."""
    committee, chair = scene.committee, scene.chair
    for key in ("dialogue", "school", "absence"):
        curation.hide_note(committee, scene.notes[key], chair, "Står i en anden note")
    actions.create_action(committee, chair, ActionInput(
        scene.task(1).id, "Dialogmøde m. skoleledere om BU-politikken", "Skolechefen",
        date(2026, 6, 15), "planned"))
    db.session.commit()


# ---------------------------------------------------------------- counts of one


def test_a_count_of_one_is_singular_in_review_approve_and_versions(scene, chair_client):
    _one_of_each(scene)
    note = scene.notes["policy"]
    chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                      data=edit_form(scene, note, "BU-politikken skal give mening for lederne",
                                     [1], [1]))
    review = text_of(chair_client.get(url(scene)))
    assert re.search(r"redigeret 1 gang\b", review) and "1 gange" not in review
    assert "1 note er med i bidraget." in review

    approve = text_of(chair_client.get(url(scene, "/godkend")))
    assert "1 godkendt note" in approve and "1 godkendte noter" not in approve
    assert "1 opfølgende handling" in approve and "1 opfølgende handlinger" not in approve

    submissions.submit(scene.committee, scene.chair, show_authors=False,
                       privacy_acknowledged=True)
    db.session.commit()
    versions = text_of(chair_client.get(url(scene, "/versioner")))
    assert "1 note, 0 resuméer, 1 handling" in versions


def test_twice_is_still_plural(scene, chair_client):
    note = scene.notes["policy"]
    for body in ("Politikken skal give mening", "Politikken skal give mening for lederne"):
        chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                          data=edit_form(scene, note, body, [1], [1]))
        db.session.refresh(note)
    assert "redigeret 2 gange" in text_of(chair_client.get(url(scene)))


def test_no_template_counts_with_a_fixed_plural():
    """A count next to a plural noun goes through ngettext (the catalogs have the singular)."""
    nouns = r"(gange|noter|handlinger|resuméer|dage|deltagere|temamøder)"
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("**/*.py")]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?<![n\w])_l?\(\s*\"([^\"]*)\"", text):
            msgid = match.group(1)
            if re.search(r"%\(\w+\)d " + nouns + r"\b", msgid) and "højst" not in msgid \
                    and not msgid.startswith("De %(n)d"):
                offenders.append(f"{path.relative_to(ROOT)}: {msgid}")
    assert offenders == []


# ---------------------------------------------------------------- one word for a key point


def test_key_point_is_one_word_for_the_chair_and_for_kl():
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("**/*.py"),
                 *(ROOT.parent / "docs").glob("*.md"), ROOT.parent / "README.md"]:
        assert "hovedpointe" not in path.read_text(encoding="utf-8").lower(), path


def test_kl_filters_and_tags_key_points_by_that_word(scene, make_user, make_client):
    curation.set_key_point(scene.committee, scene.notes["school"], scene.chair, True)
    db.session.commit()
    submissions.submit(scene.committee, scene.chair, show_authors=False,
                       privacy_acknowledged=True)
    db.session.commit()
    make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    kl, kl_actions = make_client()
    kl_actions.login("analytiker@kl.dk")
    page = text_of(kl.get("/kl/noter"))
    assert "Kun nøglepunkter" in page and "Nøglepunkt" in page
    only = text_of(kl.get("/kl/noter?key_points=1"))
    assert scene.notes["school"].body in only and scene.notes["policy"].body not in only
    assert "Kun nøglepunkter" in only


# ---------------------------------------------------------------- a submitted version is no draft


def test_review_links_name_the_submitted_version_not_a_draft(scene, chair_client):
    submissions.submit(scene.committee, scene.chair, show_authors=False,
                       privacy_acknowledged=True)
    db.session.commit()
    submission = db.session.scalar(select(Submission))
    html = chair_client.get(url(scene)).get_data(as_text=True)
    links = re.search(r'<p class="report-links">(.*?)</p>', html, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", links).split())
    assert "udkast" not in text.lower()
    when = submission.submitted_at.replace(tzinfo=None)
    assert "Rapport, version 1 indsendt" in text and when.strftime("%Y") in text
    assert re.search(r"indsendt \d\d\.\d\d\.\d{4} kl\. \d\d\.\d\d:", text)
    assert "Udskriftsvenlig side (version 1)" in text and "Word (version 1)" in text
    assert "udkast=1" not in links and "version=1" in links

    submissions.reopen(scene.committee, scene.chair)
    db.session.commit()
    html = chair_client.get(url(scene)).get_data(as_text=True)
    links = re.search(r'<p class="report-links">(.*?)</p>', html, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", links).split())
    # Reopened: the working copy is the draft, and the submitted version keeps its own name.
    assert "Udskriftsvenlig side (udkast)" in text and "Word (udkast)" in text
    assert re.search(r"Indsendt version 1 \(\d\d\.\d\d\.\d{4} kl\. \d\d\.\d\d\)", text)
    assert url(scene, "/versioner/1") in links


def test_the_retention_refusal_counts_one_day_in_the_singular(event):
    with pytest.raises(DomainError) as refused:
        purge_event(event, 30, today=held_until(event) + timedelta(days=1))
    assert "blev holdt for 1 dag siden" in refused.value.message
    assert "der er gået 30 dage." in refused.value.message
