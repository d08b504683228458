"""Fixtures of KL's area: a signed-in KL analyst's browser, and an analyst with an API token."""

import pytest

from delib.extensions import db
from delib.services.kl import api_tokens


@pytest.fixture
def kl_client(make_user, make_client):
    """A browser signed in as a KL analyst (analytiker@kl.dk)."""
    make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    client, actions = make_client()
    actions.login("analytiker@kl.dk")
    return client


@pytest.fixture
def analyst(make_user):
    """The KL analyst who owns the API token (api@kl.dk)."""
    return make_user(role="kl_analyst", email="api@kl.dk", municipality=None)


@pytest.fixture
def token(analyst):
    """The secret of the analyst's API token, "Notebook"."""
    _row, secret = api_tokens.create_token(analyst, "Notebook")
    db.session.commit()
    return secret


@pytest.fixture
def headers(token):
    """The Authorization header with the analyst's token."""
    return {"Authorization": f"Bearer {token}"}
