"""Public pages in a real browser: the accessibility statement and the privacy notice."""

from tests.e2e.helpers import assert_accessible, expect, shoot, watch_page


def test_accessibility_statement_is_linked_from_every_footer(live_server, new_context):
    page = new_context().new_page()
    problems = watch_page(page)
    page.goto(live_server("/"))
    page.get_by_role("contentinfo").get_by_role("link", name="Tilgængelighedserklæring").click()
    expect(page).to_have_url(live_server("/tilgaengelighed"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilgængelighedserklæring for delib")
    for heading in ("Overensstemmelsesstatus", "Det, der ikke er tilgængeligt endnu",
                    "Feedback og kontaktoplysninger", "Håndhævelse"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    expect(page.locator("main")).to_contain_text("WCAG 2.1 AA")
    expect(page.locator("main")).to_contain_text("Digitaliseringsstyrelsen")
    assert_accessible(page, "the accessibility statement")
    shoot(page, "accessibility-statement")

    page.get_by_role("contentinfo").get_by_role("link", name="Privatliv og dine data").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "the privacy notice")
    assert not problems, "\n".join(problems)


def test_english_is_chosen_once_and_remembered(live_server, seed, new_context):
    page = new_context().new_page()
    problems = watch_page(page)
    page.goto(live_server("/deltag"))
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(live_server("/deltag"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the committee's discussion")

    page.get_by_label("The committee's code").fill(seed["join_code"])
    page.get_by_label("Your name, as the others will see it").fill("Hanne")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Welcome, Hanne")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    expect(page.get_by_role("heading", name="Write a note")).to_be_visible()
    expect(page.locator(".countdown")).to_contain_text("The break ends at")
    page.get_by_label("Note", exact=True).fill("Engelsk grænseflade, dansk note.")
    page.locator("#note-form fieldset").first.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("[data-save-status]")).to_have_text("The note has been saved.")
    expect(page.locator("#notes-list .count")).to_have_text("1 note")
    assert_accessible(page, "the break screen in English")
    shoot(page, "break-screen-english")

    # The front page in English: the Danish programme inside it is marked as Danish.
    page.goto(live_server("/"))
    expect(page.get_by_role("heading", level=1).locator("[lang=da]")).to_have_count(1)
    expect(page.get_by_role("heading", name="The summit declaration")).to_be_visible()
    assert_accessible(page, "the front page in English")
    page.go_back()

    # Back to Danish, offered in Danish.
    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", name="Skriv en note")).to_be_visible()
    assert not problems, "\n".join(problems)
