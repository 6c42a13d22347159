"""The console's pages. Each view reads its input, calls one domain function and renders.

Who is here comes from `app.accounts.sessions`; what they may do from `app.accounts.service`
(`can`, `Scope`). A page outside the account's subtree answers 404, the same as a missing one. Every POST
needs the session's CSRF token and a same-site Origin/Referer, commits once and redirects (PRG).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import io
import json
import secrets
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from werkzeug.exceptions import HTTPException

from app.accounts import qr_login, sessions
from app.accounts import service as accounts
from app.accounts.models import ConsoleRole
from app.accounts.service import Permission, Scope
from app.accounts.texts import QR_LOGIN, ROLES
from app.audit import log as audit_log
from app.audit.log import Actor
from app.audit.texts import ACTIONS, VIA
from app.complaints import access, deadlines, flow, station_closing
from app.complaints.presenters import staff as staff_views
from app.complaints.states import Actor as ComplaintActor
from app.console.texts import (
    DONE,
    EXPORT_FORMATS,
    EXPORT_STATES,
    FIELDS,
    IMPORT_KINDS,
    MAP_LAYERS,
    NAV,
    PAGES,
    SERIES_BY,
    SITE,
    STATUS,
)
from app.core import drawing, geodesy
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.models import depth_first, parse_id
from app.core.texts import CREDENTIAL_KINDS, ERRORS, INDUSTRIES, STATION_KINDS
from app.core.timeutil import CHINA, cn_moment, today_cn, utcnow
from app.directory import editing, importing, routing
from app.directory import stations as station_forms
from app.directory.models import BusinessCircle, Station
from app.figures import export, export_jobs, kpis, series
from app.figures.models import ExportJob
from app.figures.texts import DATES as FIGURE_DATES
from app.figures.texts import EXPORT
from app.notifications import credential_alerts
from app.publicity import geo, replies, review
from app.publicity import stores as publicity_stores
from app.publicity.models import ReplyStatus, StoreReply
from app.publicity.texts import MAP_BANDS
from app.staff import people as people_service
from app.staff.h5_sessions import allowed_hosts, same_origin
from app.staff.models import Staff, StaffRole
from app.staff.texts import ROLES as STAFF_ROLES
from app.stores import codes, integrity, posters, qr_export, scan_origin, search
from app.stores.models import Store
from wechat.api import WeChatError

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
UPLOAD_MAX = 5 * 1024 * 1024
QR_COOKIE = "console_qr"  # the browser secret of a WeChat QR login attempt
PAGE_LIMIT = 50
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ----------------------------------------------------------------------------------------- plumbing


@bp.before_request
def _load_session():
    g.console = sessions.read(request.cookies.get(sessions.COOKIE))
    g.scope = Scope.of(g.console.user) if g.console else None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    origin = g.get("img_origin")  # the map's tile server, when one is configured
    response.headers["Content-Security-Policy"] = (
        CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}") if origin else CSP
    )
    session = g.get("console")
    if session is not None and not g.get("logged_out"):
        _cookie(
            response, sessions.COOKIE, session.renewed(), sessions.idle_seconds()
        )  # a fresh idle timer on every page
    return response


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    db.session.rollback()
    if exc.status == 404:
        return _message("not_found", 404)
    text = "；".join(exc.fields.values()) if exc.fields else exc.message
    return _page("message", exc.status, title=PAGES["failed"][0], text=text)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code == 413:
        return _message("too_large", 413)
    if exc.code == 405:
        return _message("method_not_allowed", 405)
    return (
        _message("not_found", 404)
        if exc.code == 404
        else _page("message", exc.code or 400, title=PAGES["failed"][0], text=PAGES["csrf_invalid"][1])
    )


def _cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=sessions.COOKIE_PATH,
        secure=sessions.cookie_secure(),
        httponly=True,
        samesite="Strict",
    )


def _forget(response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=sessions.COOKIE_PATH, secure=sessions.cookie_secure(), httponly=True, samesite="Strict"
    )


def _page(name: str, status: int = 200, **context) -> Response:
    session = g.get("console")
    return make_response(
        render_template(
            f"console/{name}.html",
            site=SITE,
            nav=NAV,
            me=session.user if session else None,
            csrf=session.csrf if session else "",
            csrf_field=sessions.CSRF_FIELD,
            can=(lambda p: accounts.can(session.user, p)) if session else (lambda p: False),
            P=Permission,
            roles=ROLES,
            fields=FIELDS,
            done=DONE.get(request.args.get("done", "")),
            **context,
        ),
        status,
    )


def _message(key: str, status: int) -> Response:
    title, text = PAGES[key]
    return _page("message", status, title=title, text=text)


def page(permission: str = Permission.READ):
    """A console page: signed in (else the login page), CSRF-checked on POST, `permission` held."""

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if g.console is None:
                if request.method == "GET":
                    return redirect(url_for("console.login", next=request.full_path.rstrip("?")), 303)
                return _message("login_required", 403)
            if request.method == "POST" and not _csrf_ok():
                return _message("csrf_invalid", 403)
            if not accounts.can(g.console.user, permission):
                return _message("forbidden", 403)
            return view(*args, **kwargs)

        return inner

    return wrap


def _csrf_ok() -> bool:
    token = request.form.get(sessions.CSRF_FIELD)
    return sessions.csrf_valid(g.console, token) and same_origin(
        request.headers.get("Origin"), request.headers.get("Referer"), allowed_hosts(request.host)
    )


def _actor() -> Actor:
    return Actor.console(g.console.user.username)


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != sessions.CSRF_FIELD}


def _store_in_scope(code: str) -> Store:
    """The store behind `code` (active or revoked) if the account may see it; else NotFound, as for a
    code that does not exist."""
    store = codes.store_of(code)
    if not g.scope.has_store(store):
        raise NotFound("store_not_found")
    return store


# -------------------------------------------------------------------------------------------- login


def _safe_next(target: str | None) -> str:
    target = target or ""
    if target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.index")


@bp.get("/login")
def login():
    return _page("login", next=_safe_next(request.args.get("next")))


@bp.post("/login")
def login_post():
    if not same_origin(
        request.headers.get("Origin"), request.headers.get("Referer"), allowed_hosts(request.host)
    ):
        return _message("csrf_invalid", 403)
    username = request.form.get("username", "")[:64].replace("\x00", "")
    try:
        user = accounts.authenticate(
            username, request.form.get("password", "")[:1024], request.form.get("totp", "")[:16]
        )
    except DomainError as exc:
        db.session.commit()  # failures are counted
        return _page(
            "login",
            exc.status,
            error=exc.message,
            username=username,
            next=_safe_next(request.form.get("next")),
        )
    db.session.commit()
    g.console = sessions.issue(user)
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.get("/login/wechat")
def login_wechat():
    """A login QR of the official account, for a bound staff member's WeChat (`accounts.qr_login`)."""
    attempt = qr_login.start()
    qr = _login_qr(attempt[0]) if attempt is not None else None
    if qr is None:
        return _page("login", 503, error=QR_LOGIN["unavailable"], next=url_for("console.index"))
    response = _page("login_wechat", token=attempt[0], qr=qr, next=_safe_next(request.args.get("next")))
    _cookie(response, QR_COOKIE, attempt[1], qr_login.LOGIN_TTL)
    return response


