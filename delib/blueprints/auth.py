"""Signing in and out: staff log in with a password (and a one-time code, the second step),
participants join with a code."""

import time

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from delib.access import KL_ROLES, load_signing_in_user, signed_in_participant_id
from delib.auth import STAFF_SESSION_KEY
from delib.extensions import limiter
from delib.forms.account import TotpForm
from delib.forms.auth import JoinForm, LoginForm
from delib.models import User
from delib.services import DomainError
from delib.services import account as account_service
from delib.services import committees as committee_service
from delib.services import sessions as session_service
from delib.services.account import needs_second_factor
from delib.web import end_session, render, safe_next, start_session

bp = Blueprint("auth", __name__)

#: How long the password step stays valid while the one-time code is awaited, in seconds.
PENDING_SECONDS = 300
_PENDING = "second_factor"


@bp.route("/login", methods=["GET", "POST"])
# Failed sign-ins count (password guessing); colleagues signing in from one office do not.
@limiter.limit("10 per minute; 50 per hour", methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def login():
    """Staff sign-in with e-mail and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = account_service.authenticate(form.email.data, form.password.data)
        if user is not None:
            if needs_second_factor(user):
                # The password alone does not sign in: the one-time code (or its set-up) next.
                return begin_second_factor(user, safe_next(request.args.get("next")))
            start_session(user)
            # KL staff have no committees: their home is the overview across municipalities.
            home = url_for("kl.index") if user.role in KL_ROLES else url_for(
                "committees.index")
            return redirect(safe_next(request.args.get("next")) or home)
        # One message for both cases: the page must not tell which e-mails have an account.
        form.password.errors.append(_("Forkert e-mail eller adgangskode."))
    return render("auth/login.html", form=form, status=422 if form.errors else 200)


@bp.post("/logout")
def logout():
    """Sign out: the session ends on the server too, so a copy of the cookie is worthless."""
    end_session()
    flash(_("Du er logget ud."), "info")
    return redirect(url_for("main.index"))


# Join limits. Only wrong codes count (a name left out or a correct code never does), and never
# by address alone: a whole room of phones, or the summit's hall, shares one public address, and
# 300 people joining one committee within seconds must all get in even when some mistype first.
# A limit, once reached, refuses every attempt it covers, correct codes too (otherwise a 429 for
# a wrong code and a 302 for a right one would still tell a guesser which is which). So:
# - per typed code and address (JOIN_LIMIT_PER_CODE): the same wrong code again and again; the
#   right code has its own counter, which never moves, so mistyping never locks the room out;
# - per address (JOIN_LIMIT_PER_ADDRESS): far above what a venue's mistypes reach (a hall of
#   1,500 joining in ten minutes, one in five mistyping, is 30 a minute); a guesser's pace is not;
# - everyone together (JOIN_LIMIT_GLOBAL): caps guessing from many addresses at once, per minute
#   only, so even when an attack reaches it the country waits a minute, not a day.
# Why guessing stays hopeless: a code is 10 symbols from 32, 2^50 (1.1e15) codes. Even with
# 2,000 live committees and groups, one address (2,000 wrong codes a day) hits one with a chance
# of 4e-9 a day, and a botnet at the global cap (2,000 a minute, 2.9 million a day) 5e-6 a day:
# once in some 500 years of nonstop guessing, and a chair can rotate the code at any time.
_JOIN_LIMIT_SCOPE = "join"


def _wrong_join_code(response) -> bool:
    """The answer told someone a code was wrong: only that counts against the join limits."""
    return bool(g.get("wrong_join_code"))


def _typed_code_and_address() -> str:
    """The join limit's key per typed code: the address and the code as stored (normalised)."""
    try:
        form = request.form
    except HTTPException:
        # Too large or malformed: the view refuses it. Raising here would make Flask-Limiter
        # take its storage for dead and count in this process's memory for a while.
        form = {}
    typed = committee_service.normalise_join_code(form.get("code", ""))
    # A bounded key: the form refuses anything longer than 40 characters anyway.
    return f"{get_remote_address()}|{typed[:40]}"


@bp.route("/deltag", methods=["GET", "POST"])
@bp.route("/deltag/<code>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["JOIN_LIMIT_PER_CODE"], methods=["POST"],
               key_func=_typed_code_and_address, deduct_when=_wrong_join_code)
@limiter.limit(lambda: current_app.config["JOIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_wrong_join_code)
@limiter.limit(lambda: current_app.config["JOIN_LIMIT_GLOBAL"], methods=["POST"],
               key_func=lambda: _JOIN_LIMIT_SCOPE, deduct_when=_wrong_join_code)
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
            # For the join limits above: the answer says the code is wrong.
            g.wrong_join_code = (error.field or "code") == "code"
        else:
            start_session(participant)
            flash(_("Velkommen, %(name)s. Du er med i %(committee)s.",
                    name=participant.display_name, committee=participant.committee.name), "success")
            return redirect(url_for("committees.show", committee_id=participant.committee_id))
    status = 422 if form.errors else 200
    return render("auth/join.html", form=form, status=status)


# --------------------------------------------------------------------------- sign-in, step two


def _home_for(user) -> str:
    """Where a freshly signed-in staff user lands."""
    if user.role in KL_ROLES:
        endpoint = "kl.index" if "kl.index" in current_app.view_functions else None
        return url_for(endpoint) if endpoint else url_for("account.show")
    return url_for("committees.index")


def begin_second_factor(user: User, target: str | None):
    """After a correct password: remember who (briefly) and ask for the one-time code."""
    lang = session.get("lang")
    # Whoever was signed in on this browser is signed out on the server too, not just forgotten.
    session_service.end_token(session.get(STAFF_SESSION_KEY))
    session.clear()
    if lang:
        session["lang"] = lang
    session[_PENDING] = {"uid": user.id, "next": target, "at": int(time.time())}
    return redirect(url_for("auth.second_factor"))


@bp.route("/konto/kode", methods=["GET", "POST"])
@limiter.limit("5 per minute; 30 per hour", methods=["POST"])
def second_factor():
    """Sign-in step two: the code from the app (KL admins without one set it up here)."""
    pending = session.get(_PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(_PENDING, None)
        flash(_("Log ind med din e-mail og adgangskode først."), "info")
        return redirect(url_for("auth.login"))
    user = load_signing_in_user(pending["uid"])
    enrolling = not user.totp_secret
    secret = user.totp_secret or pending.get("secret") or account_service.new_totp_secret()
    if enrolling:
        session[_PENDING] = {**pending, "secret": secret}
    form = TotpForm()
    if form.validate_on_submit():
        try:
            if enrolling:
                account_service.enable_totp(user, secret, form.code.data)
            else:
                account_service.verify_totp(user, secret, form.code.data)
        except DomainError as error:
            getattr(form, error.field or "code", form.code).errors.append(error.message)
        else:
            start_session(user)
            return redirect(pending.get("next") or _home_for(user))
    context = dict(form=form, status=422 if form.errors else 200, during_login=True)
    if enrolling:
        return render("account/totp_setup.html", secret=account_service.format_secret(secret),
                      uri=account_service.totp_uri(user, secret), **context)
    return render("auth/second_factor.html", **context)
