"""Staff accounts: own account page, password change, second factor, invitations, set-up links,
and admins' handling of a person's data on request."""

import json

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user

from delib.access import load_person, load_user_session, staff_required
from delib.auth import current_user_session
from delib.extensions import limiter
from delib.forms import ConfirmForm
from delib.forms.account import ChangePasswordForm, InviteForm, SetPasswordForm, TotpForm
from delib.models.accounts import ROLE_KL_ADMIN, ROLE_MUNICIPAL_ADMIN, STAFF_ROLES
from delib.services import DomainError, persons
from delib.services import account as service
from delib.services import sessions as session_service
from delib.services.municipalities import all_municipalities
from delib.uow import unit_of_work
from delib.web import password_link, render, start_session

bp = Blueprint("account", __name__, url_prefix="/konto")



def _errors_to(form, error: DomainError, default: str) -> None:
    getattr(form, error.field or default, getattr(form, default)).errors.append(error.message)


# --------------------------------------------------------------------------- own account


@bp.get("/")
@staff_required(*STAFF_ROLES)
def show():
    """The signed-in staff user's account: role, second factor, password."""
    return render("account/show.html", user=current_user,
                  role_label=service.ROLE_LABELS.get(current_user.role, current_user.role),
                  totp_required=current_user.role in service.TOTP_REQUIRED_ROLES,
                  can_invite=bool(service.invitable_roles(current_user)))


@bp.route("/adgangskode", methods=["GET", "POST"])
@staff_required(*STAFF_ROLES)
@limiter.limit("10 per minute", methods=["POST"])
def password():
    """Change one's own password (the current one is asked for)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current.data, form.password.data,
                                    form.repeat.data)
        except DomainError as error:
            _errors_to(form, error, "password")
        else:
            # A fresh session after a credential change, as at sign-in.
            start_session(current_user._get_current_object())
            flash(_("Din adgangskode er ændret."), "success")
            return redirect(url_for("account.show"))
    return render("account/password.html", form=form, status=422 if form.errors else 200)


@bp.route("/totp", methods=["GET", "POST"])
@staff_required(*STAFF_ROLES)
@limiter.limit("10 per minute", methods=["POST"])
def totp_setup():
    """Turn on the second factor: scan or type the key, then prove it with a code."""
    if current_user.totp_secret:
        flash(_("Totrinsbekræftelse er allerede slået til."), "info")
        return redirect(url_for("account.show"))
    form = TotpForm()
    # The key lives in the session until a correct code proves the app has it.
    secret = session.get("totp_setup") or service.new_totp_secret()
    session["totp_setup"] = secret
    if form.validate_on_submit():
        try:
            service.enable_totp(current_user, secret, form.code.data)
        except DomainError as error:
            _errors_to(form, error, "code")
        else:
            session.pop("totp_setup", None)
            flash(_("Totrinsbekræftelse er slået til. Næste gang du logger ind, skal du bruge "
                    "en kode fra appen."), "success")
            return redirect(url_for("account.show"))
    return render("account/totp_setup.html", form=form, secret=service.format_secret(secret),
                  uri=service.totp_uri(current_user, secret), during_login=False,
                  status=422 if form.errors else 200)


@bp.route("/totp/slaa-fra", methods=["GET", "POST"])
@staff_required(*STAFF_ROLES)
@limiter.limit("10 per minute", methods=["POST"])
def totp_disable():
    """Turn the second factor off, with a current code as confirmation (not for KL admins)."""
    if current_user.role in service.TOTP_REQUIRED_ROLES:
        flash(_("KL-administratorer skal bruge totrinsbekræftelse."), "error")
        return redirect(url_for("account.show"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            service.disable_totp(current_user, form.code.data)
        except DomainError as error:
            _errors_to(form, error, "code")
        else:
            flash(_("Totrinsbekræftelse er slået fra."), "success")
            return redirect(url_for("account.show"))
    return render("account/totp_disable.html", form=form, status=422 if form.errors else 200)


# --------------------------------------------------------------------------- own sessions


@bp.get("/sessioner")
@staff_required(*STAFF_ROLES)
def sessions_index():
    """The signed-in user's active sessions: device, last seen, and which one is this device."""
    current = current_user_session()
    rows = session_service.active(current_user, current_app.permanent_session_lifetime)
    # This device first, then the others by when they were last active.
    rows.sort(key=lambda row: current is None or row.id != current.id)
    return render("account/sessions.html", sessions=rows, current=current)


