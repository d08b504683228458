"""KL's read-only JSON API (blueprint `kl_api`, /api): the overview's numbers and the submitted
texts, behind a bearer token.

`Authorization: Bearer <token>` (made with `flask create-api-token`). The OpenAPI 3 document at
/api/openapi.json describes every endpoint; it holds no data and needs no token.
"""

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from delib.access import api_user, kl_event
from delib.extensions import csrf, db, limiter
from delib.forms.kl import FilterForm
from delib.services import suggestions
from delib.services.kl import follow_ups, overview, search, themes
from delib.services.municipalities import size_group
from delib.web import external_url

bp = Blueprint("kl_api", __name__, url_prefix="/api")
# Read-only GETs with a bearer token: there is no cookie session to forge requests with.
csrf.exempt(bp)
limiter.limit("300 per minute")(bp)
MAX_PER_PAGE = 500
PUBLIC_ENDPOINTS = {"kl_api.openapi"}


def _error(status: int, message: str):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="delib"'
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    messages = {404: _("Findes ikke."), 405: _("Metoden er ikke tilladt."),
                429: _("For mange forespørgsler. Vent lidt.")}
    return _error(error.code or 500, str(messages.get(error.code, error.description)))


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    user = api_user()
    if user is None:
        return _error(401, _("Angiv en gyldig API-nøgle: Authorization: Bearer <nøgle>."))
    g.api_user = user
    return None


@bp.after_request
def _no_store(response):
    if request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    return response


def _context():
    """The event and the parsed filters, or an error response."""
    event, _form, f, error = _form_context()
    return event, f, error


def _form_context():
    """The event, the filter form, its filters, or an error response."""
    event = kl_event(request.args.get("event"))
    if event is None:
        return None, None, None, _error(404, _("Arrangementet findes ikke."))
    form = FilterForm.for_event(event, request.args)
    f = form.filters()
    if f.errors:
        return event, form, f, _error(400, " ".join(f.errors))
    return event, form, f, None


def _municipality(m) -> dict:
    return {"code": m.code, "name": m.name, "region_code": m.region_code, "region": m.region,
            "size_group": size_group(m)}


@bp.get("/v1/programme")
def programme():
    """The event's tasks, messages, talks, theme meetings and breaks with their ids."""
    event, _f, error = _context()
    if error:
        return error

    def items(rows, *fields):
        return [{"id": r.id, **{k: getattr(r, k) for k in fields}} for r in rows]

    return jsonify({
        "event": {"slug": event.slug, "title": event.title},
        "tasks": items(event.tasks, "number", "title", "short_title"),
        "messages": items(event.messages, "number", "title", "short_title"),
        "talks": items(event.talks, "number", "title"),
        "theme_meetings": items(event.theme_meetings, "number", "title"),
        "slots": [{"id": s.id, "key": s.key, "title": s.title,
                   "starts_at": s.starts_at.isoformat()} for s in event.slots],
    })


@bp.get("/v1/participation")
def participation():
    """Who took part: totals, by region, by size group and per municipality."""
    event, f, error = _context()
    if error:
        return error
    p = overview.participation(event)

    def group(r, key):
        return {key: r.key, "municipalities": r.municipalities,
                "with_committee": r.with_committee, "with_notes": r.with_notes,
                "submitted": r.submitted, "submitted_notes": int(r.notes or 0)}

    return jsonify({
        "event": event.slug,
        "total": {k: int(getattr(p.total, k) or 0) for k in (
            "municipalities", "with_committee", "with_notes", "submitted", "notes")},
        "by_region": [{**group(r, "region_code"), "region_code": int(r.key), "region": r.label}
                      for r in p.by_region],
        "by_size_group": [group(r, "size_group") for r in p.by_size],
        "municipalities": [{
            "code": r.code, "name": r.name, "region_code": r.region_code, "region": r.region,
            "size_group": r.size_group, "committees": r.committees,
            "has_notes": r.draft_notes > 0, "submitted": r.submissions > 0,
            "submitted_at": r.submitted_at.isoformat() + "Z" if r.submitted_at else None,
            "submitted_notes": r.submitted_notes, "demo": bool(r.demo),
        } for r in overview.participation_by_municipality(event, f)],
    })


