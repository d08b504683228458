"""Language choice: Danish first; a remembered choice of English."""

from flask import current_app, request, session


def select_locale() -> str:
    """The language of this request: the user's remembered choice, else Danish."""
    chosen = session.get("lang") if request else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