def _login_qr(token: str) -> str | None:
    try:
        url = people_service.temporary_qr_url(qr_login.scene(token), qr_login.LOGIN_TTL)
    except WeChatError:
        return None
    return _png_data_uri(qr_export.qr_image(url))


@bp.post("/login/wechat")
def login_wechat_post():
    if not same_origin(
        request.headers.get("Origin"), request.headers.get("Referer"), allowed_hosts(request.host)
    ):
        return _message("csrf_invalid", 403)
    token = request.form.get("token", "")[:32]
    user = qr_login.claim(token, request.cookies.get(QR_COOKIE, ""))
    target = _safe_next(request.form.get("next"))
    if user is None:
        qr = _login_qr(token) if len(token) == 32 and token.isalnum() else None
        return _page("login_wechat", 401, token=token, qr=qr, error=QR_LOGIN["waiting"], next=target)
    g.console = sessions.issue(user)
    response = redirect(target, 303)
    _forget(response, QR_COOKIE)
    return response


@bp.post("/logout")
@page()
def logout():
    g.logged_out = True
    response = redirect(url_for("console.login"), 303)
    _forget(response, sessions.COOKIE)
    return response


# -------------------------------------------------------------------------------------------- pages


#: The dashboard's "due soon" window, and how many late clocks it lists.
DUE_SOON = dt.timedelta(hours=48)
LATE_LISTED = 20
DASHBOARD_FIGURES = ("on_time_check", "on_time_close", "mediation_success", "satisfaction")


@bp.get("/")
@page()
def index():
    """What needs attention in the subtree today: late clocks, clocks running out, texts and replies
    waiting for a person, and this month's first figures; then the stations the account covers."""
    station = db.session.get(Station, g.console.user.station_id)
    ids, now, today = set(g.scope.station_ids), utcnow(), today_cn()
    late_cases, late = deadlines.overdue_at(ids, now, LATE_LISTED)
    scope = kpis.make_scope(today.replace(day=1), today, str(station.id), now=now)
    figures = [f for f in kpis.compute(scope) if f.key in DASHBOARD_FIGURES]
    writer = accounts.can(g.console.user, Permission.WRITE)
    return _page(
        "index",
        station=station,
        stations=_scope_stations(),
        late_cases=late_cases,
        late=[[(row, deadlines.describe(row, now)) for row in clocks] for clocks in late],
        label=deadlines.label,
        soon=deadlines.due_within(ids, now, DUE_SOON),
        to_review=review.waiting(ids) if writer else None,
        replies_waiting=replies.waiting(ids) if writer else None,
        figures=figures,
        month=today.month,
        period={"from": scope.first_day.isoformat(), "to": today.isoformat()},
    )


@bp.get("/cases")
@page()
def case_lookup():
    """Find a case of the subtree by its number (any form people type it in)."""
    number = request.args.get("number", "")[:40]
    complaint = access.for_view(number, within=g.scope.station_ids, tails=True)
    return redirect(url_for("console.case_page", number=complaint.number), 303)


