"""HTTP plumbing shared by all blueprints: the render helper, errors, headers, template helpers."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, current_app, make_response, render_template, request, session, url_for
from flask_babel import format_date, format_datetime, get_locale, get_timezone, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

from delib.auth import PARTICIPANT_GENERATION, STAFF_SESSION_KEY
from delib.extensions import htmx
from delib.services import DomainError
from delib.services import account as account_service
from delib.services import sessions as session_service
from delib.services.notes import NoteConflict

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)



def origin_of(url: str | None) -> str:
    """scheme://host[:port] of a URL, or "" for none."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(stream_url: str | None) -> str:
    """The CSP; connect-src names the stream's origin when the stream has its own
    (STREAM_URL, see delib/stream.py)."""
    stream_origin = origin_of(stream_url)
    if not stream_origin:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("connect-src 'self'",
                                           f"connect-src 'self' {stream_origin}")


ERROR_MESSAGES = {
    400: _l("Forespørgslen kunne ikke forstås. Prøv igen."),
    403: _l("Du har ikke adgang til denne side."),
    404: _l("Siden findes ikke."),
    405: _l("Den handling er ikke tilladt her."),
    409: _l("Der opstod en konflikt. Genindlæs siden og prøv igen."),
    413: _l("Det sendte er for stort."),
    429: _l("For mange forsøg lige nu. Vent lidt, og prøv igen."),
    500: _l("Der opstod en fejl hos os. Det du skrev er ikke gemt endnu; prøv igen om lidt."),
}


def is_partial_request() -> bool:
    """True for htmx requests that want a fragment (not boosted page loads)."""
    return bool(htmx) and not htmx.boosted


def render(page: str, partial: str | None = None, status: int = 200, **context):
    """Render the partial for htmx requests and the full page otherwise; always Vary on it."""
    template = partial if partial and is_partial_request() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def safe_next(target: str | None) -> str | None:
    """A local path to go on to after sign-in; anything that could leave the site is dropped."""
    # Browsers read "/\\evil.example" like "//evil.example", a link to another site.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        if not any(ch in target for ch in "\\\r\n\t"):
            return target
    return None


def start_session(account) -> None:
    """A fresh session at every sign-in: nothing from before (a fixated id) carries over.

    Staff get a new server-side session (a row and the token for it); the one this browser had
    ends. Participants carry their session generation, which a new join code raises. The row
    is committed with the request (delib/uow.py), before the cookie naming it is sent.
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
    login_user(account, remember=False)
    session.permanent = True


def end_session() -> None:
    """Sign out on the server too (a copy of the cookie is worthless), then here."""
    session_service.end_token(session.get(STAFF_SESSION_KEY))
    logout_user()
    session.clear()


def password_link(user, external: bool = False) -> str:
    """The set-up link for a user's (new) password, valid for PASSWORD_LINK_MAX_AGE."""
    token = account_service.password_token(user, current_app.config["SECRET_KEY"])
    if external:
        # Handed over by mail or chat: always the configured public address, never the Host
        # header of the request that made it (password-reset poisoning).
        return external_url("account.set_password", token=token)
    return url_for("account.set_password", token=token)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for use outside the app (invitations, password and join links), built
    from BASE_URL and never from the request's Host header, so a forged Host cannot poison it.
    Works inside and outside a request (the command line)."""
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def add_error(field, message: str) -> None:
    """Show a (service's Danish) message at a form field."""
    # Before validate() WTForms keeps errors in a tuple; replace it rather than append.
    field.errors = [*field.errors, message]


def error_response(status: int, message: str):
    """A Danish error page, or for htmx a fragment aimed at the page's message area."""
    if is_partial_request():
        response = make_response(
            render_template("errors/_error.html", message=message, status=status), status
        )
        # The page's live region shows it; the target (a form, a list) is left untouched so no
        # typed text is lost.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = make_response(
            render_template("errors/error.html", message=message, status=status), status
        )
    response.vary.add("HX-Request")
    return response


def register_web(app: Flask) -> None:
    """Error handlers, security headers and template helpers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(
            400,
            gettext(
                "Din session er udløbet, så formularen kunne ikke sendes. Det du skrev er "
                "bevaret: genindlæs siden og send igen."
            ),
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # A Host header outside TRUSTED_HOSTS: plain text, since every link on a page would be
        # built against the very host that was refused.
        response = make_response(
            gettext("Adressen kendes ikke. Brug tjenestens rigtige adresse."), 400)
        response.mimetype = "text/plain"
        return response

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def write_conflict(error):
        # Someone saved the same row (or the same unique thing) between this request's read and
        # its commit: nothing of this request was kept (delib/uow.py rolled it back).
        return error_response(409, str(ERROR_MESSAGES[409]))

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # A conflict is a 409; any other broken rule a view did not show in its form, a 422.
        return error_response(409 if isinstance(error, NoteConflict) else 422, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (301, 302, 303, 304, 307, 308):
            return error
        # An exception of ours may carry its own Danish message (the note limit's, say).
        message = getattr(error, "message", None) or ERROR_MESSAGES.get(error.code)
        if message is None:
            message = error.description or ""
        return error_response(error.code or 500, str(message))

    @app.errorhandler(500)
    def server_error(error):
        return error_response(500, str(ERROR_MESSAGES[500]))

    policy = content_security_policy(app.config.get("STREAM_URL"))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["local_datetime"] = _local_datetime
    app.jinja_env.filters["local_date"] = _local_date
    app.jinja_env.filters["local_hhmm"] = _local_hhmm
    app.jinja_env.filters["hhmm"] = _hhmm
    app.jinja_env.filters["da"] = _danish
    app.jinja_env.globals["htmx_version"] = HTMX_VERSION
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "da")


HTMX_VERSION = "2.0.11"


def _in_danish() -> bool:
    return str(get_locale() or "da") == "da"


def _pattern(fmt: str) -> str:
    """Templates write Danish date patterns (28. januar 2021 kl. 13.05); on an English page the
    same pattern reads the English way (28 January 2021 at 13:05)."""
    if _in_danish():
        return fmt
    return fmt.replace("'kl.'", "'at'").replace("HH.mm", "HH:mm").replace("d. ", "d ")


def _danish(value):
    """Programme data (titles, questions) is written in Danish: on a page in another language
    it is marked lang="da" so screen readers pronounce it right (WCAG 3.1.2)."""
    if value is None or value == "":
        return ""
    if _in_danish():
        return value
    return Markup('<span lang="da">%s</span>') % value


def _local_datetime(value: datetime | None, fmt: str = "d. MMMM yyyy 'kl.' HH.mm") -> str:
    """A stored UTC instant shown in the event's local time (Europe/Copenhagen)."""
    return format_datetime(value, _pattern(fmt)) if value else ""


def _local_hhmm(value: datetime | None) -> str:
    """A stored UTC instant as local 'HH.MM': the cheap form for long, polled lists."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(get_timezone()).strftime("%H.%M")


def _local_date(value, fmt: str = "EEEE d. MMMM yyyy") -> str:
    return format_date(value, _pattern(fmt)) if value else ""


def _hhmm(value: datetime | None) -> str:
    """A programme time (already local) as Danish 'HH.MM' (English pages: 'HH:MM')."""
    if not value:
        return ""
    return value.strftime("%H.%M" if _in_danish() else "%H:%M")
