"""Public pages: the front page with the programme, language choice."""

from flask import Blueprint, redirect, request, session, url_for

from delib.access import require
from delib.forms.auth import JoinForm
from delib.services.programme import current_event
from delib.web import render, safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """The event and its programme, with the ways in for participants and chairs."""
    return render("main/index.html", event=current_event(), join_form=JoinForm())


@bp.post("/sprog")
def set_language():
    """Remember the chosen language in the session."""
    lang = request.form.get("lang", "")
    require(lang in ("da", "en"), 400)
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