@bp.get("/v1/matrix")
def matrix():
    """Municipalities and notes per task (or message) and talk, theme meeting or break."""
    event, f, error = _context()
    if error:
        return error
    rows, cols = request.args.get("rows", "task"), request.args.get("cols", "talk")
    if rows not in overview.ROW_KINDS or cols not in overview.COL_KINDS:
        return _error(400, _("rows skal være task eller message, og cols talk, theme_meeting "
                             "eller slot."))
    m = overview.matrix(event, rows, cols, f)

    def cell(c):
        return {"municipalities": c.municipalities, "notes": c.notes}

    return jsonify({
        "rows": rows, "cols": cols,
        "row_ids": [r.id for r in m.rows], "column_ids": [c.id if c else None for c in m.columns],
        "cells": [{"row": r, "column": c, **cell(v)} for (r, c), v in sorted(
            m.cells.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))],
        "row_totals": [{"row": r, **cell(v)} for r, v in sorted(m.row_totals.items())],
        "column_totals": [{"column": c, **cell(v)} for c, v in sorted(
            m.column_totals.items(), key=lambda kv: kv[0] or 0)],
        "total": cell(m.total),
    })


@bp.get("/v1/notes")
def notes():
    """Submitted notes under the filters and an optional Danish search (q), a page at a time."""
    event, form, f, error = _form_context()
    if error:
        return error
    prepared = search.prepare(form.q.data)
    result = overview.notes_page(event, f, prepared, page=form.page_number(),
                                 per_page=form.per_page_number(100, MAX_PER_PAGE))
    mappings = suggestions.submitted_mappings([n.id for n, _m in result.items])
    return jsonify({
        "total": result.total, "page": result.page, "pages": result.pages,
        "per_page": result.per_page,
        "items": [{
            "id": n.id, "municipality": _municipality(m), "slot_id": n.slot_id,
            "talk_id": n.talk_id, "theme_meeting_id": n.theme_meeting_id,
            "tasks": [t.number for t in n.tasks], "messages": [x.number for x in n.messages],
            # Who set each mapping: a person, or an accepted suggestion of which model.
            "mappings": [link.as_json() for link in mappings.get(n.id, [])],
            "key_point": n.key_point, "author_name": n.author_name,
            "written_at": n.written_at.isoformat() + "Z", "body": n.body,
        } for n, m in result.items],
    })


@bp.get("/v1/summaries")
def summaries():
    """The chairs' submitted summaries (filter with task or message)."""
    event, f, error = _context()
    if error:
        return error
    return jsonify({"items": [{
        "id": s.id, "municipality": _municipality(m),
        "task": s.task.number if s.task else None,
        "message": s.message.number if s.message else None, "body": s.body,
    } for s, m in overview.summaries(event, f)]})


@bp.get("/v1/actions")
def actions():
    """The submitted follow-up actions (filter with task)."""
    event, f, error = _context()
    if error:
        return error
    return jsonify({"items": [{
        "id": a.id, "municipality": _municipality(m), "task": a.task.number if a.task else None,
        "title": a.title, "responsible": a.responsible,
        "due_on": a.due_on.isoformat() if a.due_on else None, "status": a.status,
    } for a, m in overview.actions(event, f)]})


@bp.get("/v1/follow-ups")
def follow_ups_():
    """How the previous event's actions went: counts per task (overall, by region, by size
    group) and every follow-up with its comment (filter with region, size, municipality)."""
    event, f, error = _context()
    if error:
        return error

    def tally(t):
        return {**t.counts, "total": t.total}

    return jsonify({
        "event": event.slug,
        "statuses": list(follow_ups.STATUSES),
        "by_task": [{
            "task": t.number, "title": t.title, "counts": tally(t.total),
            "by_region": [{"region_code": int(r.key), "region": r.label, "counts": tally(r)}
                          for r in t.by_region],
            "by_size_group": [{"size_group": s.key, "counts": tally(s)} for s in t.by_size],
        } for t in follow_ups.by_task(event, f)],
        "items": [{
            "id": x.id, "municipality": _municipality(m),
            "task": x.task.number if x.task else None, "title": x.title,
            "responsible": x.responsible,
            "due_on": x.due_on.isoformat() if x.due_on else None,
            "previous_status": x.previous_status, "status": x.status, "comment": x.comment,
        } for x, m in db.session.execute(follow_ups.follow_ups_query(event, f))],
    })


@bp.get("/v1/themes")
def themes_():
    """Recurring themes in the filtered notes (usually ?task=<id>)."""
    event, f, error = _context()
    if error:
        return error
    # Each theme lists its note ids, so a reader can check what it holds (/v1/notes?tema=key);
    # a broad theme lists the fine themes it was joined from, each openable by its own key.
    return jsonify({"items": [{
        "key": t.key, "label": t.label, "terms": t.terms,
        "municipalities": t.municipalities, "note_count": t.note_count,
        "note_ids": t.note_ids,
        "parts": [{"key": p.key, "label": p.label, "note_ids": p.note_ids,
                   "municipalities": p.municipalities} for p in t.parts],
        "by_region": [{"region": name, "municipalities": n} for name, n in t.by_region],
        "by_size_group": [{"size_group": key, "municipalities": n} for key, n in t.by_size],
        "quotes": [{"note_id": q.note_id, "municipality": q.municipality, "text": q.body}
                   for q in t.quotes],
    } for t in themes.themes_for(event, f)]})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document(external_url("kl_api.openapi").rsplit("/", 1)[0]))


