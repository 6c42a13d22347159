"""Open data, read-only, shaped as Open311 GeoReport v2: `/open311/v2/...(json|xml)` over
`app.publicity.open311`.

Each document in both of the spec's formats: JSON, and XML with the spec's element names (`discovery`,
`services/service`, `service_requests/request`, `endpoints/endpoint`, `formats/format`); an error is the
spec's list of `{code, description}` (XML: `<errors><error><code/><description/></error></errors>`) with
the HTTP status. The format of an error follows the path's extension (JSON when it has none).
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, jsonify, request

from app.core.errors import DomainError, NotFound
from app.publicity import open311

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = ("json", "xml")
#: The element of each item of a list, by the list's element (the spec's names).
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


#: Characters XML 1.0 cannot hold at all; dropped rather than make the document unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(ET.SubElement(element, ITEMS[element.tag]), inner)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> bytes:
    """A GeoReport document as XML: `root` holding `value` (a dict's keys as elements, a list's items as
    the singular element of `ITEMS`)."""
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _answer(root: str, value, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, value), status=status, mimetype="text/xml")
    response = jsonify(value)
    response.status_code = status
    return response


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound("open311_format")
    return fmt


@bp.errorhandler(DomainError)
def _error(exc: DomainError):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _answer("errors", [{"code": exc.status, "description": exc.message}], fmt, exc.status)


@bp.get("/discovery.<fmt>")
def discovery(fmt: str):
    config = current_app.config
    doc = open311.discovery(config["PUBLIC_BASE_URL"], config["HOTLINE_12315"])
    return _answer("discovery", doc, _format(fmt))


@bp.get("/services.<fmt>")
def services(fmt: str):
    return _answer("services", open311.services(), _format(fmt))


@bp.get("/requests.<fmt>")
def requests_(fmt: str):
    fmt = _format(fmt)
    return _answer("service_requests", open311.requests(request.args), fmt)


@bp.get("/requests/<number>.<fmt>")
def one(number: str, fmt: str):
    fmt = _format(fmt)
    return _answer("service_requests", open311.one(number), fmt)


@bp.get("/<path:anything>")
def other(anything: str):
    known = anything.rsplit(".", 1)[-1] in FORMATS if "." in anything else False
    raise NotFound("not_found" if known else "open311_format")
