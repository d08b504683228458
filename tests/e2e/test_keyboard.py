"""The break screen with the keyboard alone: reach the note field, write, choose, send.

Every Tab stop on the way must show where the focus is.
"""

import re

from tests.e2e.helpers import expect, watch_page
from tests.e2e.test_participants import card, join

FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {tag: el.tagName, id: el.id, type: el.type || "", name: el.name || "",
            text: (el.innerText || el.value || "").trim().slice(0, 60),
            outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
            shadow: style.boxShadow !== "none"};
}"""


def tab_to(page, matches, limit=60):
    """Press Tab until the focused element matches; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STYLE)
        assert focused["outline"] or focused["shadow"], f"focus is not visible on {focused}"
        if matches(focused):
            return focused
    raise AssertionError("never reached the element with Tab")


def test_break_screen_with_the_keyboard_alone(live_server, seed, new_context):
    page = new_context().new_page()
    problems = watch_page(page)
    join(page, live_server, seed["join_code"], "Frida")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))

    # The first Tab stop is the skip link; it leads straight to the content.
    first = tab_to(page, lambda f: True, limit=1)
    assert first["tag"] == "A" and "Spring til indhold" in first["text"]

    tab_to(page, lambda f: f["id"] == "body")
    text = "Vi skal dele erfaringer med fravær på tværs af skolerne."
    page.keyboard.type(text)

    # Tab to the first task and tick it with Space.
    task = tab_to(page, lambda f: f["type"] == "checkbox" and f["name"] == "tasks")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked") is True, task

    # On to the send button, and send with Enter.
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Gem note")
    page.keyboard.press("Enter")

    saved = card(page, text)
    expect(saved).to_be_visible()
    expect(saved).to_contain_text("Opgave 1")
    expect(page.locator("[data-save-status]")).to_have_text("Noten er gemt.")
    # Focus is back in the fresh, empty note field, ready for the next note.
    expect(page.get_by_label("Note", exact=True)).to_be_focused()
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    assert not problems, "\n".join(problems)


def test_an_empty_note_is_refused_and_tied_to_the_field(live_server, seed, new_context):
    page = new_context().new_page()
    join(page, live_server, seed["join_code"], "Gustav")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    page.get_by_role("button", name="Gem note").click()
    field = page.get_by_label("Note", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby") or ""
    assert "body-errors" in described.split()
    errors = page.locator("#body-errors")
    expect(errors).to_have_attribute("role", "alert")
    expect(errors).not_to_be_empty()
    # Colour is not the only signal: the error is a written sentence next to the field.
    assert len(errors.inner_text().strip()) > 10


def test_the_countdown_ticks_on_screen_but_does_not_flood_screen_readers(live_server, seed,
                                                                          new_context):
    page = new_context().new_page()
    join(page, live_server, seed["join_code"], "Hugo")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    ticking = page.locator("[data-countdown-left]")
    expect(ticking).to_have_attribute("aria-hidden", "true")
    expect(ticking).to_have_text(re.compile(r"^\d+:\d\d tilbage$"))
    first = ticking.inner_text()
    expect(ticking).not_to_have_text(first, timeout=3_000)  # it ticks every second
    # The spoken line stays silent between milestones (the break has ~40 minutes left).
    announce = page.locator("[data-countdown-announce]")
    expect(announce).to_have_attribute("role", "status")
    expect(announce).to_have_text("")
    # The notes list is polled, but never read out as a whole on every change.
    expect(page.locator("#notes-list")).to_have_attribute("aria-live", "off")
