"""Signing in and out: staff log in with a password, participants join with a code."""

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from delib.access import KL_ROLES, signed_in_participant_id
from delib.auth import PARTICIPANT_GENERATION, STAFF_SESSION_KEY, check_password
from delib.extensions import db, limiter
from delib.forms.auth import JoinForm, LoginForm
from delib.models import User
from delib.services import DomainError
from delib.services import committees as committee_service
from delib.services import sessions as session_service
from delib.services.account import needs_second_factor
from delib.web import render

bp = Blueprint("auth", __name__)


def _start_session(account) -> None:
    """A fresh session at every sign-in: nothing from before (a fixated id) carries over.

    Staff get a new server-side session (a row and the token for it); the one this browser had
    ends. Participants carry their session generation, which a new join code raises.
    """
    lang = session.get("lang")
    session_service.end_token(session.get(STAFF_SESSION_KEY))
    session.clear()
    if lang:
        session["lang"] = lang
    if account.kind == "user":
        session[STAFF_SESSION_KEY] = session_service.start(
            account, request.user_agent.string, current_app.permanent_session_lifetime)
    else:
        session[PARTICIPANT_GENERATION] = account.session_generation
    # The row exists before the cookie naming it reaches the browser.
    db.session.commit()
    login_user(account, remember=False)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
# Failed sign-ins count (password guessing); colleagues signing in from one office do not.
@limiter.limit("10 per minute; 50 per hour", methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def login():
    """Staff sign-in with e-mail and password."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active and check_password(user.password_hash,
                                                                form.password.data):
            if needs_second_factor(user):
                # The password alone does not sign in: the one-time code (or its set-up) next.
                from delib.blueprints.account import begin_second_factor

                return begin_second_factor(user, safe_next(request.args.get("next")))
            _start_session(user)
            # KL staff have no committees: their home is the overview across municipalities.
            home = url_for("dashboard.index") if user.role in KL_ROLES else url_for(
                "committees.index")
            return redirect(safe_next(request.args.get("next")) or home)
        # One message for both cases: the page must not tell which e-mails have an account.
        form.password.errors.append(_("Forkert e-mail eller adgangskode."))
    return render("auth/login.html", form=form, status=422 if form.errors else 200)


@bp.post("/logout")
def logout():
    """Sign out: the session ends on the server too, so a copy of the cookie is worthless."""
    session_service.end_token(session.get(STAFF_SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Du er logget ud."), "info")
    return redirect(url_for("main.index"))


@bp.route("/deltag", methods=["GET", "POST"])
@bp.route("/deltag/<code>", methods=["GET", "POST"])
# Only failed attempts count: a whole committee joining from one town-hall network (one
# address behind NAT) is never held back, while guessing codes is.
@limiter.limit("20 per minute; 200 per hour", methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def join(code: str | None = None):
    """Join a committee with its code and a display name: no sign-up during a break."""
    form = JoinForm()
    if request.method == "GET" and code:
        # The link's code, shown the way the chair's page prints it: ABCD-EFGH-JK.
        form.code.data = committee_service.format_join_code(
            committee_service.normalise_join_code(code)[:committee_service.CODE_LENGTH]
        )
    if form.validate_on_submit():
        try:
            participant = committee_service.join(form.code.data, form.display_name.data,
                                                 rejoining=signed_in_participant_id())
        except DomainError as error:
            getattr(form, error.field or "code").errors.append(error.message)
        else:
            db.session.commit()
            _start_session(participant)
            flash(_("Velkommen, %(name)s. Du er med i %(committee)s.",
                    name=participant.display_name, committee=participant.committee.name), "success")
            return redirect(url_for("committees.show", committee_id=participant.committee_id))
    status = 422 if form.errors else 200
    return render("auth/join.html", form=form, status=status)


def safe_next(target: str | None) -> str | None:
    """A local path to go on to after sign-in; anything that could leave the site is dropped."""
    # Browsers read "/\\evil.example" like "//evil.example", a link to another site.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        if not any(ch in target for ch in "\\\r\n\t"):
            return target
    return None
