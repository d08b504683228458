"""KL's filters (delib/forms/kl.py): the event's choices, a Danish message per refused value,
and paging that shrugs off nonsense."""

import pytest
from werkzeug.datastructures import MultiDict

from delib.forms.kl import FilterForm, parse_filters
from delib.tasks.demo import NoteSpec, make_submission
from tests.conftest import text_of


def test_every_filter_is_checked_against_the_event(app, event):
    task, talk, slot = event.tasks[1], event.talks[0], event.slots[0]
    f = parse_filters(event, {
        "task": f" {task.id} ", "talk": str(talk.id), "slot": str(slot.id), "region": "1084",
        "municipality": "751", "size": "island", "key_points": "on"})
    assert f.errors == []
    assert (f.task_id, f.talk_id, f.slot_id, f.region_code, f.municipality_code,
            f.size_group, f.key_points) == (task.id, talk.id, slot.id, 1084, 751, "island", True)
    assert f.message_id is None and f.theme_meeting_id is None


def test_each_refused_value_has_its_danish_message_in_order(app, event):
    f = parse_filters(event, MultiDict({
        "size": "kæmpe", "municipality": "9999", "region": "abc", "slot": "-1",
        "theme_meeting": "1.5", "talk": "99999", "message": "x", "task": "²"}))
    assert f.errors == [
        "Den valgte opgave findes ikke.", "Det valgte budskab findes ikke.",
        "Det valgte oplæg findes ikke.", "Det valgte temamøde findes ikke.",
        "Den valgte pause findes ikke.", "Den valgte region findes ikke.",
        "Den valgte kommune findes ikke.", "Den valgte størrelsesgruppe findes ikke."]
    # What was refused narrows nothing.
    assert f.as_args() == {}


def test_another_events_task_is_refused(app, event):
    other = max(t.id for t in event.tasks) + 1
    f = parse_filters(event, {"task": str(other)})
    assert f.task_id is None and f.errors == ["Den valgte opgave findes ikke."]


@pytest.mark.parametrize("value", ["", "0", "false", "nej"])
def test_key_points_only_for_yes(app, event, value):
    assert parse_filters(event, {"key_points": value}).key_points is False


@pytest.mark.parametrize(("raw", "page"), [
    ("3", 3), ("", 1), ("abc", 1), ("0", 1), ("-2", 1), ("99999", 99999), ("100000", 1)])
def test_page_number_falls_back_to_the_first_page(app, event, raw, page):
    assert FilterForm.for_event(event, {"page": raw}).page_number() == page


@pytest.mark.parametrize(("raw", "per_page"), [("10", 10), ("", 100), ("0", 100),
                                               ("x", 100), ("9999", 500)])
def test_per_page_has_a_default_and_a_ceiling(app, event, raw, per_page):
    assert FilterForm.for_event(event, {"per_page": raw}).per_page_number(100, 500) == per_page


def test_search_text_is_cleaned_and_cut(app, event):
    form = FilterForm.for_event(event, {"q": "  fravær\x00\u202e " + "x" * 300})
    assert form.q.data.startswith("fravær") and "\x00" not in form.q.data
    assert len(form.q.data) == 200


def test_drill_down_pages_through_the_notes(kl_client, event, make_committee):
    committee = make_committee(municipality="Aarhus")
    make_submission(committee, [NoteSpec(f"Note nr. {i:02d} om fravær", tasks=[event.tasks[0]])
                                for i in range(53)])
    first = text_of(kl_client.get("/kl/noter"))
    assert "53 noter" in first and "Side 1 af 2" in first and "Note nr. 00" in first
    second = text_of(kl_client.get("/kl/noter?page=2"))
    assert "Side 2 af 2" in second and "Note nr. 52" in second and "Note nr. 00" not in second
    # Nonsense is the first page, and a page past the end is empty, not an error.
    assert "Side 1 af 2" in text_of(kl_client.get("/kl/noter?page=abc"))
    beyond = kl_client.get("/kl/noter?page=7")
    assert beyond.status_code == 200 and "Note nr." not in text_of(beyond)
