"""The chair's review page: who may see it, how it groups the notes, that it never destroys
anything, that it does not query per note, and that hostile form input changes nothing."""

import re

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    Action,
    NoteRevision,
    SubmissionAction,
    SubmissionNote,
    SubmissionSummary,
    Summary,
)
from delib.services import contribution, review, submissions
from delib.services.notes import curation
from tests.conftest import text_of
from tests.fixtures.committee import note_count, post
from tests.fixtures.committee import review_url as url

# ---------------------------------------------------------------- access


def test_review_needs_a_chair_of_the_committee(scene, client, auth, make_client, make_user):
    assert client.get(url(scene)).status_code == 302  # to the login page

    participant_client, participant_auth = make_client()
    participant_auth.join(scene.committee, name="Deltager")
    assert participant_client.get(url(scene)).status_code == 403
    assert participant_client.post(url(scene, "/godkend")).status_code == 403
    assert participant_client.get(url(scene, "/rapport.docx")).status_code == 403

    make_user(email="formand@odense.dk", municipality="Odense")
    other_client, other_auth = make_client()
    other_auth.login("formand@odense.dk")
    response = other_client.get(url(scene))
    assert response.status_code == 403
    assert "Du har ikke adgang" in text_of(response)


def test_review_screen_groups_by_task_then_break_and_subject(scene, chair_client):
    response = chair_client.get(url(scene))
    assert response.status_code == 200
    page = text_of(response)
    task1 = page.index("Opgave 1:")
    task2 = page.index("Opgave 2:")
    task3 = page.index("Opgave 3:")
    # Both lunch notes sit under task 1, in the lunch break's group, with author and time.
    lunch = page.index("Frokost og kommunale drøftelser", task1)
    assert task1 < lunch < page.index("Børne- og ungepolitikken skal give mening", lunch) < task2
    assert "Bo Deltager" in page
    assert re.search(r"Bo Deltager · \d{1,2}\. \w+\.? kl\. \d\d\.\d\d", page)
    # The talk break's note is grouped under the chosen talk.
    assert page.index("Oplæg 2:", task2) < page.index("Rammerne for skolelederne", task2) < task3
    # A note mapped to tasks 3 and 4 appears under both, under its theme meeting.
    absence_under_3 = page.index("Fravær skal opdages", task3)
    assert page.index("Temamøde 5:", task3) < absence_under_3
    assert page.index("Fravær skal opdages", page.index("Opgave 4:")) > absence_under_3


def test_group_notes_orders_breaks_by_programme_time(scene):
    groups = review.group_notes(list(reversed(contribution.approved_notes(scene.committee))))
    assert [g.slot.key for g in groups] == ["frokost", "politisk-oplaeg", "temamoeder"]
    assert groups[2].subject.startswith("Temamøde 5")

def test_review_never_destroys_notes_or_revisions(scene, chair_client):
    before_notes, before_revisions = note_count(), db.session.scalar(
        select(func.count(NoteRevision.id)))
    a, b, c = scene.notes["policy"], scene.notes["dialogue"], scene.notes["school"]
    curation.merge_notes(scene.committee, [a, b], scene.chair, "", 4000)
    curation.hide_note(scene.committee, c, scene.chair, "Dublet")
    submissions.submit(scene.committee, scene.chair, False, True)
    submissions.reopen(scene.committee, scene.chair)
    curation.restore_note(scene.committee, c, scene.chair)
    submissions.submit(scene.committee, scene.chair, False, True)
    db.session.commit()
    assert note_count() == before_notes + 1
    assert db.session.scalar(select(func.count(NoteRevision.id))) == before_revisions + 1
    assert db.session.scalar(select(func.count(SubmissionNote.id))) == 2 + 3
    assert db.session.scalar(select(func.count(SubmissionSummary.id))) == 0
    assert db.session.scalar(select(func.count(SubmissionAction.id))) == 0
    assert db.session.scalar(select(func.count(Summary.id))) == 0


def _queries(client, path):
    from sqlalchemy import event as sa_event

    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def test_review_pages_do_not_query_per_note(scene, chair_client):
    """The number of SQL queries stays flat as notes are added (no query per row)."""
    submissions.submit(scene.committee, scene.chair, True, True)
    submissions.reopen(scene.committee, scene.chair)
    db.session.commit()
    paths = ["", "/godkend", "/rapport?udkast=1", "/versioner/1", "/versioner"]
    before = [_queries(chair_client, url(scene, p)) for p in paths]
    slots = scene.committee.event.slots
    for i in range(24):
        post(scene.committee, slots[i % 3], scene.participant, f"Note nummer {i}", [1 + i % 4],
             [1 + i % 3])
    submissions.submit(scene.committee, scene.chair, True, True)
    db.session.commit()
    paths[3] = "/versioner/2"
    after = [_queries(chair_client, url(scene, p)) for p in paths]
    assert all(a - b <= 3 for a, b in zip(after, before, strict=True)), (before, after)


@pytest.mark.parametrize("path, data, message", [
    ("/noter/{note}/rediger", {"body": "x", "tasks": ["{task}"], "version": "abc"},
     "mangler notens version"),
    ("/noter/{note}/rediger", {"body": "x", "tasks": ["abc"], "version": "{version}"},
     "Et af valgene er ugyldigt"),
    ("/noter/{note}/skjul", {"reason": "x" * 501, "version": "{version}"},
     "Begrundelsen er for lang"),
    ("/resume/opgave/{task}", {"body": "x", "version": "abc"}, "mangler resuméets version"),
    ("/saml", {"notes": ["abc", "{note}"], "body": ""}, "Vælg mindst to noter"),
    ("/handlinger/ny", {"task": "abc", "title": "x", "status": "planned"},
     "Vælg hvilken af de fire opgaver"),
    ("/handlinger/ny", {"task": "{task}", "title": "\x00\x01", "status": "planned"},
     "Skriv hvad der skal gøres"),
])
def test_hostile_form_input_is_refused_in_danish_and_changes_nothing(scene, chair_client, path,
                                                                       data, message):
    note = scene.notes["school"]
    values = {"note": note.id, "task": scene.task(2).id, "version": note.version}

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value.format(**values)

    before = (note.body, note.version, note.hidden_at, db.session.scalar(
        select(func.count(Summary.id))), db.session.scalar(select(func.count(Action.id))),
        note_count())
    response = chair_client.post(url(scene, fill(path)),
                                 data={k: fill(v) for k, v in data.items()})
    assert response.status_code == 422
    assert message in text_of(response)
    db.session.expire_all()
    assert before == (note.body, note.version, note.hidden_at, db.session.scalar(
        select(func.count(Summary.id))), db.session.scalar(select(func.count(Action.id))),
        note_count())
