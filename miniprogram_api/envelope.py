"""The API envelope: `{"data": ...}` on success, `{"error": {code, message, fields?}}` otherwise."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from app.core import db_outage
from app.core.errors import DomainError, ValidationFailed
from app.core.extensions import db
from app.core.texts import ERRORS

log = logging.getLogger(__name__)

PREFIX = "/api/mp/v1"

_HTTP_CODES = {
    400: "bad_request",
    401: "login_required",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def ok(data, status: int = 200) -> tuple[Response, int]:
    return jsonify(data=data), status


def raw_ok(data_json: str, status: int = 200) -> Response:
    """Wrap an already-serialised JSON document without parsing it again (the scan path)."""
    return Response('{"data":' + data_json + "}", status=status, mimetype="application/json")


def error_response(code: str, message: str, status: int, fields: dict | None = None) -> tuple[Response, int]:
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status


def register_error_handlers(bp: Blueprint) -> None:
    db_outage.register(bp, lambda exc: error_response(exc.code, exc.message, exc.status))

    @bp.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return error_response(exc.code, exc.message, exc.status, exc.fields)

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        code = _HTTP_CODES.get(exc.code or 400, "bad_request")
        return error_response(code, ERRORS[code], exc.code or 400)

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
            raise exc
        log.exception("unhandled error in the mini-program API")
        return error_response("internal_error", ERRORS["internal_error"], 500)


def api_not_found_for_unknown_paths(app, otherwise) -> None:
    """Unknown paths under the API prefix answer in the envelope; others go to `otherwise(exc)`."""

    @app.errorhandler(404)
    def _nf(exc):
        if request.path.startswith(PREFIX):
            return error_response("not_found", ERRORS["not_found"], 404)
        return otherwise(exc)

    @app.errorhandler(405)
    def _mna(exc):
        if request.path.startswith(PREFIX):
            return error_response("method_not_allowed", ERRORS["method_not_allowed"], 405)
        return otherwise(exc)


def json_body(*, allow_empty: bool = False) -> dict:
    """The request's JSON object, numbers with decimals parsed exactly (money is never a float)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if allow_empty:
            return {}
        raise ValidationFailed({"body": "请求内容为空"})
    try:
        value = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("invalid_json", status=400) from None
    if not isinstance(value, dict):
        raise ValidationFailed({"body": "请求内容应为 JSON 对象"})
    if b"\\u0000" in raw and _has_nul(value):  # no database stores it, and no person types it
        raise ValidationFailed({"body": "请求内容包含无效字符"})
    return value


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
