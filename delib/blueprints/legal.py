"""Legal pages: the privacy notice (what is stored, why, for how long, who sees it)."""

from datetime import date

from flask import Blueprint, current_app

from delib.sanitize import clean_html
from delib.web import render

bp = Blueprint("legal", __name__)

# Should a template ever need HTML built from user text, this is the only way in: allow-listed.
bp.add_app_template_filter(clean_html, "clean_html")


@bp.get("/privatliv")
def privacy():
    """The privacy notice, in Danish, for everyone (no sign-in)."""
    return render("main/privacy.html",
                  retention_days=current_app.config.get("RETENTION_DAYS", 180))


#: When the accessibility statement was last checked against the product (update on review).
ACCESSIBILITY_REVIEWED = date(2026, 11, 22)


@bp.get("/tilgaengelighed")
def accessibility():
    """The accessibility statement (tilgængelighedserklæring), in Danish, for everyone."""
    return render("main/accessibility.html", reviewed=ACCESSIBILITY_REVIEWED,
                  standard="WCAG 2.1 AA (EN 301 549)",
                  contact_email=current_app.config.get("CONTACT_EMAIL"))
