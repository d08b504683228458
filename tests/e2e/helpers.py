"""Helpers for the browser tests: screenshots at three widths, axe checks, console watching."""

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
DOC_SCREENSHOTS = ROOT / "docs" / "screenshots"
WIDTHS = {"phone": 375, "tablet": 768, "desktop": 1280}
#: The WCAG 2.0/2.1 A and AA rule sets axe must pass with zero violations.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def expected_status(response) -> bool:
    """Refusals a journey provokes on purpose (a wrong join code, an empty note) are 422s."""
    return response.status == 422


def watch_page(page):
    """Collect console errors (CSP violations included) and failed responses on a page."""
    problems = []
    # HTTP errors are judged by the response listener below (a provoked 422 is fine); every
    # other console error (a CSP refusal, a script error) is a problem.
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} for {r.request.method} {r.url}")
            if r.status >= 400 and not expected_status(r) else None)
    return problems


OVERFLOW = """() => {
    const viewport = document.documentElement.clientWidth;
    const culprits = [];
    for (const el of document.querySelectorAll("body *")) {
        const box = el.getBoundingClientRect();
        // A box past the edge, or text (a long word) spilling out of its box.
        const spills = el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
            && getComputedStyle(el).overflowX === "visible";
        if (box.width === 0 || (box.right <= viewport + 1 && !spills)) continue;
        let parent = el.parentElement, contained = false;
        while (parent && parent !== document.body) {
            const overflow = getComputedStyle(parent).overflowX;
            if (overflow !== "visible") { contained = true; break; }
            parent = parent.parentElement;
        }
        if (!contained && culprits.length < 6) {
            culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                          + (typeof el.className === "string" && el.className
                             ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
        }
    }
    return {scroll: document.documentElement.scrollWidth, viewport, culprits};
}"""


def shoot(page, name: str, readme: bool = True) -> None:
    """Screenshots of the page at phone, tablet and desktop widths; the desktop one is also
    copied to docs/screenshots for the README when DELIB_README_SCREENSHOTS is set, unless
    readme=False (very long pages)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    too_wide = None
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        if label == "phone":
            too_wide = page.evaluate(OVERFLOW)
        target = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(target), full_page=True)
        # Only on request, so an ordinary test run leaves the committed README images alone.
        if label == "desktop" and readme and os.environ.get("DELIB_README_SCREENSHOTS"):
            DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, DOC_SCREENSHOTS / f"{name}.png")
    page.set_viewport_size(original)
    # WCAG 1.4.10 (Reflow): on a narrow screen nothing may need sideways scrolling; a wide
    # table may scroll inside its own container, the page itself must not.
    assert too_wide["scroll"] <= too_wide["viewport"] + 1, (
        f"{name} scrolls sideways on a phone: {too_wide['scroll']} px wide in a "
        f"{too_wide['viewport']} px viewport; sticking out: {too_wide['culprits']}")


def assert_accessible(page, what: str) -> None:
    """axe-core on the page as it is now: zero WCAG 2.0/2.1 A and AA violations."""
    from axe_playwright_python.sync_playwright import Axe

    # Judge the page at rest: a button dimmed while its request is in flight is not the page.
    page.wait_for_load_state("networkidle")

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    violations = results.response["violations"]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe found WCAG violations on {what} ({page.url}):\n{details}"


try:  # The browser fixture skips (or, under CI, fails) when Playwright is missing.
    from playwright.sync_api import expect

    # Two cores shared by many processes: allow a page 10 s (the 5 s promise for a note to
    # arrive is asserted with its own, explicit timeout).
    expect.set_options(timeout=10_000)
except ImportError:  # pragma: no cover - only without the dev extra
    expect = None
