"""Personal data: the detector, the privacy page, retention, and a person's export and deletion."""

import json
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    AuditEntry,
    Note,
    NoteRevision,
    Participant,
    Submission,
    SubmissionNote,
    User,
    utcnow,
)
from delib.services import DomainError
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services.audit import record
from delib.services.notes import NoteInput
from delib.services.persons import delete_person, export_person, find_person
from delib.services.privacy import first_names, flag_personal_data, mask
from delib.tasks.retention import ANONYMOUS, held_until, purge_event
from tests.conftest import HX, plant_session, text_of

ROOT = Path(__file__).resolve().parent.parent


def kinds(text):
    return [(f.kind, f.text) for f in flag_personal_data(text)]


class TestDetector:
    @pytest.mark.parametrize("text,expected", [
        ("Barnets CPR er 010203-1234.", [("cpr", "010203-1234")]),
        ("cpr 3112991234 i journalen", [("cpr", "3112991234")]),
        ("Ring på 12 34 56 78 eller +45 87654321", [("phone", "12 34 56 78"),
                                                    ("phone", "+45 87654321")]),
        ("Skriv til skoleleder@aarhus.dk", [("email", "skoleleder@aarhus.dk")]),
        ("Emil i 3.b har 20 % fravær", [("name", "Emil")]),
        ("Søren Kristensen fra PPR sagde det", [("name", "Søren Kristensen")]),
        ("Anne-Marie Bøgh-Andersen fortalte", [("name", "Anne-Marie Bøgh-Andersen")]),
        ("Familien Jensen er flyttet", [("name", "Jensen")]),
        ("Per Hansen ved det", [("name", "Per Hansen")]),
    ])
    def test_finds_personal_data(self, text, expected):
        assert kinds(text) == expected

    @pytest.mark.parametrize("text", [
        "Vi skal styrke samarbejdet mellem dagtilbud og skole.",
        "22 % af de 25-årige har ikke en ungdomsuddannelse.",
        "Christiansborg skal tænke lovgivning på tværs.",
        "Aarhus Kommune og Odense Kommune deler erfaringer per e-mail.",
        "Mødet i 2021 varede 45 minutter, 3 opgaver og 5 temamøder.",
        "Kim! Det er vores mål.",  # an ordinary exclamation, not the name Kim without surname
    ])
    def test_leaves_ordinary_political_text_alone(self, text):
        assert kinds(text) == []

    def test_names_come_from_the_bundled_list(self):
        names, ambiguous = first_names()
        assert {"Emil", "Søren", "Freja", "Mette"} <= names
        assert "Per" in ambiguous and "Per" not in names
        assert len(names) > 150

    def test_findings_carry_a_danish_label_and_position(self, app):
        finding = flag_personal_data("Kontakt Mette på 12345678")[0]
        assert finding.label == "Navn på en person"
        assert (finding.start, finding.end) == (8, 13)

    @pytest.mark.parametrize("text,expected", [
        # Names common in Denmark today, of any origin, and their spellings.
        ("Muhammad og Mohamed fra 9.b", [("name", "Muhammad"), ("name", "Mohamed")]),
        ("Zainab, Aisha og Maryam mistrives", [("name", "Zainab"), ("name", "Aisha"),
                                              ("name", "Maryam")]),
        # Phrases that point at one child or family, lower case too.
        ("drengen i 3.b slår", [("person", "drengen i 3.b")]),
        ("Pigen fra 7.a er flyttet", [("person", "Pigen fra 7.a")]),
        ("en elev i 8.c med ADHD fik ikke sin medicin",
         [("person", "en elev i 8.c med ADHD")]),
        ("hans mor ringede", [("person", "hans mor")]),
        ("ham med høreapparatet i 2.b", [("person", "ham med høreapparatet i 2.b")]),
        ("min nabos søn går i 8. klasse", [("person", "min nabos søn")]),
        ("Jensens datter er syg", [("name", "Jensens")]),
        ("Abdi's storesøster henter ham", [("name", "Abdi's")]),
        # A name that is also a word, where it can only be a name.
        ("Vi talte med Per om det", [("name", "Per")]),
        ("Liv i 3.b er ked af det", [("name", "Liv")]),
        # A name missing from the list, in a person's context.
        ("Mødet med Xiomara i 4.a gik godt", [("name", "Xiomara")]),
    ])
    def test_finds_names_and_references(self, text, expected):
        assert kinds(text) == expected

    @pytest.mark.parametrize("text", [
        "Skoleledelsen, Forvaltningen og Fraværsindsatsen i Ungdomsskolen",
        "Mere tid. Kan vi? Per elev 78.000 kr. Liv i skolegården. Bo tæt på skolen.",
        "Mandag i august: Venstre, SF, Enhedslisten og Dansk Folkeparti. KL og PPR.",
        "Klassens forældre, Styrelsen, Processen, Analysen og Bestyrelsen",
        "H.C. Andersen Skolen, Marie Kruses Skole og Kaj Munk-skolen",
        "Lærerne i 4.b og alle elever i 9. klasse og 10. kl.",
        "Aarhus, Holbæk, Frederiksberg, Læsø og Samsøs model",
        "Sankt Hans i SFO, Ole Rømer-observatoriet og Hans Tausens Gade",
        "Data fra Skolen i 3.b og tal fra Aarhus (2019)",
    ])
    def test_leaves_institutions_places_and_ordinary_words_alone(self, text):
        assert kinds(text) == []

    def test_mask_replaces_each_finding_by_its_kind(self):
        assert mask("Ring til Lone på 23 45 67 89 om drengen i 3.b, lone@skole.dk") == \
            "Ring til [navn] på [telefon] om [person], [e-mail]"
        assert mask("Barnets cpr 120310-1234") == "Barnets cpr [cpr]"
        assert mask("Skoleledelsen skal have mere ansvar") == "Skoleledelsen skal have mere ansvar"


