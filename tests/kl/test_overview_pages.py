"""KL's overview pages: who gets in, what they see (submitted only, latest only), drill-down."""

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Municipality, Note
from delib.tasks.demo import NoteSpec, make_submission
from tests.conftest import HX, plant_session, text_of


@pytest.fixture
def contributions(event, make_committee):
    """Aarhus submitted twice (only v2 counts), Læsø once, Odense has only a draft note."""
    t1, t2 = event.tasks[0], event.tasks[1]
    talk = event.talks[0]
    slot_talk = next(s for s in event.slots if s.focus == "talk")
    aarhus = make_committee(municipality="Aarhus")
    make_submission(aarhus, [NoteSpec("Gammel version om fritidsklubber", tasks=[t1])])
    make_submission(aarhus, [
        NoteSpec("Vi skal mindske fraværet i udskolingen", tasks=[t1], talk_id=talk.id,
                 slot_id=slot_talk.id, key_point=True),
        NoteSpec("Fælles ledelsesforum for skoler og dagtilbud", tasks=[t2],
                 messages=[event.messages[0]]),
    ], summaries=[(t1, None, "Aarhus vil genbesøge politikken")])
    laeso = make_committee(municipality="Læsø")
    make_submission(laeso, [NoteSpec("Skolefravær er vores største udfordring", tasks=[t1])])
    odense = make_committee(municipality="Odense")
    db.session.add(Note(committee=odense, client_key="k1", author_name="Ole",
                        body="KLADDE: hemmeligt udkast fra Odense"))
    db.session.commit()
    return {"aarhus": aarhus, "laeso": laeso, "odense": odense}


