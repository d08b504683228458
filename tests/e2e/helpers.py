"""Helpers for the browser tests: screenshots at three widths, axe checks, console watching."""

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


def shoot(page, name: str, readme: bool = True) -> None:
    """Screenshots of the page at phone, tablet and desktop widths; the desktop one is also
    copied to docs/screenshots for the README unless readme=False (very long pages)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        target = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(target), full_page=True)
        if label == "desktop" and readme:
            DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, DOC_SCREENSHOTS / f"{name}.png")
    page.set_viewport_size(original)


def assert_accessible(page, what: str) -> None:
    """axe-core on the page as it is now: zero WCAG 2.0/2.1 A and AA violations."""
    from axe_playwright_python.sync_playwright import Axe

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
except ImportError:  # pragma: no cover - only without the dev extra
    expect = None
