"""Public publicity pages (消费投诉信息公示): a store's and a business circle's published cases.

`/publicity/stores/<code>`, `/publicity/circles/<id>` and `/publicity/map[?circle=<id>]`; thin views over `app.publicity`. Only published
cases (see `app.publicity.cases`), their redacted summaries and approved store replies ever appear here.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from app.core import drawing
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.models import parse_id
from app.core.texts import ERRORS
from app.directory.models import BusinessCircle
from app.publicity import cases, geo
from app.publicity.texts import MAP_BANDS, PAGE_INVALID

bp = Blueprint("publicity_web", __name__, template_folder="templates")

PER_PAGE = 20
MAX_PAGE = 10_000


def _page() -> int | None:
    value = parse_id(request.args.get("page") or "1")
    return value if value is not None and 1 <= value <= MAX_PAGE else None


def _listing(find, template: str, **names):
    """A public listing page: the page number checked, the domain asked, a Chinese page either way."""
    number = _page()
    if number is None:
        return render_template("publicity/not_found.html", message=PAGE_INVALID), 400
    try:
        found, listing = find(number)
    except DomainError as exc:
        return render_template("publicity/not_found.html", message=exc.message), exc.status
    return render_template(template, found=found, listing=listing, **names)


@bp.get("/publicity/stores/<code>")
def store(code: str):
    return _listing(lambda n: cases.for_store(code, n, PER_PAGE), "publicity/store.html", code=code.upper())


@bp.get("/publicity/circles/<circle_id>")
def circle(circle_id: str):
    return _listing(lambda n: cases.for_circle(parse_id(circle_id), n, PER_PAGE), "publicity/circle.html")


@bp.get("/publicity/map")
def public_map():
    """Stores on a plain map coloured by their published complaint rate (no tiles: nothing is fetched
    from elsewhere on a public page)."""
    circle = None
    if request.args.get("circle"):
        circle = db.session.get(BusinessCircle, parse_id(request.args.get("circle")) or 0)
        if circle is None:
            return render_template("publicity/not_found.html", message=ERRORS["circle_not_found_public"]), 404
    found = geo.published(circle.id if circle else None)
    return render_template(
        "publicity/map.html",
        drawn=drawing.draw_map(found.features),
        features=found.features,
        circle=circle,
        bands=MAP_BANDS,
        minimum=current_app.config.get("PUBLICITY_MIN_CASES", 5),
    )