@bp.route("/sessioner/<int:session_id>/afslut", methods=["GET", "POST"])
@staff_required(*STAFF_ROLES)
def session_end(session_id: int):
    """Sign one device out (confirmed first); ending this device's session signs out here."""
    user_session = load_user_session(session_id)
    current = current_user_session()
    this_device = current is not None and current.id == user_session.id
    form = ConfirmForm()
    if form.is_submitted() and form.validate():
        session_service.end_one(current_user, user_session)
        if this_device:
            logout_user()
            session.clear()
            flash(_("Du er logget ud."), "info")
            return redirect(url_for("main.index"))
        flash(_("Enheden er logget ud."), "success")
        return redirect(url_for("account.sessions_index"))
    return render("account/confirm_session_end.html", form=form, user_session=user_session,
                  this_device=this_device)


@bp.route("/sessioner/andre/afslut", methods=["GET", "POST"])
@staff_required(*STAFF_ROLES)
def sessions_end_others():
    """Sign out on every other device (confirmed first); this device stays signed in."""
    form = ConfirmForm()
    if form.is_submitted() and form.validate():
        count = session_service.end_others(current_user, current_user_session())
        flash(ngettext("%(num)d anden enhed er logget ud.", "%(num)d andre enheder er logget ud.",
                       count), "success")
        return redirect(url_for("account.sessions_index"))
    return render("account/confirm_sessions_end_others.html", form=form)


# --------------------------------------------------------------------------- invitations, links


