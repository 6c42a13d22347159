"""Open data, read-only, shaped as Open311 GeoReport v2: `/open311/v2/...json` over `app.publicity.open311`.

JSON only; an error is the spec's list of `{code, description}` with the HTTP status.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app.core.errors import DomainError, NotFound
from app.publicity import open311

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")


@bp.errorhandler(DomainError)
def _error(exc: DomainError):
    return jsonify([{"code": exc.status, "description": exc.message}]), exc.status


@bp.get("/discovery.json")
def discovery():
    config = current_app.config
    return jsonify(open311.discovery(config["PUBLIC_BASE_URL"], config["HOTLINE_12315"]))


@bp.get("/services.json")
def services():
    return jsonify(open311.services())


@bp.get("/requests.json")
def requests_():
    return jsonify(open311.requests(request.args))


@bp.get("/requests/<number>.json")
def one(number: str):
    return jsonify(open311.one(number))


@bp.get("/<path:anything>")
def other(anything: str):
    raise NotFound("open311_format" if not anything.endswith(".json") else "not_found")