def test_guard_figures_on_the_labelled_set(capsys):
    """Recall and precision of the guard on eval/sets/privacy.jsonl, printed (pytest -s)."""
    sys.path.insert(0, str(ROOT / "eval"))
    import privacy as evaluation

    rows = evaluation.load()
    assert len(rows) >= 150
    assert 0.4 <= sum(r["personal"] for r in rows) / len(rows) <= 0.6
    assert {r["split"] for r in rows} == {"dev", "heldout", "unseen"}
    figures = evaluation.evaluate(rows)
    text = evaluation.report(figures)
    with capsys.disabled():
        print(f"\nname guard on eval/sets/privacy.jsonl:\n{text}")
    for split in evaluation.SPLITS:
        f = figures[split]
        for name, value, floor in (
                ("sentence recall", f.recall, evaluation.MIN_RECALL),
                ("sentence precision", f.precision, evaluation.MIN_PRECISION),
                ("span recall", f.span_recall, evaluation.MIN_RECALL),
                ("span precision", f.span_precision, evaluation.MIN_PRECISION)):
            assert value >= floor, (f"{split} {name} {value:.3f} < {floor}\n{text}\n"
                                    + "\n".join(f.missed + f.wrong))


class TestWhileTyping:
    """The break screen's suggestion box carries the guard's warning before a note is posted."""

    @pytest.fixture
    def typing(self, make_committee, make_client, event):
        committee = make_committee()
        client, actions = make_client()
        actions.join(committee, name="Mette")
        return client, f"/udvalg/{committee.id}/pauser/{event.slots[0].id}/forslag"

    def test_a_name_is_warned_about_while_typing(self, typing):
        client, url = typing
        response = client.post(url, data={"body": "Mohammed i 4.a har 30 % fravær, ring 12345678"},
                               headers=HX)
        assert response.status_code == 200
        text = text_of(response)
        assert "Noten ser ud til at indeholde et navn: Mohammed." in text
        assert "Noten ser ud til at indeholde et telefonnummer: 12345678." in text
        assert "Skriv ikke noget, der kan identificere et barn eller en familie." in text
        described = text_of(client.post(url, data={"body": "drengen i 3.b slog igen i dag"},
                                        headers=HX))
        assert "Noten ser ud til at beskrive en bestemt person: drengen i 3.b." in described

    def test_no_warning_for_institutions_and_the_name_is_escaped(self, typing):
        client, url = typing
        plain = text_of(client.post(url, data={
            "body": "Skoleledelsen og Forvaltningen skal styrke fraværsindsatsen"}, headers=HX))
        assert "Noten ser ud til" not in plain and "identificere" not in plain
        html = client.post(url, data={"body": "Mohammed<script>x</script> er ked af det"},
                           headers=HX).get_data(as_text=True)
        assert "<script>" not in html and "Mohammed" in html