def test_anonymous_is_sent_to_login(client):
    response = client.get("/kl/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["chair", "municipal_admin"])
def test_municipal_staff_get_403(role, make_user, make_client):
    make_user(role=role, email="x@aarhus.dk")
    client, actions = make_client()
    actions.login("x@aarhus.dk")
    for path in ("/kl/", "/kl/noter", "/kl/kommuner", "/kl/eksport"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "adgang" in text_of(response)


def test_participant_gets_403(make_committee, make_client):
    committee = make_committee()
    client, actions = make_client()
    actions.join(committee, "Deltager")
    assert client.get("/kl/").status_code == 403


def test_kl_admin_gets_in_and_sees_nav_link(make_user, make_client):
    admin = make_user(role="kl_admin", email="admin@kl.dk", municipality=None)
    client, _actions = make_client()
    # KL admins sign in with a second factor; that flow is tested elsewhere.
    plant_session(client, admin)
    response = client.get("/kl/")
    assert response.status_code == 200
    assert "KL-overblik" in text_of(response)


def test_overview_counts_submitted_latest_only(kl_client, contributions):
    page = text_of(kl_client.get("/kl/"))
    # 3 committees, 1 with a draft note (Odense), 2 submitted, 3 submitted notes (v2 + Læsø).
    assert "Kommuner med et udvalg 3 af 98" in page
    assert "Kommuner der har indsendt 2 af 98" in page
    assert "Indsendte noter 3" in page
    assert "Region Midtjylland" in page and "Ø-kommuner" in page


def test_overview_has_matrices_with_numbers_and_bars(kl_client, contributions, event):
    response = kl_client.get("/kl/")
    html = response.get_data(as_text=True)
    assert "Opgaver og politiske oplæg" in html
    assert 'class="bar w-100"' in html  # the fullest cell
    assert "style=" not in html  # CSP: no inline styles
    page = text_of(response)
    assert "Oplæg 1" in page and "Temamøde 5" in page and "Budskab 1" in page


def test_matrix_cells_say_one_note_and_several_notes_in_proper_danish(kl_client, contributions):
    html = kl_client.get("/kl/").get_data(as_text=True)
    # Task 2 has one note from one municipality; task 1 has two from two (Aarhus v2, Læsø).
    assert ">1 note</a>" in html and ">1 kommune</span>" in html
    assert ">2 noter</a>" in html and ">2 kommuner</span>" in html
    assert "1 noter" not in html and "1 kommuner" not in html
    caption = text_of(kl_client.get("/kl/kommuner"))
    assert "98 kommuner" in caption


def test_drafts_never_reach_kl(kl_client, contributions):
    for path in ("/kl/", "/kl/noter", "/kl/noter?q=hemmeligt", "/kl/kommuner"):
        assert "hemmeligt udkast" not in kl_client.get(path).get_data(as_text=True)
    assert "Gammel version" not in kl_client.get("/kl/noter").get_data(as_text=True)


def test_municipalities_page_shows_each_state(kl_client, contributions):
    page = text_of(kl_client.get("/kl/kommuner"))
    assert "98 kommuner" in page
    # committee, notes written, not submitted
    assert "Odense Region Syddanmark Over 50.000 indbyggere Ja Ja Nej 0" in page
    assert "Læsø Region Nordjylland Ø-kommuner Ja Nej Ja" in page
    page = text_of(kl_client.get("/kl/kommuner?size=island"))
    assert "4 kommuner" in page and "Læsø" in page and "Aarhus" not in page


def test_drill_down_filters(kl_client, contributions, event):
    t1 = event.tasks[0]
    page = text_of(kl_client.get(f"/kl/noter?task={t1.id}"))
    assert "2 noter" in page
    assert "fraværet i udskolingen" in page and "Skolefravær er vores" in page
    assert "Aarhus vil genbesøge politikken" in page  # the summary for the task
    nordjylland = db.session.scalar(select(Municipality).where(Municipality.name == "Læsø"))
    page = text_of(kl_client.get(f"/kl/noter?region={nordjylland.region_code}"))
    assert "1 note ·" in page and "Læsø" in page and "udskolingen" not in page
    page = text_of(kl_client.get(f"/kl/noter?talk={event.talks[0].id}"))
    assert "1 note ·" in page and "udskolingen" in page
    page = text_of(kl_client.get("/kl/noter?key_points=1"))
    assert "1 note" in page
    page = text_of(kl_client.get("/kl/noter?size=over_50000"))
    assert "2 noter" in page and "udskolingen" in page and "Skolefravær er vores" not in page
    page = text_of(kl_client.get("/kl/noter?size=under_50000"))
    assert "0 noter" in page


def test_bad_filter_gives_danish_message(kl_client, contributions):
    response = kl_client.get("/kl/noter?task=99999&region=abc")
    assert response.status_code == 200
    page = text_of(response)
    assert "Den valgte opgave findes ikke." in page
    assert "Den valgte region findes ikke." in page


def test_search_finds_inflections_and_compounds(kl_client, contributions):
    page = text_of(kl_client.get("/kl/noter?q=fravær"))
    assert "2 noter" in page
    html = kl_client.get("/kl/noter?q=fravær").get_data(as_text=True)
    assert "<mark>fraværet</mark>" in html and "<mark>Skolefravær</mark>" in html


def test_search_partial_for_htmx(kl_client, contributions):
    response = kl_client.get("/kl/noter?q=ledelsesforum", headers=HX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<mark>ledelsesforum</mark>" in html
    assert "HX-Request" in response.headers["Vary"]


def test_xss_in_note_stays_escaped(kl_client, event, make_committee):
    committee = make_committee(municipality="Vejle")
    make_submission(committee, [NoteSpec(
        '<script>alert(1)</script> <div hx-get="/x" hx-trigger="load">fravær</div>',
        tasks=[event.tasks[0]])])
    db.session.commit()
    html = kl_client.get("/kl/noter?q=fravær").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert '<div hx-get="/x"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>fravær</mark>" in html


def test_task_page_shows_themes_summaries_and_actions(kl_client, event, make_committee):
    t1 = event.tasks[0]
    for name in ("Aarhus", "Odense", "Vejle"):
        committee = make_committee(municipality=name)
        make_submission(committee, [
            NoteSpec("Skolefraværet skal ned gennem tidlig opsporing af fravær", tasks=[t1]),
            NoteSpec("Forældresamarbejde om fravær og trivsel i udskolingen", tasks=[t1]),
        ], summaries=[(t1, None, f"{name}: vi prioriterer fraværet")],
            actions=[(t1, "Fraværsplan for alle skoler", "Skolechefen", "planned")])
    db.session.commit()
    page = text_of(kl_client.get(f"/kl/opgaver/{t1.id}"))
    assert "Tilbagevendende temaer" in page
    assert "fravær" in page.lower()
    assert "Odense: vi prioriterer fraværet" in page
    assert "Fraværsplan for alle skoler" in page and "Planlagt" in page


def test_task_of_other_event_is_404(kl_client):
    assert kl_client.get("/kl/opgaver/99999").status_code == 404


def test_demo_data_is_marked(kl_client, runner, event):
    result = runner.invoke(args=["seed-national-demo", "--notes", "300"])
    assert result.exit_code == 0, result.output
    assert "DEMO" in result.output
    page = text_of(kl_client.get("/kl/"))
    assert "DEMO" in page and "genererede demodata" in page
    assert "DEMO" in text_of(kl_client.get("/kl/kommuner"))


def test_overview_query_count_is_bounded(kl_client, app, runner, event):
    from sqlalchemy import event as sa_event

    runner.invoke(args=["seed-national-demo", "--notes", "400"])
    counts = []

    def count(*args, **kwargs):
        counts.append(1)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        kl_client.get("/kl/")
        first = len(counts)
        counts.clear()
        runner.invoke(args=["seed-national-demo", "--notes", "1200", "--seed", "7"])
        counts.clear()
        kl_client.get("/kl/")
        second = len(counts)
        counts.clear()
        kl_client.get("/kl/noter")
        drill = len(counts)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert first == second  # independent of the number of notes
    assert first < 40
    assert drill < 25


def test_a_second_event_keeps_its_links(kl_client, contributions, event):
    from delib.services.programme import import_programme, read_programme_file

    text = read_programme_file("butm2021.toml").replace('slug = "butm2021"', 'slug = "butm2099"')
    text = text.replace("2021-01-28", "2099-01-28").replace(
        "KL's Børn & Unge Topmøde 2021\"", "KL's Børn & Unge Topmøde 2099\"")
    import_programme(text)
    db.session.commit()
    # The current event is the coming one (2099), which has no contributions yet.
    assert "Indsendte noter 0" in text_of(kl_client.get("/kl/"))
    html = kl_client.get("/kl/?event=butm2021").get_data(as_text=True)
    assert "Indsendte noter 3" in text_of(kl_client.get("/kl/?event=butm2021"))
    assert "/kl/noter?event=butm2021" in html and "/kl/kommuner?event=butm2021" in html
    assert 'href="/kl/?event=butm2099"' in html
    page = text_of(kl_client.get(f"/kl/noter?event=butm2021&task={event.tasks[0].id}"))
    assert "2 noter" in page
    assert kl_client.get("/kl/?event=nope").status_code == 404


def test_demo_can_be_replaced_and_removed_without_touching_real_data(runner, kl_client,
                                                                     contributions):
    assert runner.invoke(args=["seed-national-demo", "--notes", "200"]).exit_code == 0
    again = runner.invoke(args=["seed-national-demo", "--notes", "100", "--seed", "9"])
    assert again.exit_code == 0 and "tidligere demo-udvalg blev erstattet" in again.output
    page = text_of(kl_client.get("/kl/"))
    assert "Indsendte noter 103" in page  # 100 demo + the 3 real ones
    removed = runner.invoke(args=["remove-national-demo"])
    assert removed.exit_code == 0 and "demo-udvalg slettet" in removed.output
    page = text_of(kl_client.get("/kl/"))
    assert "Indsendte noter 3" in page and "DEMO" not in page
    assert "2 noter" in text_of(kl_client.get("/kl/noter?q=fravær"))  # index rebuilt
    rebuilt = runner.invoke(args=["rebuild-search-index"])
    # Every stored version is indexed; the join to the latest version filters at query time.
    assert rebuilt.exit_code == 0 and "4 noter" in rebuilt.output


def test_thousands_groups_digits_like_babel_in_each_language(app):
    from flask_babel import force_locale, format_decimal

    from delib.blueprints.kl import _thousands

    values = [0, 7, 999, 1000, 20000, 123456, 1234567, 10**12 + 5]
    with app.test_request_context("/"):
        with force_locale("da"):
            assert _thousands(20000) == "20.000"
            assert _thousands(None) == "0"
        with force_locale("en"):
            assert _thousands(20000) == "20,000"
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                for value in [*values, -4500, 12.6]:
                    assert _thousands(value) == format_decimal(value, format="#,##0"), value


def test_overview_shows_a_new_submission_at_once(kl_client, contributions, make_committee, event):
    assert "Indsendte noter 3" in text_of(kl_client.get("/kl/"))
    make_submission(make_committee(municipality="Vejle"), [
        NoteSpec(f"Vejle: punkt {i}", tasks=[event.tasks[2]]) for i in range(1200)])
    db.session.commit()
    page = text_of(kl_client.get("/kl/"))
    assert "Indsendte noter 1.203" in page
    assert "Kommuner der har indsendt 3 af 98" in page
    assert "1.200 noter" in page  # task 3's row total, with Danish thousands


def test_production_app_prepares_the_overview_before_a_worker_is_forked(tmp_path):
    """gunicorn forks its workers from the master: the master compiles and loads once."""
    import os
    import warnings

    from delib import create_app
    from delib.blueprints.kl import OVERVIEW_TEMPLATES, warm_up

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    assert not app.testing and "delib_warm" not in app.extensions

    def compiled():
        return {key[1] for key in app.jinja_env.cache.keys()} & set(OVERVIEW_TEMPLATES)

    assert not compiled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # the "worker": nothing to do here
        os._exit(0)
    os.waitpid(pid, 0)
    assert app.extensions["delib_warm"] is True
    assert compiled() == set(OVERVIEW_TEMPLATES)
    warm_up(app)  # again: nothing to do
    assert compiled() == set(OVERVIEW_TEMPLATES)