@bp.get("/cases/<number>")
@page()
def case_page(number: str):
    """One case of the subtree, read-only: what the station sees, its clocks and its whole timeline; the
    complainant's name and phone for administrators only."""
    complaint = access.for_view(number[:40], within=g.scope.station_ids)
    return _page("case", c=staff_views.supervision(complaint, personal=_may_see_personal()))


@bp.get("/stores")
@page()
def stores():
    q = request.args.get("q", "")
    found = [s for s in search.search(q) if g.scope.has_store(s)]
    return _page(
        "stores", q=q[:100], stores=found[:PAGE_LIMIT], more=len(found) > PAGE_LIMIT, industries=INDUSTRIES
    )


@bp.get("/stores/<code>")
@page()
def store(code: str):
    store = _store_in_scope(code)
    return _store_page(store)


def _store_page(store, status: int = 200, **context) -> Response:
    return _page(
        "store",
        status,
        store=store,
        values=context.pop("values", None) or editing.form_values(store),
        editable=editing.EDITABLE,
        labels=editing.LABELS,
        formats=editing.FORMATS,
        credential_kinds=CREDENTIAL_KINDS,
        industries=INDUSTRIES,
        code_status=STATUS,
        today=today_cn(),
        china=CHINA,
        **context,
    )


@bp.post("/stores/<code>")
@page(Permission.WRITE)
def store_edit(code: str):
    store = _store_in_scope(code)
    try:
        changed = editing.edit_store(store, _form(), _actor(), station_scope=g.scope.station_ids)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        store = codes.store_of(code)
        return _store_page(store, exc.status, errors=exc.fields or {"": exc.message}, values=_form())
    return redirect(url_for("console.store", code=code, done="saved" if changed else "unchanged"), 303)


@bp.post("/stores/<code>/reissue")
@page(Permission.WRITE)
def store_reissue(code: str):
    _store_in_scope(code)
    new = editing.reissue_code(code, request.form.get("reason", ""), _actor())
    db.session.commit()
    return redirect(url_for("console.store", code=new, done="reissued"), 303)


@bp.get("/posters.pdf")
@page()
def posters_pdf():
    """Posters of one store (`store=CODE`), a business circle (`circle=NAME`) or a station's stores
    (`station=NAME`), or else every store, only those in the account's subtree; `size=a4` for A4 (default
    A5)."""
    args = request.args
    code, circle, station = args.get("store"), args.get("circle"), args.get("station")
    chosen = posters.select(circle=circle, station=station, code=code)
    visible = [s for s in chosen if g.scope.has_store(s)]
    if chosen and not visible:
        raise NotFound("store_not_found")
    data = posters.render(
        posters.posters_for(visible, current_app.config["PUBLIC_BASE_URL"]),
        size=args.get("size", "a5"),
        hotline=current_app.config["HOTLINE_12315"],
    )
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name="posters.pdf"
    )


# ------------------------------------------------------------------------------------------ imports


def _import_dir() -> Path:
    path = Path(current_app.instance_path) / "console-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _may_import() -> bool:
    station = db.session.get(Station, g.console.user.station_id)
    return station is not None and station.parent_id is None


def _run_import(kind: str, path: Path):
    table = importing.read_table(path)
    return (importing.import_stations if kind == "stations" else importing.import_stores)(table)


@bp.get("/imports")
@page(Permission.WRITE)
def imports():
    if not _may_import():
        return _message("import_root_only", 403)
    return _page("imports", kinds=IMPORT_KINDS)


@bp.post("/imports")
@page(Permission.WRITE)
def imports_preview():
    if not _may_import():
        return _message("import_root_only", 403)
    upload = request.files.get("file")
    kind = request.form.get("kind", "stores")
    if kind not in IMPORT_KINDS:
        kind = "stores"
    if upload is None or not upload.filename:
        return _page("imports", 400, kinds=IMPORT_KINDS, error=PAGES["import_no_file"][1])
    if (request.content_length or 0) > UPLOAD_MAX:
        return _message("too_large", 413)
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return _page("imports", 400, kinds=IMPORT_KINDS, error=ERRORS["import_file_type"])
    token = secrets.token_hex(16)
    path = _import_dir() / f"{token}-{kind}{suffix}"
    upload.save(path)
    try:
        result = _run_import(kind, path)
    except DomainError as exc:
        db.session.rollback()
        path.unlink(missing_ok=True)
        return _page("imports", 400, kinds=IMPORT_KINDS, error=exc.message)
    finally:
        db.session.rollback()  # a preview writes nothing
    if not result.ok:
        path.unlink(missing_ok=True)
    return _page(
        "import_preview",
        200 if result.ok else 422,
        result=result,
        kind=kind,
        kinds=IMPORT_KINDS,
        token=f"{token}-{kind}{suffix}" if result.ok else "",
        filename=upload.filename[:200],
    )