@bp.route("/inviter", methods=["GET", "POST"])
@staff_required(ROLE_MUNICIPAL_ADMIN, ROLE_KL_ADMIN)
def invite():
    """Create a staff account and get a set-up link to hand over; the invitee sets a password."""
    form = InviteForm()
    roles = service.invitable_roles(current_user)
    form.role.choices = [(r, str(service.ROLE_LABELS[r])) for r in roles]
    municipalities = all_municipalities()
    if current_user.role == ROLE_MUNICIPAL_ADMIN:
        municipalities = [m for m in municipalities if m.code == current_user.municipality_code]
    form.municipality.choices = [(None, _("Ingen (KL)"))] + [(m.code, m.name)
                                                             for m in municipalities]
    link = None
    if form.validate_on_submit():
        try:
            user = service.invite_user(current_user, form.email.data, form.name.data,
                                       form.role.data, form.municipality.data)
        except DomainError as error:
            _errors_to(form, error, "email")
        else:
            link = password_link(user, external=True)
            flash(_("%(name)s er inviteret. Giv vedkommende linket herunder; det virker i "
                    "%(hours)d timer og kun én gang.", name=user.name,
                    hours=current_app.config["PASSWORD_LINK_MAX_AGE"] // 3600), "success")
            form = InviteForm(formdata=None)
            form.role.choices = [(r, str(service.ROLE_LABELS[r])) for r in roles]
            form.municipality.choices = [(None, _("Ingen (KL)"))] + [
                (m.code, m.name) for m in municipalities]
    return render("account/invite.html", form=form, link=link,
                  status=422 if form.errors else 200)


@bp.route("/ny-adgangskode/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def set_password(token: str):
    """Set a password through an invitation or set-up link (works once, then expires)."""
    try:
        user = service.user_from_token(token, current_app.config["SECRET_KEY"],
                                       current_app.config["PASSWORD_LINK_MAX_AGE"])
    except DomainError as error:
        return render("errors/error.html", message=error.message, status=400)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(user, form.password.data, form.repeat.data)
        except DomainError as error:
            _errors_to(form, error, "password")
        else:
            session.clear()
            flash(_("Din adgangskode er gemt. Log ind med din e-mail og den nye adgangskode."),
                  "success")
            return redirect(url_for("auth.login"))
    response = render("account/set_password.html", form=form, user=user, token=token,
                      status=422 if form.errors else 200)
    # The token is in the URL: keep it out of caches and out of Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --------------------------------------------------------------------------- a person's data


@bp.get("/personer")
@staff_required(ROLE_MUNICIPAL_ADMIN, ROLE_KL_ADMIN)
def persons_index():
    """Find a participant (by number) or a staff user (by e-mail) to export or delete."""
    participant_id = request.args.get("deltager", "").strip()
    email = request.args.get("email", "").strip()
    found, message = None, None
    if participant_id or email:
        try:
            person = persons.find_person(int(participant_id) if participant_id.isdigit()
                                         else None, email or None)
            if not persons.may_handle(current_user, person):
                raise DomainError(_("Personen findes ikke."))
            found = dict(persons.summary(person), id=person.id)
        except DomainError as error:
            message = error.message
        except ValueError:
            message = _("Skriv deltagerens nummer eller brugerens e-mail.")
    return render("account/persons.html", found=found, message=message,
                  participant_id=participant_id, email=email)


@bp.get("/personer/<any(deltager, bruger):kind>/<int:person_id>/eksport")
@staff_required(ROLE_MUNICIPAL_ADMIN, ROLE_KL_ADMIN)
def person_export(kind: str, person_id: int):
    """Everything stored about the person, as a JSON download (right of access)."""
    person = load_person(kind, person_id, persons.may_handle)
    # The one write a GET makes: the audit log says who took the person's data out.
    with unit_of_work():
        data = persons.export_on_request(current_user, person, kind)
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="delib-{kind}-{person_id}.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/personer/<any(deltager, bruger):kind>/<int:person_id>/log-ud",
          methods=["GET", "POST"])
@staff_required(ROLE_MUNICIPAL_ADMIN, ROLE_KL_ADMIN)
def person_sessions_end(kind: str, person_id: int):
    """Sign a person out on every device (a lost phone, someone leaving); confirmed first."""
    person = load_person(kind, person_id, persons.may_handle)
    form = ConfirmForm()
    if form.is_submitted() and form.validate():
        session_service.end_for_person(person, by=current_user._get_current_object())
        flash(_("%(name)s er logget ud på alle enheder.", name=person.display_name), "success")
        return redirect(url_for("account.persons_index"))
    return render("account/confirm_person_sessions_end.html", form=form, kind=kind,
                  person_id=person_id, found=persons.summary(person))


@bp.route("/personer/<any(deltager, bruger):kind>/<int:person_id>/slet",
          methods=["GET", "POST"])
@staff_required(ROLE_MUNICIPAL_ADMIN, ROLE_KL_ADMIN)
def person_delete(kind: str, person_id: int):
    """Delete a person on request: names anonymised, account gone, notes kept (confirmed first)."""
    person = load_person(kind, person_id, persons.may_handle)
    form = ConfirmForm()
    if form.is_submitted() and form.validate():
        try:
            # Refused half-way, nothing of it stays (the answer is a redirect, not an error).
            with unit_of_work():
                persons.delete_person(person, by=current_user._get_current_object())
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("account.persons_index"))
        flash(_("Personen er slettet. Noterne står tilbage uden navn."), "success")
        return redirect(url_for("account.persons_index"))
    return render("account/confirm_person_delete.html", form=form, kind=kind,
                  person_id=person_id, found=persons.summary(person))