def openapi_document(server: str) -> dict:
    """The API described in OpenAPI 3.0 (also the contract the tests check)."""
    filters = [
        _param("event", "string", "Arrangementets slug; standard er det aktuelle."),
        _param("task", "integer", "Opgavens id (se /v1/programme)."),
        _param("message", "integer", "Budskabets id."),
        _param("talk", "integer", "Det politiske oplægs id."),
        _param("theme_meeting", "integer", "Temamødets id."),
        _param("slot", "integer", "Pausens id."),
        _param("region", "integer", "Regionskode (1081–1085)."),
        {"name": "size", "in": "query", "required": False,
         "description": "Størrelsesgruppe.",
         "schema": {"type": "string", "enum": list(overview.SIZE_ORDER)}},
        _param("municipality", "integer", "Kommunekode."),
        _param("key_points", "integer", "1: kun nøglepunkter."),
        _param("tema", "string", "Et temas nøgle (key fra /v1/themes med de samme filtre): "
                                 "kun temaets noter."),
    ]
    error = {"description": "Fejl", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}

    def op(summary, extra=(), schema=None):
        return {"get": {
            "summary": summary, "parameters": [*filters, *extra],
            "responses": {"200": {"description": "OK", "content": {"application/json": {
                "schema": schema or {"type": "object"}}}},
                "400": error, "401": error, "404": error},
        }}

    page = [_param("page", "integer", "Side, fra 1."),
            _param("per_page", "integer", f"Noter pr. side, højst {MAX_PER_PAGE}.")]
    return {
        "openapi": "3.0.3",
        "info": {"title": "delib KL API", "version": "1.0.0",
                 "description": "Læseadgang for KL's analytikere til de indsendte bidrag "
                                "(kun nyeste indsendte version; aldrig kladder)."},
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "flask create-api-token"}},
            "schemas": {
                "Error": {"type": "object", "properties": {
                    "error": {"type": "string"}, "status": {"type": "integer"}}},
                "Note": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "body": {"type": "string"},
                    "municipality": {"type": "object"}, "tasks": {"type": "array",
                                                                  "items": {"type": "integer"}},
                    "messages": {"type": "array", "items": {"type": "integer"}},
                    "mappings": {"type": "array", "items": {"type": "object", "properties": {
                        "kind": {"type": "string", "enum": ["task", "message"]},
                        "number": {"type": "integer"},
                        "source": {"type": "string", "enum": ["person", "suggestion"]},
                        "model_version": {"type": "string", "nullable": True},
                        "accepted_by": {"type": "string", "nullable": True}}}},
                    "slot_id": {"type": "integer", "nullable": True},
                    "talk_id": {"type": "integer", "nullable": True},
                    "theme_meeting_id": {"type": "integer", "nullable": True},
                    "key_point": {"type": "boolean"}, "author_name": {"type": "string"},
                    "written_at": {"type": "string", "format": "date-time"}}},
            },
        },
        "paths": {
            "/v1/programme": op("Opgaver, budskaber, oplæg, temamøder og pauser med id'er"),
            "/v1/participation": op("Deltagelse samlet, pr. region, størrelse og kommune"),
            "/v1/matrix": op("Kommuner og noter pr. opgave/budskab og kontekst", [
                {"name": "rows", "in": "query", "schema": {"type": "string",
                                                           "enum": list(overview.ROW_KINDS)}},
                {"name": "cols", "in": "query", "schema": {"type": "string",
                                                           "enum": list(overview.COL_KINDS)}},
            ]),
            "/v1/notes": op("Indsendte noter med filtre og dansk fritekstsøgning", [
                _param("q", "string", "Søgeord: alle ord skal findes; bøjninger og sammensatte "
                       "ord forstås; leder* søger på begyndelsen af ord."), *page,
            ], {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}}}),
            "/v1/summaries": op("Formændenes opsummeringer"),
            "/v1/actions": op("Opfølgende handlinger"),
            "/v1/follow-ups": op("Opfølgning på sidste topmødes handlinger: antal pr. opgave, "
                                 "region og størrelse, og hver handling med kommentar"),
            "/v1/themes": op("Tilbagevendende temaer (typisk for én opgave)"),
        },
    }


def _param(name: str, kind: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": kind}}