@bp.post("/imports/confirm")
@page(Permission.WRITE)
def imports_confirm():
    if not _may_import():
        return _message("import_root_only", 403)
    token = request.form.get("token", "")
    name = Path(token).name
    parts = name.split("-")
    path = _import_dir() / name
    if name != token or len(parts) != 2 or len(parts[0]) != 32 or not path.is_file():
        return _message("import_expired", 410)
    kind = Path(parts[1]).stem
    if kind not in IMPORT_KINDS:
        return _message("import_expired", 410)
    result = _run_import(kind, path)
    if not result.ok:  # the directory changed since the preview
        db.session.rollback()
        return _page(
            "import_preview", 422, result=result, kind=kind, kinds=IMPORT_KINDS, token="", filename=""
        )
    if result.changed:
        editing.record_import(result, _actor(), request.form.get("filename", "")[:200] or name)
    db.session.commit()
    path.unlink(missing_ok=True)
    return _page(
        "import_preview",
        200,
        result=result,
        kind=kind,
        kinds=IMPORT_KINDS,
        token="",
        filename="",
        imported=True,
    )


@bp.get("/imports/template-<kind>.csv")
@page()
def import_template(kind: str):
    columns = {"stations": importing.STATION_COLUMNS, "stores": importing.STORE_COLUMNS}.get(kind)
    if columns is None:
        return _message("not_found", 404)
    body = "\ufeff" + ",".join(c.label for c in columns) + "\r\n"
    return send_file(
        io.BytesIO(body.encode("utf-8")),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{IMPORT_KINDS[kind]}导入模板.csv",
    )


# -------------------------------------------------------------------------------------------- audit


def _day(value: str | None) -> dt.date | None:
    """A filter date (YYYY-MM-DD, years 2000-2999), else None: the filter is left out."""
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2999 else None


@bp.get("/audit")
@page()
def audit():
    args = request.args
    since, until = _day(args.get("since")), _day(args.get("until"))
    entries = audit_log.entries(
        station_ids=g.scope.station_ids
        if db.session.get(Station, g.scope.root_id).parent_id is not None
        else None,
        actor=args.get("actor", "")[:64].replace("\x00", ""),
        action=args.get("action", "") if args.get("action") in ACTIONS else "",
        target=args.get("target", "")[:100].replace("\x00", ""),
        since=dt.datetime.combine(since, dt.time(), CHINA) if since else None,
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), CHINA)
        if until and until < dt.date.max
        else None,
    )
    return _page("audit", entries=entries, actions=ACTIONS, via=VIA, args=args, china=CHINA)


@bp.get("/credentials")
@page()
def credentials():
    """Expired and expiring credentials of the stores in the account's subtree, most urgent first."""
    stores = [s for s in search.search("", limit=None) if g.scope.has_store(s)]
    days = int(current_app.config["CREDENTIAL_EXPIRING_DAYS"])
    rows = credential_alerts.listing(stores, today_cn(), days)
    stations = {s.id: s.name for s in _scope_stations()}
    return _page(
        "credentials",
        rows=rows,
        days=days,
        station_of=lambda store: stations.get(routing.station_id_for(store), ""),
        credential_kinds=CREDENTIAL_KINDS,
    )


@bp.get("/integrity")
@page()
def integrity_page():
    """Codes to review: scans far above their own history, mostly from another city, revoked codes
    still being scanned."""
    today = today_cn()
    cfg = current_app.config
    minimum, share = cfg["SCAN_OUT_OF_CITY_MIN"], cfg["SCAN_OUT_OF_CITY_SHARE"]
    away = integrity.mostly_from_elsewhere(today, minimum=minimum, share=share)
    return _page(
        "integrity",
        jumps=[j for j in integrity.jumps(today) if g.scope.has_store(j.store)],
        away=[a for a in away if g.scope.has_store(a.store)],
        origin=scan_origin.state(cfg),
        away_rules={"min": minimum, "share": round(share * 100)},
        still=[s for s in integrity.still_scanned(today) if g.scope.has_store(s.store)],
        rules=integrity,
    )


# ----------------------------------------------------------------------------------------- stations


def _station_in_scope(station_id: str) -> Station:
    station = db.session.get(Station, parse_id(station_id) or 0)
    if station is None or not g.scope.has_station(station.id):
        raise NotFound("station_not_found")
    return station


def _tree(stations: list[Station]) -> list[tuple[int, Station]]:
    """(depth, station) in tree order, from the account's own station down."""
    return depth_first(stations, lambda s: s.parent_id, [s for s in stations if s.id == g.scope.root_id])


@bp.get("/stations")
@page()
def stations():
    scoped = _scope_stations()
    circles = [
        c
        for c in db.session.scalars(sa.select(BusinessCircle).order_by(BusinessCircle.id))
        if g.scope.has_station(c.station_id)
    ]
    return _page(
        "stations",
        tree=_tree(scoped),
        circles=circles,
        kinds=STATION_KINDS,
        region_path=station_forms.region_path,
    )


@bp.get("/stations/new")
@page(Permission.WRITE)
def station_new():
    return _station_form(
        {"parent": db.session.get(Station, g.scope.root_id).name, "kind": "service_station"}, new=True
    )


@bp.get("/stations/<station_id>")
@page()
def station(station_id: str):
    return _station_form(
        station_forms.form_values(_station_in_scope(station_id)), station=_station_in_scope(station_id)
    )