def test_privacy_page_in_danish_for_everyone(client):
    response = client.get("/privatliv")
    assert response.status_code == 200
    text = text_of(response)
    for heading in ("Hvad gemmer vi?", "Hvorfor?", "Hvem kan se hvad?", "Hvor længe?",
                    "Dine rettigheder"):
        assert heading in text
    assert "180 dage" in text
    assert "under kommunens navn, ikke under den enkelte deltagers navn" in text
    assert 'href="/privatliv"' in client.get("/").get_data(as_text=True)


# --------------------------------------------------------------------------- a small people


@pytest.fixture
def people(app, event, make_committee, make_user):
    """A committee with notes in every state (kept, hidden, deleted, the chair's), a submission,
    and another municipality's committee."""
    chair = make_user(email="formand@example.dk", name="Karen Formand")
    committee = make_committee(chair=chair)
    other = make_committee(municipality="Odense", name="Odenses udvalg")
    anna = committee_service.join(committee.join_code, "Anna Andersen")
    bo = committee_service.join(other.join_code, "Bo Odense")

    def note(author, body, target=committee):
        n, _ = note_service.post_note(target, event.slots[0], author,
                                      NoteInput(body, [event.tasks[0].id], []),
                                      uuid.uuid4().hex, 4000)
        return n

    kept = note(anna, "Mere samarbejde mellem skole og dagtilbud")
    note_service.update_note(kept, anna, NoteInput("Mere samarbejde, også med PPR",
                                                   [event.tasks[0].id], []), kept.version, 4000)
    hidden = note(anna, "Emil i 3.b, ring 12345678")
    hidden.hidden_at = utcnow()
    removed = note(anna, "Slettet af forfatteren")
    removed.deleted_at = utcnow()
    by_chair = note(chair, "Formandens egen note")
    odense = note(bo, "Odenses note", other)
    submission = Submission(committee=committee, event=event,
                            municipality_code=committee.municipality_code, version=1,
                            submitted_by_id=chair.id, submitted_by_name=chair.name,
                            show_authors=True)
    SubmissionNote(submission=submission, note_id=kept.id, event_id=event.id,
                   municipality_code=committee.municipality_code, body=kept.body,
                   author_name="Anna Andersen", written_at=kept.created_at)
    db.session.add(submission)
    record(anna, "note.edit", committee=committee, target=f"note:{kept.id}")
    db.session.commit()
    return dict(committee=committee, other=other, chair=chair, anna=anna, bo=bo, kept=kept,
                hidden=hidden, removed=removed, by_chair=by_chair, odense=odense)


def _names_in_database() -> str:
    """Every row of every table as text: a deleted name must appear nowhere."""
    db.session.expire_all()
    return "\n".join(repr(tuple(row)) for table in db.metadata.sorted_tables
                     for row in db.session.execute(select(table)).all())


