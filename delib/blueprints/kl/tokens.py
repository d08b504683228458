"""KL's API keys: each KL user makes and revokes their own."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delib.access import kl_required, load_api_token
from delib.blueprints.kl import bp
from delib.services import DomainError
from delib.services.kl import api_tokens
from delib.web import render


@bp.get("/api-noegler")
@kl_required
def api_tokens_index():
    """The signed-in KL user's API tokens, and a form for a new one."""
    return render("kl/api_tokens.html", tokens=api_tokens.tokens_of(current_user),
                  secret=None, error=None)


@bp.post("/api-noegler")
@kl_required
def api_tokens_create():
    """Create an API token for the signed-in KL user; its secret is shown this once."""
    try:
        _token, secret = api_tokens.create_token(current_user, request.form.get("name", ""))
    except DomainError as error:
        return render("kl/api_tokens.html", status=422, error=error.message, secret=None,
                      tokens=api_tokens.tokens_of(current_user))
    response = render("kl/api_tokens.html", tokens=api_tokens.tokens_of(current_user),
                      secret=secret, error=None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api-noegler/<int:token_id>/tilbagekald", methods=["GET", "POST"])
@kl_required
def api_tokens_revoke(token_id: int):
    """Revoke one of one's own API tokens, after a confirmation page."""
    token = load_api_token(token_id)
    if request.method == "GET":
        return render("kl/confirm_revoke.html", token=token)
    api_tokens.revoke(token)
    flash(_("API-nøglen »%(name)s« virker ikke længere.", name=token.name), "info")
    return redirect(url_for("kl.api_tokens_index"))
