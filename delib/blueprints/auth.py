"""Signing in and out: staff log in with a password (and a one-time code, the second step),
participants join with a code."""

import time

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

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