class TestRetention:
    def test_refuses_before_the_period_is_over(self, people, event):
        too_soon = held_until(event) + timedelta(days=10)
        with pytest.raises(DomainError, match="slettes først"):
            purge_event(event, 30, today=too_soon)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Participant.id))) == 2

    def test_purges_personal_data_and_keeps_the_contribution(self, people, event):
        old_code = people["committee"].join_code
        report = purge_event(event, 30, today=held_until(event) + timedelta(days=31))
        db.session.commit()
        assert report.participants == 2 and report.notes_removed == 2
        assert db.session.scalar(select(func.count(Participant.id))) == 0
        bodies = set(db.session.scalars(select(Note.body)))
        # The contribution stays: live notes, with their text as it stands.
        assert {"Mere samarbejde, også med PPR", "Formandens egen note",
                "Odenses note"} == bodies
        assert set(db.session.scalars(select(Note.author_name))) == {ANONYMOUS}
        # Earlier versions and hidden/deleted notes are gone, with what review removed.
        assert db.session.scalar(select(func.count(NoteRevision.id))) == 3
        dump = _names_in_database()
        for gone in ("Anna Andersen", "Bo Odense", "Emil i 3.b", "Slettet af forfatteren",
                     "Mere samarbejde mellem skole og dagtilbud"):
            assert gone not in dump, gone
        submission_note = db.session.scalar(select(SubmissionNote))
        assert submission_note.body == "Mere samarbejde, også med PPR"
        assert submission_note.author_name == ""
        assert db.session.scalar(select(Submission.submitted_by_name)) == ""
        assert people["committee"].join_code != old_code
        purge = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "retention.purge"))
        assert purge.details["participants"] == 2

    def test_cli_purges_and_explains_in_danish(self, people, runner, event):
        too_soon = runner.invoke(args=["purge-personal-data", "--event", "butm2021",
                                       "--older-than-days", "100000"])
        assert too_soon.exit_code != 0
        assert "slettes først" in too_soon.output
        assert db.session.scalar(select(func.count(Participant.id))) == 2
        age = (date.today() - held_until(event)).days
        result = runner.invoke(args=["purge-personal-data", "--event", "butm2021",
                                     "--older-than-days", str(age)])
        assert result.exit_code == 0, result.output
        assert "2 deltagere" in result.output
        assert db.session.scalar(select(func.count(Participant.id))) == 0
        unknown = runner.invoke(args=["purge-personal-data", "--event", "findes-ikke"])
        assert unknown.exit_code != 0 and "findes ikke" in unknown.output


