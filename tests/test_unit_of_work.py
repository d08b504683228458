"""One unit of work per request (delib/uow.py): what a view's answer commits, what it drops,
and how a failed commit or an uncaught rule reads to the user."""

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from delib.extensions import csrf, db
from delib.models import Municipality
from delib.services import DomainError
from delib.uow import GetWroteError, unit_of_work, wrap_views
from tests.conftest import HX, text_of

CODE = 999


@pytest.fixture
def probe(app):
    """A few throw-away views that write a municipality and answer as told."""
    bp = Blueprint("probe", __name__)

    def _add(name="Prøvekommune"):
        db.session.add(Municipality(code=CODE, name=name, official_name=f"{name} Kommune",
                                    region_code=1084, region="Region Hovedstaden"))

    @bp.route("/probe/<int:status>", methods=["GET", "POST"])
    def write(status):
        _add()
        return "svar", status

    @bp.post("/probe/raise")
    def write_then_refuse():
        _add()
        db.session.flush()
        raise DomainError("Reglen blev brudt.")

    @bp.post("/probe/duplicate")
    def duplicate():
        _add()
        db.session.flush()
        _add("Dublet")
        return "ok"

    @bp.post("/probe/block")
    def block_then_refuse():
        try:
            with unit_of_work():
                _add()
                db.session.flush()
                raise DomainError("Nej.")
        except DomainError:
            pass
        return "videre", 302, {"Location": "/"}

    app.register_blueprint(bp)
    csrf.exempt(bp)
    wrap_views(app)
    return app.test_client()


def _kept() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).where(Municipality.code == CODE))


def test_a_post_answered_below_400_is_committed(probe):
    assert probe.post("/probe/201").status_code == 201
    assert _kept() == 1


def test_a_post_answered_with_422_keeps_nothing(probe):
    assert probe.post("/probe/422").status_code == 422
    assert _kept() == 0


def test_an_uncaught_rule_is_a_danish_422_and_keeps_nothing(probe):
    response = probe.post("/probe/raise")
    assert response.status_code == 422
    assert "Reglen blev brudt." in text_of(response)
    assert _kept() == 0
    htmx = probe.post("/probe/raise", headers=HX)
    assert htmx.status_code == 422 and htmx.headers["HX-Retarget"] == "#messages"


def test_an_integrity_error_is_a_409_in_danish(probe):
    response = probe.post("/probe/duplicate")
    assert response.status_code == 409
    assert "Der opstod en konflikt" in text_of(response)
    assert _kept() == 0


def test_a_block_that_refuses_keeps_nothing_even_when_the_answer_is_a_redirect(probe):
    assert probe.post("/probe/block").status_code == 302
    assert _kept() == 0


def test_a_get_that_writes_is_caught_in_tests(probe):
    with pytest.raises(GetWroteError):
        probe.get("/probe/200")
    assert _kept() == 0


def test_a_get_that_writes_is_dropped_in_production(probe, app):
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    try:
        assert probe.get("/probe/200").status_code == 200
    finally:
        app.config["TESTING"] = True
    assert _kept() == 0
