"""The chair's summaries of tasks and messages, and their conflicts."""



from werkzeug.wrappers import Response

from delib.extensions import db
from delib.models import (
    Summary,
)
from delib.services import summaries
from delib.services.notes import curation
from tests.conftest import text_of
from tests.fixtures.committee import post
from tests.fixtures.committee import review_url as url
from tests.test_queries import recorded_queries


def test_stale_summary_flush_is_a_409(scene, chair_client, concurrent_writer):
    summary = summaries.save_summary(scene.committee, scene.task(2), scene.chair, "Første", 0)
    db.session.commit()
    concurrent_writer(Summary, summary.id)
    response = chair_client.post(url(scene, f"/resume/opgave/{scene.task(2).id}"),
                                 data={"body": "Anden", "version": str(summary.version)})
    assert response.status_code == 409
    assert "gemt samtidig af en anden" in text_of(response)
    db.session.expire_all()
    assert summary.body == "Første"

# ---------------------------------------------------------------- summaries


def test_summary_per_task_and_conflict_on_simultaneous_edit(scene, chair_client, make_client,
                                                            make_user):
    task = scene.task(1)
    path = url(scene, f"/resume/opgave/{task.id}")
    assert "Resumé" in text_of(chair_client.get(path))
    second = make_user(email="sekretaer@aarhus.dk", name="Dorte Sekretær")
    scene.committee.chairs.append(second)
    db.session.commit()
    other, other_auth = make_client()
    other_auth.login("sekretaer@aarhus.dk")

    assert chair_client.post(path, data={"body": "Politikken skal give retning",
                                         "version": "0"}).status_code == 302
    late = other.post(path, data={"body": "Min egen opsummering", "version": "0"})
    assert late.status_code == 409
    page = text_of(late)
    assert "gemt af Anne Formand" in page
    assert "Politikken skal give retning" in page and "Min egen opsummering" in page
    summary = summaries.find_summary(scene.committee, task)
    assert summary.body == "Politikken skal give retning"

    ok = other.post(path, data={"body": "Min egen opsummering", "version": str(summary.version)})
    assert ok.status_code == 302
    db.session.expire_all()
    assert summary.body == "Min egen opsummering" and summary.updated_by_name == "Dorte Sekretær"
    assert "Min egen opsummering" in text_of(chair_client.get(url(scene)))


def test_summary_per_message_only_where_notes_exist(scene, chair_client):
    empty = chair_client.post(url(scene, f"/resume/budskab/{scene.message(2).id}"),
                              data={"body": "Noget", "version": "0"})
    assert empty.status_code == 422
    assert "ingen noter til dette budskab" in text_of(empty)
    ok = chair_client.post(url(scene, f"/resume/budskab/{scene.message(1).id}"),
                           data={"body": "Mere koordinering", "version": "0"})
    assert ok.status_code == 302
    assert summaries.find_summary(scene.committee, scene.message(1)).body == "Mere koordinering"
    blank = chair_client.post(url(scene, f"/resume/opgave/{scene.task(3).id}"),
                              data={"body": " ", "version": "0"})
    assert blank.status_code == 422 and "Resuméet er tomt" in text_of(blank)
    too_long = chair_client.post(url(scene, f"/resume/opgave/{scene.task(3).id}"),
                                 data={"body": "x" * 5001, "version": "0"})
    assert too_long.status_code == 422 and "for langt" in text_of(too_long)
    assert chair_client.get(url(scene, "/resume/opgave/9999")).status_code == 404


# ---------------------------------------------------------------- the notes beside the text box


def notes_beside(response) -> str:
    """The text of the editor's notes panel."""
    html = response.get_data(as_text=True)
    start = html.index('<aside class="summary-notes"')
    return text_of(Response(html[start:html.index("</aside>", start)]))


def test_the_editor_shows_the_notes_of_that_task(scene, chair_client):
    curation.set_key_point(scene.committee, scene.notes["dialogue"], scene.chair, True)
    db.session.commit()
    response = chair_client.get(url(scene, f"/resume/opgave/{scene.task(1).id}"))
    panel = notes_beside(response)
    assert "Noterne til opgaven (2)" in panel
    policy, dialogue = scene.notes["policy"].body, scene.notes["dialogue"].body
    assert policy in panel and dialogue in panel
    assert scene.notes["school"].body not in panel  # task 2's
    # The key point first, marked; each note says where and by whom.
    assert panel.index("Nøglepunkt") < panel.index(dialogue) < panel.index(policy)
    assert "Bo Deltager" in panel
    # The panel follows the text box in the page, so a phone shows it below.
    html = response.get_data(as_text=True)
    assert html.index('<textarea id="body"') < html.index('<aside class="summary-notes"')


def test_the_editor_leaves_out_hidden_notes_and_shows_a_messages_notes(scene, chair_client):
    curation.hide_note(scene.committee, scene.notes["policy"], scene.chair, "Gentagelse",
                       scene.notes["policy"].version)
    db.session.commit()
    panel = notes_beside(chair_client.get(url(scene, f"/resume/opgave/{scene.task(1).id}")))
    assert scene.notes["policy"].body not in panel and scene.notes["dialogue"].body in panel
    message = notes_beside(chair_client.get(url(scene, f"/resume/budskab/{scene.message(3).id}")))
    assert "Noterne til budskabet (1)" in message and scene.notes["school"].body in message
    empty = notes_beside(chair_client.get(url(scene, f"/resume/budskab/{scene.message(2).id}")))
    assert "Ingen noter i bidraget er koblet til budskabet endnu." in empty


def test_the_notes_beside_cost_no_query_per_note(app, scene, chair_client):
    path = url(scene, f"/resume/opgave/{scene.task(4).id}")

    def queries() -> int:
        with app.app_context(), recorded_queries(app) as statements:
            chair_client.get(path)
        return sum(1 for s, _p in statements if s.lstrip().upper().startswith("SELECT"))

    few = queries()
    for i, body in enumerate(["Fravær: tidlig opsporing via SSP", "AKT-vejleder på alle skoler?",
                              "UU + FGU skal med fra 8. kl.", "Forældresamarbejde – mere tidligt",
                              "PPR har for lang ventetid"]):
        post(scene.committee, scene.committee.event.slots[i % 3], scene.participant, body, [4])
    panel = notes_beside(chair_client.get(path))
    assert "Noterne til opgaven (6)" in panel and "PPR har for lang ventetid" in panel
    assert queries() == few