class TestPersonRequests:
    def test_export_participant_has_everything_about_them(self, people):
        data = export_person(people["anna"])
        assert data["display_name"] == "Anna Andersen"
        assert data["committee"]["municipality"] == "Aarhus"
        bodies = {n["body"] for n in data["notes"]}
        assert bodies == {"Mere samarbejde, også med PPR", "Emil i 3.b, ring 12345678",
                          "Slettet af forfatteren"}
        kept = next(n for n in data["notes"] if n["body"].startswith("Mere"))
        assert [r["body"] for r in kept["revisions"]] == [
            "Mere samarbejde mellem skole og dagtilbud", "Mere samarbejde, også med PPR"]
        assert data["audit"][0]["action"] == "note.edit"
        assert "Odenses note" not in json.dumps(data, ensure_ascii=False)

    def test_export_user_never_reveals_the_totp_secret(self, people):
        chair = people["chair"]
        chair.totp_secret = "JBSWY3DPEHPK3PXP"
        data = export_person(chair)
        assert data["email"] == "formand@example.dk"
        assert data["second_factor"] is True
        assert "JBSWY3DPEHPK3PXP" not in json.dumps(data)
        assert "password" not in json.dumps(data).lower()
        assert data["submissions"][0]["version"] == 1

    def test_delete_participant_anonymises_and_keeps_notes(self, people):
        anna_id = people["anna"].id
        counts = delete_person(people["anna"])
        db.session.commit()
        assert counts["notes"] == 3
        assert db.session.get(Participant, anna_id) is None
        assert "Anna Andersen" not in _names_in_database()
        assert db.session.get(Note, people["kept"].id).author_name == ANONYMOUS
        assert db.session.get(Note, people["kept"].id).body == "Mere samarbejde, også med PPR"
        # Others are untouched.
        assert db.session.get(Participant, people["bo"].id).display_name == "Bo Odense"

    def test_delete_user_removes_the_account(self, people, client, auth):
        chair = people["chair"]
        delete_person(chair)
        db.session.commit()
        assert db.session.scalar(select(User).where(User.email == "formand@example.dk")) is None
        assert "Karen Formand" not in _names_in_database()
        assert db.session.get(Note, people["by_chair"].id).body == "Formandens egen note"
        response = auth.login("formand@example.dk")
        assert "Forkert e-mail eller adgangskode." in text_of(response)

    def test_cli_export_and_delete(self, people, runner, tmp_path):
        out = tmp_path / "anna.json"
        result = runner.invoke(args=["export-person", "--participant", str(people["anna"].id),
                                     "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text(encoding="utf-8"))["display_name"] == "Anna Andersen"
        result = runner.invoke(args=["export-person", "--user", "FORMAND@example.dk"])
        assert json.loads(result.output)["name"] == "Karen Formand"
        result = runner.invoke(args=["delete-person", "--participant", str(people["anna"].id)],
                               input="n\n")
        assert result.exit_code != 0
        assert db.session.get(Participant, people["anna"].id) is not None
        result = runner.invoke(args=["delete-person", "--participant", str(people["anna"].id),
                                     "--yes"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert db.session.scalar(select(func.count(Participant.id))) == 1
        missing = runner.invoke(args=["export-person", "--participant", "9999"])
        assert missing.exit_code != 0 and "Personen findes ikke." in missing.output
        both = runner.invoke(args=["export-person"])
        assert "Angiv enten en deltager eller en bruger." in both.output

    def test_find_person_needs_exactly_one_key(self, app):
        with pytest.raises(DomainError):
            find_person(1, "a@b.dk")


class TestAdminPage:
    """Admins handle a person's request in the browser, within their own municipality."""

    def _admin(self, make_user, make_client, role="municipal_admin", municipality="Aarhus",
               email="admin@aarhus.dk"):
        admin = make_user(role=role, municipality=municipality, email=email)
        client, actions = make_client()
        actions.login(admin.email)
        return admin, client

    def test_find_export_and_delete_a_participant(self, people, make_user, make_client):
        _admin, client = self._admin(make_user, make_client)
        anna = people["anna"]
        page = client.get("/konto/personer", query_string={"deltager": anna.id})
        text = text_of(page)
        assert "Anna Andersen" in text and "3 noter" in text
        download = client.get(f"/konto/personer/deltager/{anna.id}/eksport")
        assert download.mimetype == "application/json"
        assert "attachment" in download.headers["Content-Disposition"]
        data = json.loads(download.get_data(as_text=True))
        assert data["display_name"] == "Anna Andersen" and len(data["notes"]) == 3
        confirm = client.get(f"/konto/personer/deltager/{anna.id}/slet")
        assert "Slet Anna Andersen?" in text_of(confirm)
        assert db.session.get(Participant, anna.id) is not None
        done = client.post(f"/konto/personer/deltager/{anna.id}/slet", data={})
        assert done.status_code == 302
        assert "Noterne står tilbage uden navn" in text_of(client.get("/konto/personer"))
        db.session.expire_all()
        assert db.session.get(Participant, anna.id) is None
        assert "Anna Andersen" not in _names_in_database()
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"person.export", "person.delete"} <= actions

    def test_another_municipality_is_out_of_reach(self, people, make_user, make_client):
        _admin, client = self._admin(make_user, make_client, municipality="Odense",
                                     email="admin@odense.dk")
        anna = people["anna"]
        page = client.get("/konto/personer", query_string={"deltager": anna.id})
        assert "Personen findes ikke." in text_of(page)
        assert "Anna Andersen" not in page.get_data(as_text=True)
        assert client.get(f"/konto/personer/deltager/{anna.id}/eksport").status_code == 403
        assert client.post(f"/konto/personer/deltager/{anna.id}/slet").status_code == 403
        assert db.session.get(Participant, anna.id) is not None
        # Their own municipality's participant is theirs to handle.
        assert client.get(f"/konto/personer/deltager/{people['bo'].id}/eksport").status_code == 200

    def test_kl_admin_handles_staff_but_not_their_own_account(self, people, make_user,
                                                             make_client):
        admin, client = self._admin(make_user, make_client, role="kl_admin", municipality=None,
                                    email="admin@kl.dk")
        plant_session(client, admin)  # KL admins pass a second factor first
        page = client.get("/konto/personer", query_string={"email": "FORMAND@example.dk"})
        assert "Karen Formand" in text_of(page)
        client.post(f"/konto/personer/bruger/{admin.id}/slet")
        assert db.session.get(User, admin.id) is not None
        assert "Du kan ikke slette din egen konto her." in text_of(client.get("/konto/personer"))
        client.post(f"/konto/personer/bruger/{people['chair'].id}/slet")
        db.session.expire_all()
        assert db.session.get(User, people["chair"].id) is None

    def test_chairs_have_no_access(self, people, client, auth):
        auth.login("formand@example.dk")
        assert client.get("/konto/personer").status_code == 403
        assert client.get(f"/konto/personer/deltager/{people['anna'].id}/eksport"
                          ).status_code == 403
