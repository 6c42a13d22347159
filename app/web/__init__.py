"""Public H5 pages for any phone camera: the home page `/`, the store page `/s/<code>`, the ordinary-link
verification file, and the Chinese error pages every non-API path answers with."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from app.core import db_outage
from app.core.errors import DomainError
from app.stores import cache, codes, mp_link
from app.web.texts import ERROR_OTHER, ERROR_PAGES, LOOKUP_EMPTY, NO_LINK

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def home():
    return render_template("web/index.html", hotline=current_app.config["HOTLINE_12315"])


@bp.get("/s")
def lookup():
    """The home page's store-code form: on to the store page, or back with a note when empty."""
    code = codes.normalize(request.args.get("code", ""))
    if not code:
        page = render_template(
            "web/index.html", hotline=current_app.config["HOTLINE_12315"], problem=LOOKUP_EMPTY
        )
        return page, 400
    return redirect(f"/s/{code}", 303)


def _unavailable(exc: DomainError):
    hotline = current_app.config["HOTLINE_12315"]
    return render_template("web/unavailable.html", message=exc.message, hotline=hotline), exc.status


db_outage.register(bp, _unavailable)


@bp.get("/s/<code>")
def store(code: str):
    if code.endswith(".txt"):
        return verify_file(code)
    try:
        page = cache.get_page(code, client_addr=request.remote_addr)
    except DomainError as exc:
        template = "web/code_revoked.html" if exc.status == 410 else "web/store_not_found.html"
        return render_template(template, code=code, hotline=current_app.config["HOTLINE_12315"]), exc.status
    return render_template("web/store.html", s=page)


@bp.get("/s/<code>/open")
def open_in_mini_program(code: str):
    """The store page's complain button: on to a WeChat URL Link (or Scheme) of the mini-program's store
    page, or a Chinese page saying to scan the code in WeChat when WeChat gives no link."""
    try:
        page = cache.get_page(code, count_scan=False)
    except DomainError:
        return store(code)  # the same not-found / revoked page as the store page itself
    link = mp_link.open_link(page["code"]) if page["complaints_open"] else None
    if link is None:
        title, text = NO_LINK
        hotline = current_app.config["HOTLINE_12315"]
        return render_template("web/error.html", status=503, title=title, text=text, hotline=hotline), 503
    return redirect(link, 302)


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


def error_page(exc: HTTPException) -> tuple[str, int]:
    """Any HTTP error outside the JSON API as a Chinese page styled like the rest (500 included)."""
    status = exc.code or 500
    if status >= 500:
        original = getattr(exc, "original_exception", None)
        if original is not None:
            log.error("unhandled error on %s", request.path, exc_info=original)
    title, text = ERROR_PAGES.get(status, ERROR_OTHER)
    hotline = current_app.config["HOTLINE_12315"]
    return render_template("web/error.html", status=status, title=title, text=text, hotline=hotline), status
