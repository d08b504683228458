"""In a real browser: the chair corrects the attendance list and asks the members to read the
draft referat; a member joins with the code, finds the draft from the committee page and
disagrees with a comment, then agrees; the chair reads the answers and submits, confirming the
aktindsigt notice; the version says "Godkendt af 1 af 3 deltagere". axe on every page."""

import re

from tests.e2e.helpers import assert_accessible, expect, watch_page
from tests.e2e.test_chair import committee_with_notes, sign_in  # noqa: F401 - fixture
from tests.e2e.test_participants import join


def test_attendance_agreement_and_aktindsigt(live_server, committee_with_notes,  # noqa: F811
                                             new_context):
    seed = committee_with_notes
    base = f"/udvalg/{seed['committee_id']}"
    chair = new_context().new_page()
    problems = watch_page(chair)
    sign_in(chair, live_server)

    # Attendance: proposed from the participants who wrote; the chair adds the secretary.
    chair.goto(live_server(f"{base}/gennemgang"))
    chair.get_by_role("navigation", name="Gennemgang").get_by_role(
        "link", name="Deltagerliste").click()
    table = chair.locator("#attendance-list table")
    expect(table).to_contain_text("Anna")
    expect(table).to_contain_text("Bo")
    assert_accessible(chair, "the attendance list")
    chair.get_by_label("Navn", exact=True).fill("Karin Sekretær")
    chair.get_by_label("Rolle", exact=True).select_option(label="Sekretær")
    chair.get_by_role("button", name="Tilføj", exact=True).click()
    expect(table).to_contain_text("Karin Sekretær")
    chair.get_by_role("button", name="Tilføj", exact=True).click()  # no name: refused in place
    expect(chair.locator("#attendance-list")).to_contain_text("Skriv navnet på den, der deltog")
    assert_accessible(chair, "the attendance list with an error")

    # The agreement round.
    chair.get_by_role("navigation", name="Gennemgang").get_by_role(
        "link", name="Deltagernes enighed").click()
    assert_accessible(chair, "the agreement page before a round")
    chair.get_by_role("button", name="Bed deltagerne læse udkastet").click()
    expect(chair.locator(".flash-success")).to_contain_text("Deltagerne kan nu læse udkastet")

    member = new_context(width=375, height=800).new_page()
    member_problems = watch_page(member)
    join(member, live_server, seed["join_code"], "Cecilie")
    member.goto(live_server(base))
    member.get_by_role("link", name="Læs udkastet til referat, og sig om du er enig").click()
    expect(member.locator("main")).to_contain_text("Skoleledere og dagtilbudsledere skal mødes")
    member.get_by_label(re.compile("^Ikke enig")).check()
    member.get_by_role("button", name="Send mit svar").click()
    expect(member.get_by_label("Kommentar til formanden")).to_have_attribute(
        "aria-invalid", "true")
    assert_accessible(member, "the draft referat with a refused answer")
    member.get_by_label("Kommentar til formanden").fill("Mangler SSP under opg. 3")
    member.get_by_role("button", name="Send mit svar").click()
    expect(member.locator(".agreement-own")).to_contain_text("Ikke enig")
    member.get_by_label(re.compile("^Enig")).check()
    member.get_by_label("Kommentar til formanden").fill("")
    member.get_by_role("button", name="Ret mit svar").click()
    expect(member.locator(".agreement-own")).to_contain_text("Enig")
    assert_accessible(member, "the draft referat with an answer")

    chair.reload()
    expect(chair.locator(".agreement-tally")).to_contain_text("1 af 3 deltagere er enige")
    expect(chair.locator("main")).to_contain_text("Har ikke svaret: Anna, Bo")
    assert_accessible(chair, "the agreement page with answers")

    # Submitting needs the aktindsigt confirmation.
    chair.get_by_role("navigation", name="Gennemgang").get_by_role(
        "link", name="Godkend og indsend").click()
    expect(chair.locator("main")).to_contain_text("offentlighedsloven")
    chair.get_by_role("button", name="Godkend og indsend til KL").click()
    expect(chair.locator("main")).to_contain_text("Intet er indsendt")
    assert_accessible(chair, "the approve page without the aktindsigt confirmation")
    chair.get_by_label("Jeg ved, at det indsendte bliver KL's dokument").check()
    chair.get_by_role("button", name="Godkend og indsend til KL").click()
    expect(chair.locator(".flash-success")).to_contain_text("som version 1")
    chair.get_by_role("navigation", name="Gennemgang").get_by_role(
        "link", name="Indsendte versioner").click()
    expect(chair.locator("main")).to_contain_text("Godkendt af 1 af 3 deltagere")
    # The refusals provoked above are 422s, which watch_page expects; nothing else failed.
    assert not problems + member_problems, "\n".join(problems + member_problems)