def _station_form(values: dict, status: int = 200, **context) -> Response:
    return _page(
        "station",
        status,
        values=values,
        fields_order=station_forms.FIELDS,
        labels=station_forms.LABELS,
        formats=station_forms.FORMATS,
        kinds=STATION_KINDS,
        **context,
    )


@bp.post("/stations")
@page(Permission.WRITE)
def station_save():
    form = _form()
    try:
        saved = station_forms.save_station(
            form, _actor(), scope=g.scope.station_ids, scope_root=g.scope.root_id
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _station_form(form, exc.status, errors=exc.fields or {"": exc.message}, new=True)
    return redirect(url_for("console.station", station_id=saved.id, done="saved"), 303)


@bp.post("/stations/<station_id>/close")
@page(Permission.WRITE)
def station_close(station_id: str):
    target = _station_in_scope(station_id)
    if target.id == g.scope.root_id:
        return _message("forbidden", 403)
    station_closing.close_station(target, _actor())
    db.session.commit()
    return redirect(url_for("console.station", station_id=target.id, done="station_closed"), 303)


# -------------------------------------------------------------------------------------------- staff


def _staff_in_scope(staff_id: str) -> Staff:
    person = db.session.get(Staff, parse_id(staff_id) or 0)
    if person is None or not _sees_staff(person):
        raise NotFound("staff_not_found")
    return person


def _sees_staff(person: Staff) -> bool:
    if person.role == StaffRole.MERCHANT:
        return person.store is not None and g.scope.has_store(person.store)
    return g.scope.has_station(person.station_id)


def _form_station() -> Station:
    """The station a form names by `station_id`, if the account may see it; else NotFound."""
    station = db.session.get(Station, parse_id(request.form.get("station_id")) or 0)
    if station is None or not g.scope.has_station(station.id):
        raise NotFound("station_not_found")
    return station


def _scope_stations() -> list[Station]:
    return [
        s for s in db.session.scalars(sa.select(Station).order_by(Station.id)) if g.scope.has_station(s.id)
    ]


@bp.get("/staff")
@page()
def staff():
    return _staff_page()


def _staff_page(status: int = 200, **context) -> Response:
    people = [p for p in people_service.list_staff() if _sees_staff(p)]
    return _page(
        "staff",
        status,
        people=people,
        stations=_scope_stations(),
        staff_roles=STAFF_ROLES,
        place=people_service.place,
        **context,
    )


@bp.post("/staff")
@page(Permission.WRITE)
def staff_add():
    form = request.form
    station = _form_station()
    people_service.add_staff(
        station, form.get("name", ""), form.get("role", ""), form.get("phone", ""), actor=_actor()
    )
    db.session.commit()
    return redirect(url_for("console.staff", done="staff_added"), 303)


@bp.post("/staff/<staff_id>/invite")
@page(Permission.WRITE)
def staff_invite(staff_id: str):
    person = _staff_in_scope(staff_id)
    invite = people_service.create_invite(person, actor=_actor())
    db.session.commit()
    qr = None
    with contextlib.suppress(WeChatError):  # committed first: the code works even without the QR
        qr = _png_data_uri(qr_export.qr_image(people_service.invite_qr_url(invite)))
    return _page("invite", person=person, invite=invite, qr=qr, china=CHINA)


def _png_data_uri(image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@bp.post("/staff/<staff_id>/unbind")
@page(Permission.WRITE)
def staff_unbind(staff_id: str):
    person = _staff_in_scope(staff_id)
    people_service.unbind(person, actor=_actor())
    db.session.commit()
    return redirect(url_for("console.staff", done="staff_unbound"), 303)


# -------------------------------------------------------------------------------------------- users


@bp.get("/users")
@page(Permission.ACCOUNTS)
def users():
    return _users_page()


def _users_page(status: int = 200, **context) -> Response:
    return _page(
        "users",
        status,
        users=accounts.users_in(g.scope),
        stations=_scope_stations(),
        role_list=list(ConsoleRole),
        **context,
    )


@bp.post("/users")
@page(Permission.ACCOUNTS)
def users_create():
    form = request.form
    station = _form_station()
    try:
        accounts.create_user(
            form.get("username", ""),
            station,
            form.get("role", ""),
            form.get("password", ""),
            _actor(),
            by=g.console.user,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _users_page(
            exc.status, error="；".join(exc.fields.values()) if exc.fields else exc.message, form=form
        )
    return redirect(url_for("console.users", done="user_created"), 303)


@bp.post("/users/<username>/disable")
@page(Permission.ACCOUNTS)
def users_disable(username: str):
    user = accounts.find_user(username)
    accounts.disable_user(user, _actor(), by=g.console.user)
    db.session.commit()
    return redirect(url_for("console.users", done="user_disabled"), 303)


# ------------------------------------------------------------------------------------------ figures


def _figure_station() -> Station:
    """The station a figures page is about (`station`, an id): the account's own by default; one
    outside its subtree is NotFound, as a missing one."""
    value = request.args.get("station")
    if not value:
        return db.session.get(Station, g.scope.root_id)
    return _station_in_scope(value)


def _figure_scope(default: tuple[dt.date, dt.date]) -> tuple[kpis.Scope, Station]:
    """The period (`from`, `to`; `default` when absent or not a date) and station of a figures page."""
    station = _figure_station()
    first = _day(request.args.get("from")) or default[0]
    last = _day(request.args.get("to")) or default[1]
    return kpis.make_scope(first, last, station.name), station


def _this_year() -> tuple[dt.date, dt.date]:
    today = today_cn()
    return today.replace(month=1, day=1), today


def _period_args(scope: kpis.Scope, station: Station) -> dict:
    return {"from": scope.first_day.isoformat(), "to": scope.last_day.isoformat(), "station": station.id}


@bp.get("/figures")
@page()
def figures():
    scope, station = _figure_scope(_this_year())
    by = request.args.get("by")
    by = by if by in series.BY else series.default_by(scope.first_day, scope.last_day)
    today = today_cn()
    found = kpis.compute(scope)
    spans, course = series.course(scope, by, today)
    labels = [b.label for b in spans]
    charts = {f.key: drawing.line([p.value for p in course[f.key]], labels, f.unit) for f in found}
    below = series.compare(scope, series.children(station))
    maxima = {f.key: max((row[i].value or 0 for _, row in below), default=0) for i, f in enumerate(found)}
    return _page(
        "figures",
        figures=found,
        charts=charts,
        below=below,
        bar=lambda f: drawing.bar(f.value, f.unit, maxima[f.key]),
        station=station,
        stations=_tree(_scope_stations()),
        scope=scope,
        by=by,
        series_by=SERIES_BY,
        period=_period_args(scope, station),
    )


@bp.get("/figures/stores")
@page()
def figure_stores():
    """Complaints per store in the subtree and their growth against the period before, `PAGE_LIMIT` a
    page (a thin view over `publicity.stores.ranking`)."""
    scope, station = _figure_scope(_this_year())
    number = max(1, min(parse_id(request.args.get("page")) or 1, 100_000))
    rows = publicity_stores.ranking(
        scope.first_day,
        scope.last_day,
        scope.station_ids,
        offset=(number - 1) * PAGE_LIMIT,
        limit=PAGE_LIMIT + 1,
    )
    days = (scope.last_day - scope.first_day).days + 1
    return _page(
        "figure_stores",
        rows=rows[:PAGE_LIMIT],
        more=len(rows) > PAGE_LIMIT,
        number=number,
        first_rank=(number - 1) * PAGE_LIMIT + 1,
        previous=(scope.first_day - dt.timedelta(days=days), scope.first_day - dt.timedelta(days=1)),
        station=station,
        scope=scope,
        period=_period_args(scope, station),
    )


@bp.get("/figures/<key>")
@page()
def figure_cases(key: str):
    """The cases behind one figure, `PAGE_LIMIT` a page; those in the numerator marked."""
    scope, station = _figure_scope(_this_year())
    if key not in kpis.SPEC_BY_KEY:
        raise NotFound("figure_not_found")
    number = max(1, min(parse_id(request.args.get("page")) or 1, 100_000))
    start = (number - 1) * PAGE_LIMIT
    rows = list(kpis.cases(key, scope, offset=start, limit=PAGE_LIMIT + 1))
    stores = {
        s.id: s for s in db.session.scalars(sa.select(Store).where(Store.id.in_({r.store_id for r in rows})))
    }
    return _page(
        "figure_cases",
        figure=kpis.figure(key, scope, through=kpis.rollup_reach()),
        spec=kpis.SPEC_BY_KEY[key],
        rows=rows[:PAGE_LIMIT],
        more=len(rows) > PAGE_LIMIT,
        number=number,
        stores=stores,
        station_names={s.id: s.name for s in _scope_stations()},
        dates=FIGURE_DATES,
        moment=cn_moment,
        station=station,
        period=_period_args(scope, station),
    )


# ---------------------------------------------------------------------------------------------- map


def _map_selection() -> tuple[list[Store], dt.date, dt.date, dict]:
    """The stores in the account's subtree filtered by `circle` (a name) and `industry` (a key), and the
    period (`from`, `to`; the publicity window by default)."""
    args = request.args
    circle = args.get("circle", "")
    if circle:
        found = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == circle[:100]))
        if found is None or not g.scope.has_station(found.station_id):
            raise NotFound("circle_not_found")
    industry = args.get("industry", "") if args.get("industry") in INDUSTRIES else ""
    default = geo.default_period()
    first = _day(args.get("from")) or default[0]
    last = _day(args.get("to")) or default[1]
    kpis.make_scope(first, last)  # the same period rules as the figures
    stores = [s for s in geo.stores_for(circle, industry) if g.scope.has_store(s)]
    return stores, first, last, {"circle": circle, "industry": industry}


@bp.get("/map")
@page()
def map_page():
    stores, first, last, chosen = _map_selection()
    layer = request.args.get("layer") if request.args.get("layer") in MAP_LAYERS else "all"
    found = geo.points(stores, first, last)
    tile_url = current_app.config.get("MAP_TILE_URL") or ""
    drawn = drawing.draw_map(
        found.features,
        tile_url=tile_url,
        tile_key=current_app.config.get("MAP_TILE_KEY") or "",
        tile_system=geodesy.tile_system(current_app.config.get("MAP_TILE_CRS") or "", tile_url),
    )
    if drawn.tiles:
        g.img_origin = _origin(tile_url)
    circles = [
        c
        for c in db.session.scalars(sa.select(BusinessCircle).order_by(BusinessCircle.name))
        if g.scope.has_station(c.station_id)
    ]
    return _page(
        "map",
        drawn=drawn,
        features=found.features,
        unplaced=found.unplaced,
        layer=layer,
        layers=MAP_LAYERS,
        bands=MAP_BANDS,
        circles=circles,
        industries=INDUSTRIES,
        chosen=chosen,
        first=first,
        last=last,
        minimum=current_app.config.get("PUBLICITY_MIN_CASES", 5),
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


@bp.get("/map/stores.geojson")
@page()
def map_geojson():
    stores, first, last, _ = _map_selection()
    response = current_app.response_class(
        json.dumps(geo.points(stores, first, last).collection(), ensure_ascii=False),
        mimetype="application/geo+json",
    )
    return response


# ------------------------------------------------------------------------------------------ exports


def _export_request(fmt: str) -> tuple[kpis.Scope, Station, bool]:
    """The period, station and personal-data choice of an export (`from`, `to`, `station`, `personal`;
    the caller refuses personal data to anyone but an administrator: `_may_see_personal`)."""
    if fmt not in export.FORMATS:
        raise NotFound("not_found")
    scope, station = _figure_scope(_this_year())
    return scope, station, request.args.get("personal") == "1"


def _may_see_personal() -> bool:
    return g.console.user.role == ConsoleRole.ADMINISTRATOR


def _audit_export(scope: kpis.Scope, station: Station, fmt: str, personal: bool, **extra) -> None:
    audit_log.record(
        _actor(),
        "export.cases",
        f"{scope.first_day.isoformat()}~{scope.last_day.isoformat()} {station.name}",
        station_id=station.id,
        after={
            "format": fmt,
            "from": scope.first_day.isoformat(),
            "to": scope.last_day.isoformat(),
            "station": station.name,
            "personal_data": personal,
            **extra,
        },
    )


@bp.get("/exports/cases.<fmt>")
@page()
def export_cases(fmt: str):
    """Cases filed in the period, the columns a regulator files; the complainant's name and phone only
    for administrators (`personal=1`). Written to the audit log before the first byte goes out. An
    export of more than `EXPORT_INLINE_MAX_ROWS` rows is offered to the worker instead (a POST here): even
    a streamed CSV of a district's year outlasts a web worker's time-out."""
    scope, station, personal = _export_request(fmt)
    if personal and not _may_see_personal():
        return _message("personal_data_forbidden", 403)
    if export_jobs.is_large(scope):
        return _page(
            "export_confirm",
            rows=export_jobs.count(scope),
            scope=scope,
            station=station,
            fmt=fmt,
            format_name=EXPORT_FORMATS[fmt],
            query={**_period_args(scope, station), **({"personal": 1} if personal else {})},
            keep_hours=current_app.config.get("EXPORT_KEEP_HOURS", 24),
        )
    _audit_export(scope, station, fmt, personal)
    db.session.commit()
    name = f"{EXPORT['sheet']}-{scope.first_day:%Y%m%d}-{scope.last_day:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = Response(
            stream_with_context(export.csv_lines(scope, personal_data=personal)),
            mimetype="text/csv",
        )
        response.headers["Content-Disposition"] = _attachment(name)
        return response
    # Deleted when closed (send_file closes it after the response); written batch by batch, so memory
    # stays flat. A ZIP cannot go out before it is finished, so a small XLSX is built first.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    export.write_xlsx(scope, handle, personal_data=personal)
    handle.seek(0)
    return send_file(handle, mimetype=XLSX_MIME, as_attachment=True, download_name=name)


@bp.post("/exports/cases.<fmt>")
@page()
def export_queue(fmt: str):
    """Have the worker write the export; the same request again (a double click) opens the same job."""
    scope, station, personal = _export_request(fmt)
    if personal and not _may_see_personal():
        return _message("personal_data_forbidden", 403)
    job, new = export_jobs.request(
        g.console.user.id, station, scope.first_day, scope.last_day, fmt, personal_data=personal
    )
    if new:
        db.session.flush()
        _audit_export(scope, station, fmt, personal, job=job.id)
    db.session.commit()
    if new:
        export_jobs.enqueue(job.id)
    return redirect(url_for("console.export_job", job_id=job.id), 303)


def _own_export(job_id: str) -> ExportJob:
    """An export of this account, its station still in the account's subtree and, with personal data,
    the account still an administrator; anything else is NotFound, as a job that does not exist."""
    job = db.session.get(ExportJob, parse_id(job_id) or 0)
    if (
        job is None
        or job.requested_by != g.console.user.id
        or not g.scope.has_station(job.station_id)
        or (job.personal_data and not _may_see_personal())
    ):
        raise NotFound("export_not_found")
    return job


@bp.get("/exports")
@page()
def exports_page():
    """This account's exports written by the worker, newest first, with their state."""
    return _page("exports", jobs=export_jobs.of_user(g.console.user.id), **_export_context())


@bp.get("/exports/<job_id>")
@page()
def export_job(job_id: str):
    job = _own_export(job_id)
    return _page("exports", jobs=[job], one=True, **_export_context())


def _export_context() -> dict:
    stations = {s.id: s.name for s in _scope_stations()}
    return {
        "states": EXPORT_STATES,
        "formats": EXPORT_FORMATS,
        "station_names": stations,
        "moment": cn_moment,
        "keep_hours": current_app.config.get("EXPORT_KEEP_HOURS", 24),
    }


@bp.get("/exports/<job_id>/download")
@page()
def export_download(job_id: str):
    job = _own_export(job_id)
    path = export_jobs.path_of(job)
    if path is None:
        raise NotFound("export_not_found")
    audit_log.record(
        _actor(),
        "export.download",
        f"{job.first_day.isoformat()}~{job.last_day.isoformat()} #{job.id}",
        station_id=job.station_id,
        after={"job": job.id, "format": job.fmt, "rows": job.rows, "personal_data": job.personal_data},
    )
    db.session.commit()
    name = f"{EXPORT['sheet']}-{job.first_day:%Y%m%d}-{job.last_day:%Y%m%d}.{job.fmt}"
    mimetype = XLSX_MIME if job.fmt == "xlsx" else "text/csv"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


def _attachment(name: str) -> str:
    return f"attachment; filename=cases.csv; filename*=UTF-8''{quote(name)}"


# ------------------------------------------------------------------------ 12315 hand-off, replies


@bp.get("/handoff")
@page(Permission.WRITE)
def handoff():
    return _page("handoff", today=today_cn())


@bp.post("/handoff")
@page(Permission.WRITE)
def handoff_post():
    """Record that a case of the subtree moved to the national 12315 platform (`flow.hand_off_national`);
    the same number again changes nothing."""
    form = request.form
    complaint = access.for_action(form.get("number", "")[:40])
    if not g.scope.has_station(complaint.station_id):
        raise NotFound("complaint_not_found")
    filed_on = _day(form.get("filed_on"))
    if filed_on is None:
        raise ValidationFailed(
            {"national_filed_on": ERRORS["handoff_date_invalid"]}, code="handoff_date_invalid"
        )
    national = form.get("national_number", "")
    event = flow.hand_off_national(complaint, ComplaintActor("system", None, "console"), national, filed_on)
    if event is None:
        return redirect(url_for("console.handoff", done="unchanged"), 303)
    audit_log.record(
        _actor(),
        "complaint.handoff",
        complaint.number,
        station_id=complaint.station_id,
        after={
            "national_case_number": complaint.national_case_number,
            "national_filed_on": filed_on.isoformat(),
        },
    )
    db.session.commit()
    return redirect(url_for("console.handoff", done="handed_off"), 303)


@bp.get("/replies")
@page(Permission.WRITE)
def replies_page():
    """Stores' replies to their published cases in the subtree, waiting for the station's decision."""
    return _page("replies", pending=replies.pending(set(g.scope.station_ids)), moment=cn_moment)


@bp.get("/review")
@page(Permission.WRITE)
def review_page():
    """Complaints of the subtree whose text waits for a person before anything of it may be published."""
    return _page("review", pending=review.pending(set(g.scope.station_ids)), moment=cn_moment)


@bp.post("/review/<number>")
@page(Permission.WRITE)
def review_decide(number: str):
    complaint = access.for_action(number[:40])
    if not g.scope.has_station(complaint.station_id):
        raise NotFound("complaint_not_found")
    decision = request.form.get("decision")
    if decision not in review.DECISIONS:
        return _message("review_decision_missing", 422)
    try:
        changed = review.decide(complaint, decision, ComplaintActor("system", None, "console"))
    except ValueError:
        return _message("review_not_needed", 409)
    if changed:
        audit_log.record(
            _actor(),
            f"content.{decision}",
            complaint.number,
            station_id=complaint.station_id,
            after={"content_check": complaint.content_check.value},
        )
    db.session.commit()
    return redirect(url_for("console.review_page", done=f"review_{decision}"), 303)


@bp.post("/replies/<reply_id>")
@page(Permission.WRITE)
def reply_moderate(reply_id: str):
    reply = db.session.get(StoreReply, parse_id(reply_id) or 0)
    if reply is None or not g.scope.has_station(reply.complaint.station_id):
        raise NotFound("reply_not_found")
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        return _message("decision_missing", 422)
    wanted = ReplyStatus.APPROVED if decision == "approve" else ReplyStatus.REJECTED
    done = "reply_approved" if decision == "approve" else "reply_rejected"
    if reply.status == wanted:  # a retry of the same decision
        return redirect(url_for("console.replies_page", done=done), 303)
    note = request.form.get("note", "")
    replies.moderate(reply.id, decision == "approve", None, note)
    audit_log.record(
        _actor(),
        f"reply.{decision}",
        reply.complaint.number,
        station_id=reply.complaint.station_id,
        after={"text": reply.text, "note": reply.moderation_note},
    )
    db.session.commit()
    return redirect(url_for("console.replies_page", done=done), 303)
