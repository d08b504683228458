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
