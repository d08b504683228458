"""Public pages: the front page with the programme, language choice."""

from datetime import datetime

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user

from delib.forms.auth import JoinForm
from delib.services.programme import current_event
from delib.web import render

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """The event and its programme, with the ways in for participants and chairs."""
    event = current_event()
    return render("main/index.html", event=event, join_form=JoinForm(),
                  today=datetime.now().date(), user=current_user)


@bp.post("/sprog")
def set_language():
    """Remember the chosen language in the session."""
    lang = request.form.get("lang", "")
    if lang not in ("da", "en"):
        abort(400)
    session["lang"] = lang
    target = request.form.get("next") or url_for("main.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)
