"""The console's directory pages beside `views` (on the same blueprint): regions and business circles
over `app.directory.areas`, and handing a closing station's open cases to another
(`app.complaints.station_closing.hand_over_and_close`).

`/admin/regions` lists the account's regions as a tree and the circles its stations serve; a region, a
circle or a station outside the account's subtree answers 404, as a missing one does.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, g, redirect, url_for

from app.accounts.service import Permission
from app.complaints import station_closing
from app.complaints.models import OPEN_STATUSES, Complaint
from app.complaints.texts import HAND_OVER
from app.console.texts import AREAS
from app.console.views import _actor, _form, _message, _page, _station_in_scope, bp, page
from app.core.errors import DomainError, NotFound
from app.core.extensions import db
from app.core.models import parse_id
from app.directory import areas
from app.directory.models import BusinessCircle, Region, Station
from app.directory.stations import region_path
from app.directory.texts import CIRCLE_FORMATS, CIRCLE_LABELS, REGION_FORMATS, REGION_LABELS


def _root() -> Station:
    return db.session.get(Station, g.scope.root_id)


def _station_scope() -> frozenset[int] | None:
    """The account's stations; None at the top of the tree (circles without a station included)."""
    return None if _root().parent_id is None else g.scope.station_ids


def _region_scope() -> frozenset[int] | None:
    return areas.region_scope(_root())


def _region_in_scope(region_id: str) -> Region:
    region = db.session.get(Region, parse_id(region_id) or 0)
    scope = _region_scope()
    if region is None or (scope is not None and region.id not in scope):
        raise NotFound("region_not_found")
    return region


def _circle_in_scope(circle_id: str) -> BusinessCircle:
    circle = db.session.get(BusinessCircle, parse_id(circle_id) or 0)
    scope = _station_scope()
    if circle is None or (scope is not None and circle.station_id not in scope):
        raise NotFound("circle_not_found")
    return circle


def _form_page(kind: str, values: dict, status: int = 200, **context) -> Response:
    region = kind == "region"
    return _page(
        "area",
        status,
        kind=kind,
        values=values,
        fields_order=areas.REGION_FIELDS if region else areas.CIRCLE_FIELDS,
        labels=REGION_LABELS if region else CIRCLE_LABELS,
        formats=REGION_FORMATS if region else CIRCLE_FORMATS,
        texts=AREAS,
        **context,
    )


def _save(kind: str, target, form: dict, save) -> Response:
    """Run `save` (one domain call), commit and show the saved page; else the form with its problems."""
    try:
        saved = save()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.fields or {"": exc.message}
        return _form_page(kind, form, exc.status, errors=errors, target=target, new=target is None)
    return redirect(url_for(f"console.{kind}", **{f"{kind}_id": saved.id}, done=f"{kind}_saved"), 303)


@bp.get("/regions")
@page()
def regions():
    return _page(
        "areas",
        tree=areas.region_tree(_region_scope()),
        circles=areas.circles(_station_scope()),
        region_path=region_path,
        texts=AREAS,
    )


@bp.get("/regions/new")
@page(Permission.WRITE)
def region_new():
    root = _root()
    return _form_page("region", {"name": "", "parent": region_path(root.region)}, new=True)


@bp.get("/regions/<region_id>")
@page()
def region(region_id: str):
    target = _region_in_scope(region_id)
    return _form_page("region", areas.region_values(target), target=target)


@bp.post("/regions", defaults={"region_id": None})
@bp.post("/regions/<region_id>")
@page(Permission.WRITE)
def region_save(region_id: str | None):
    target = _region_in_scope(region_id) if region_id is not None else None
    form, root = _form(), _root()
    return _save(
        "region",
        target,
        form,
        lambda: areas.save_region(
            form,
            _actor(),
            region=target,
            scope=areas.region_scope(root),
            scope_root=root.region_id,
            station_id=root.id,
        ),
    )


@bp.get("/circles/new")
@page(Permission.WRITE)
def circle_new():
    return _form_page("circle", {"name": "", "region": "", "station": _root().name}, new=True)


@bp.get("/circles/<circle_id>")
@page()
def circle(circle_id: str):
    target = _circle_in_scope(circle_id)
    return _form_page("circle", areas.circle_values(target), target=target)


@bp.post("/circles", defaults={"circle_id": None})
@bp.post("/circles/<circle_id>")
@page(Permission.WRITE)
def circle_save(circle_id: str | None):
    target = _circle_in_scope(circle_id) if circle_id is not None else None
    form = _form()
    return _save(
        "circle",
        target,
        form,
        lambda: areas.save_circle(
            form, _actor(), circle=target, stations=_station_scope(), regions=_region_scope()
        ),
    )


# ------------------------------------------------------------------------------- closing a station


def _hand_over_page(station: Station, status: int = 200, **context) -> Response:
    candidates = db.session.scalars(
        sa.select(Station)
        .where(
            Station.id.in_(list(g.scope.station_ids)), Station.id != station.id, Station.closed_at.is_(None)
        )
        .order_by(Station.name)
    ).all()
    open_cases = db.session.scalars(
        sa.select(Complaint.number)
        .where(Complaint.station_id == station.id, Complaint.status.in_(OPEN_STATUSES))
        .order_by(Complaint.id)
    ).all()
    return _page(
        "hand_over",
        status,
        station=station,
        candidates=candidates,
        open_cases=open_cases,
        labels=HAND_OVER,
        **context,
    )


@bp.get("/stations/<station_id>/hand-over")
@page(Permission.WRITE)
def station_hand_over_form(station_id: str):
    target = _station_in_scope(station_id)
    if target.id == g.scope.root_id:
        return _message("forbidden", 403)
    return _hand_over_page(target)


@bp.post("/stations/<station_id>/hand-over")
@page(Permission.WRITE)
def station_hand_over(station_id: str):
    target = _station_in_scope(station_id)
    if target.id == g.scope.root_id:
        return _message("forbidden", 403)
    form = _form()
    to_station = db.session.get(Station, parse_id(form.get("to", "")) or 0)
    try:
        station_closing.hand_over_and_close(
            target, to_station, form.get("reason", ""), _actor(), scope=g.scope.station_ids
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.fields or {"": exc.message}
        return _hand_over_page(target, exc.status, errors=errors, values=form)
    return redirect(url_for("console.station", station_id=target.id, done="handed_over"), 303)
