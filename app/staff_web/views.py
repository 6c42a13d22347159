"""Staff H5 pages: the open-case list, the complaint page with its action forms, evidence photos.

Identity comes from `app.staff.h5_sessions` (WeChat OAuth, or a signed link in sandbox mode); who may
see a case, and how it is loaded and locked, is `app.complaints.access`; the page content and the
actions are `app.complaints.presenters.staff`. Every POST needs the session's CSRF token and a same-site
Origin/Referer, commits once and redirects back (PRG). A case of another station answers exactly as a
number that does not exist (404 "未找到"), so the pages never tell which numbers exist.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
)

from app.complaints import access
from app.complaints.presenters import staff as staff_views
from app.core import db_outage
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.numbers import normalise_number
from app.staff import h5_sessions
from app.staff.h5_sessions import COOKIE_PATH, NONCE_COOKIE, SESSION_COOKIE, STATE_MAX_AGE
from app.staff_web.texts import ACTIONS, DONE, PAGES, SITE
from app.uploads import photos
from wechat import oauth as wechat_oauth
from wechat.api import WeChatAPIError, WeChatUnreachable
from wechat.client import is_sandbox

log = logging.getLogger(__name__)

bp = Blueprint("staff_web", __name__, url_prefix=h5_sessions.PREFIX, template_folder="templates")
#: Outside the prefix: WeChat checks the web-authorisation domain with a file at the domain root.
root_bp = Blueprint("staff_web_root", __name__)

CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_DOMAIN_PAGES = {"complaint_not_found": "not_found", "staff_not_allowed": "forbidden"}


# ----------------------------------------------------------------------------------------- plumbing


@bp.before_request
def _load_session():
    g.staff_session = h5_sessions.read_session(request.cookies.get(SESSION_COOKIE))


@bp.after_request
def _headers(response: Response) -> Response:
    # Personal data: never cached, never framed, no referrer to other sites.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = CSP
    return response


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    db.session.rollback()
    key = _DOMAIN_PAGES.get(exc.code)
    if key:
        return _message(key, exc.status)
    return _page("message", exc.status, title=PAGES["failed"][0], text=exc.message)


db_outage.register(bp, _domain_error)


def _page(name: str, status: int = 200, **context) -> Response:
    return make_response(render_template(f"staff_web/{name}.html", site=SITE, **context), status)


def _message(key: str, status: int) -> Response:
    title, text = PAGES[key]
    return _page("message", status, title=title, text=text)


def _cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=h5_sessions.cookie_secure(),
        httponly=True,
        samesite="Lax",
    )


def _forget(response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, secure=h5_sessions.cookie_secure(), httponly=True, samesite="Lax"
    )


def _login(number: str | None) -> Response:
    """No staff session: off to WeChat's silent authorisation, coming back to this page."""
    nonce = request.cookies.get(NONCE_COOKIE) or ""
    if len(nonce) != 32:  # keep a pending one, so two alerts opened at once both come back
        nonce = h5_sessions.new_nonce()
    response = redirect(h5_sessions.login_url(number, nonce), 302)
    _cookie(response, NONCE_COOKIE, nonce, STATE_MAX_AGE)
    return response


def _logged_in(response: Response, value: str) -> Response:
    _cookie(response, SESSION_COOKIE, value, h5_sessions.session_ttl())
    return response


# -------------------------------------------------------------------------------------------- pages


@bp.get("/")
def index():
    session = g.staff_session
    if session is None:
        return _login(None)
    closed = request.args.get("closed") == "1"
    return _page(
        "list",
        staff=session.staff,
        cases=staff_views.case_list(session.staff, closed=closed),
        closed=closed,
        done=DONE.get(request.args.get("done", "")),
    )


@bp.get("/complaints/<number>")
def complaint_page(number: str):
    num = normalise_number(number)
    if num is None:
        return _message("not_found", 404)
    if "sig" in request.args and is_sandbox():
        staff = h5_sessions.read_link(request.args.get("sig"), num)
        if staff is None:
            return _message("link_invalid", 403)
        # Drop the token from the address bar (and from any Referer) once it has done its job.
        return _logged_in(
            redirect(h5_sessions.page_path(num), 302), h5_sessions.issue_session(staff, h5_sessions.MODE_LINK)
        )
    session = g.staff_session
    if session is None:
        return _login(num)
    complaint = access.for_view(num, staff=session.staff)
    return _detail(session, complaint, done=DONE.get(request.args.get("done", "")))


