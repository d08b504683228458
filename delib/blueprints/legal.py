"""Legal pages: the privacy notice (what is stored, why, for how long, who sees it) and the
accessibility statement."""

import re
from datetime import date

from flask import Blueprint, current_app, redirect, url_for

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


def _tel_link(phone: str) -> str:
    """A tel: address for a Danish number as people write it ("33 70 33 70", "+45 3370 3370")."""
    digits = re.sub(r"[^\d+]", "", phone)
    return "tel:" + (digits if digits.startswith("+") or len(digits) != 8 else "+45" + digits)


@bp.get("/tilgaengelighed")
def accessibility():
    """The accessibility statement (tilgængelighedserklæring), in Danish, for everyone."""
    # str(): a DELIB_ variable holding only digits arrives parsed as a JSON number.
    phone = str(current_app.config.get("ACCESSIBILITY_CONTACT_PHONE") or "")
    return render("main/accessibility.html", reviewed=ACCESSIBILITY_REVIEWED,
                  standard="WCAG 2.1 AA (EN 301 549)",
                  contact_email=current_app.config.get("ACCESSIBILITY_CONTACT_EMAIL") or "",
                  contact_phone=phone, contact_tel=_tel_link(phone) if phone else "")


@bp.get("/was")
def was():
    """/was leads to the accessibility statement: the address Danish public sites agree on."""
    return redirect(url_for("legal.accessibility"), 301)
