"""H5 pages for any phone camera: `/s/<code>` and the ordinary-link verification file."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template

from app.core import db_outage
from app.core.errors import DomainError
from app.stores import cache

bp = Blueprint("web", __name__, template_folder="templates")


def _unavailable(exc: DomainError):
    hotline = current_app.config["HOTLINE_12315"]
    return render_template("web/unavailable.html", message=exc.message, hotline=hotline), exc.status


db_outage.register(bp, _unavailable)


@bp.get("/s/<code>")
def store(code: str):
    if code.endswith(".txt"):
        return verify_file(code)
    try:
        page = cache.get_page(code)
    except DomainError as exc:
        template = "web/code_revoked.html" if exc.status == 410 else "web/store_not_found.html"
        return render_template(template, code=code, hotline=current_app.config["HOTLINE_12315"]), exc.status
    return render_template("web/store.html", s=page)


@bp.get("/<name>.txt")
def root_verify_file(name: str):
    return verify_file(name + ".txt")


def verify_file(filename: str) -> Response:
    """WeChat's ordinary-link QR rule checks `XXXX.txt` under the rule's path and at the root."""
    configured = current_app.config.get("WECHAT_MP_VERIFY_FILE") or ""
    name, _, content = configured.partition(":")
    if not name or filename != name:
        abort(404)
    return Response(content, mimetype="text/plain")