def _detail(session, complaint, *, status: int = 200, **context) -> Response:
    return _page(
        "complaint",
        status,
        staff=session.staff,
        csrf=session.csrf,
        csrf_field=h5_sessions.CSRF_FIELD,
        c=staff_views.detail(session.staff, complaint),
        labels=ACTIONS,
        **context,
    )


@bp.post("/complaints/<number>/<action>")
def complaint_action(number: str, action: str):
    session = g.staff_session
    if session is None:
        return _message("login_expired", 403)
    token = request.form.get(h5_sessions.CSRF_FIELD)
    if not token:
        return _message("csrf_missing", 400)
    if not h5_sessions.csrf_valid(session, token) or not h5_sessions.same_origin(
        request.headers.get("Origin"),
        request.headers.get("Referer"),
        h5_sessions.allowed_hosts(request.host),
    ):
        return _message("csrf_invalid", 403)
    num = normalise_number(number)
    if num is None or action not in staff_views.ALL_ACTIONS:
        return _message("bad_action", 404)
    try:
        if any("\x00" in value for value in request.form.values()):  # no database stores it
            raise ValidationFailed({"form": "内容包含无效字符"})
        complaint = access.for_action(num, staff=session.staff)
        done, _event = staff_views.act(session.staff, complaint, action, request.form)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _failed(session, num, action, exc)
    # After a transfer the case may have left this person's sight: back to the list then.
    still_visible = access.can_see(session.staff, complaint)
    target = h5_sessions.page_path(num if still_visible else None)
    return redirect(f"{target}?done={done}", 303)


def _failed(session, number: str, action: str, exc: DomainError) -> Response:
    """The domain's own Chinese message on the page, with the status it carries (never a 500)."""
    try:
        complaint = access.for_view(number, staff=session.staff)
    except NotFound:
        return _message("not_found", 404)
    return _detail(
        session,
        complaint,
        status=exc.status,
        error=exc.message,
        fields=list((exc.fields or {}).values()),
        failed_action=action,
        form=request.form,
    )


# ---------------------------------------------------------------------------------------------- OAuth


@bp.get("/auth")
def auth():
    """WeChat's redirect back: `code` → openid → the bound staff member → session cookie."""
    target = h5_sessions.read_oauth_state(request.args.get("state"), request.cookies.get(NONCE_COOKIE))
    code = request.args.get("code")
    if target is None or not code:
        return _message("oauth_failed", 400)
    try:
        openid = wechat_oauth.openid_for_code(code)
    except WeChatAPIError as exc:
        log.info("OAuth code refused: %s", exc)
        return _message("oauth_failed", 400)
    except WeChatUnreachable as exc:
        log.warning("OAuth code exchange failed: %s", exc)
        return _message("wechat_unreachable", 503)
    staff = h5_sessions.staff_for_openid(openid)
    if staff is None:
        response = _message("not_bound", 403)
        _forget(response, SESSION_COOKIE)
        _forget(response, NONCE_COOKIE)
        return response
    response = _logged_in(
        redirect(h5_sessions.page_path(target or None), 302), h5_sessions.issue_session(staff)
    )
    _forget(response, NONCE_COOKIE)
    return response


# --------------------------------------------------------------------------------------------- photos


@bp.get("/uploads/<public_id>")
def upload(public_id: str):
    session = g.staff_session
    if session is None:
        return _message("login_expired", 403)
    try:
        found = photos.find_readable(public_id, staff=session.staff)
        data = photos.read_bytes(found)
    except NotFound:
        return _message("photo_not_found", 404)
    response = Response(data, mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


# ------------------------------------------------------------------------------ MP_verify at the root


@root_bp.get("/MP_verify_<token>.txt")
def mp_verify(token: str):
    """The official account's web-authorisation domain check: `MP_verify_xxx.txt` at the root."""
    name, _, content = (current_app.config.get("WECHAT_OA_VERIFY_FILE") or "").partition(":")
    if not name or name != f"MP_verify_{token}.txt":
        abort(404)
    return Response(content, mimetype="text/plain")
