"""Printable store posters: one page per store, as a PDF, A5 (default) or A4.

Each page carries the programme's title, the store's name, a QR code of PUBLIC_BASE_URL/s/<code> about
9 cm wide on A5 (12.7 cm on A4; a phone reads it from a metre and more), the code in text, the store's
current commitments one line each, the responsible station with its phone, and the 12315 hotline.

PDF with reportlab: the QR is drawn as vector rectangles (sharp at any printer resolution), and the
Chinese text is embedded as a subset of a TrueType CJK font. reportlab cannot embed CFF-based OpenType
(Noto Sans CJK), so the font is WenQuanYi Zen Hei from Debian's `fonts-wqy-zenhei` (or Droid Sans
Fallback from `fonts-droid-fallback`); `POSTER_FONT` may name another TrueType file (`path` or
`path:index` for a collection).
"""

from __future__ import annotations

import functools
import io
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

import qrcode
import sqlalchemy as sa
from qrcode.constants import ERROR_CORRECT_Q
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas

from app.core.errors import NotFound, Unavailable
from app.core.extensions import db
from app.directory import routing
from app.directory.models import Station
from app.stores import codes
from app.stores.models import Store
from app.stores.page import commitment_summary
from app.stores.qr_export import select_stores, store_url

log = logging.getLogger(__name__)

FONT_NAME = "PosterCJK"
_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
TITLE = "一店一码 · 放心消费"
CAPTION = "微信扫一扫  查看证照与承诺 · 一键投诉"
SIZES = {"a5": A5, "a4": A4}
RED = (0.784, 0.086, 0.114)


@dataclass(frozen=True)
class Poster:
    """What one page shows (plain values, so a page needs no database access while it is drawn)."""

    name: str
    code: str
    url: str
    commitments: tuple[str, ...]
    station: str
    station_phone: str


def posters_for(stores: Iterable[Store], base_url: str) -> list[Poster]:
    """A poster per store with an active code, in the given order."""
    out = []
    for store in stores:
        active = store.active_code
        if active is None:
            continue
        station_id = routing.station_id_for(store)
        name, phone = routing.station_contact(station_id) if station_id is not None else ("", "")
        out.append(
            Poster(
                name=store.name,
                code=active.code,
                url=store_url(base_url, active.code),
                commitments=tuple(commitment_summary(c.kind, c.terms) for c in store.current_commitments()),
                station=name,
                station_phone=phone,
            )
        )
    return out


def select(*, circle: str | None = None, station: str | None = None, code: str | None = None) -> list[Store]:
    """One store (by any of its codes), one business circle's stores, the stores a station is
    responsible for, or (no argument) every store. NotFound for a name or code that does not exist."""
    if code is not None:
        return [codes.store_of(code)]
    stores = select_stores(circle=circle)
    if station is not None:
        row = (
            None
            if "\x00" in station
            else db.session.scalar(sa.select(Station).where(Station.name == station.strip()))
        )
        if row is None:
            raise NotFound("station_not_found")
        stores = [s for s in stores if routing.station_id_for(s) == row.id]
    return stores


@functools.cache
def _font() -> str:
    configured = os.environ.get("POSTER_FONT", "")
    candidates = list(_FONTS)
    if configured:
        path, _, index = configured.partition(":")
        candidates.insert(0, (path, int(index or 0)))
    for path, index in candidates:
        if not os.path.exists(path):
            continue
        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
        except TTFError:
            continue
        return FONT_NAME
    # the operator's part, in the log; the person who asked reads only that the server lacks a font
    log.error("no CJK TrueType font for posters: install fonts-wqy-zenhei or set POSTER_FONT=path[:index]")
    raise Unavailable("poster_font_missing")


def font_available() -> bool:
    try:
        _font()
    except Unavailable:
        return False
    return True


def _qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per horizontal run of dark modules, quiet zone included."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    module = size / n
    path = c.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(x + start * module, top, (col - start) * module, module)
            else:
                col += 1
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis so it fits on one line."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(current + ch, font, size) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fit("".join(lines[max_lines - 1 :]), font, size, width)]
    return lines


def _page(c: canvas.Canvas, poster: Poster, hotline: str, font: str) -> None:
    """One poster drawn in A5 units (148 × 210 mm); the caller scales for A4."""
    width, height = A5
    center = width / 2
    inner = width - 24 * mm
    # Title band
    c.setFillColorRGB(*RED)
    c.rect(0, height - 26 * mm, width, 26 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(font, 22)
    c.drawCentredString(center, height - 14 * mm, TITLE)
    c.setFont(font, 10)
    c.drawCentredString(center, height - 21 * mm, "市场监督管理部门 · 消费维权服务站")
    # Store name
    c.setFillColorRGB(0, 0, 0)
    y = height - 37 * mm
    for line in _lines(poster.name, font, 18, inner, 2):
        c.setFont(font, 18)
        c.drawCentredString(center, y, line)
        y -= 8 * mm
    # QR
    qr_size = 90 * mm
    qr_top = height - 53 * mm
    _qr(c, poster.url, center - qr_size / 2, qr_top - qr_size, qr_size)
    y = qr_top - qr_size - 3 * mm
    c.setFont(font, 13)
    c.drawCentredString(center, y, f"店铺码  {poster.code}")
    y -= 6 * mm
    c.setFont(font, 10)
    c.drawCentredString(center, y, CAPTION)
    # Commitments
    y -= 9 * mm
    c.setFont(font, 9)
    for line in poster.commitments[:3]:
        c.drawString(12 * mm, y, _fit("· " + line, font, 9, inner))
        y -= 5 * mm
    # Footer: the station and 12315
    c.setFillColorRGB(*RED)
    c.rect(0, 0, width, 16 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(font, 10)
    station = f"负责站点：{poster.station}  电话：{poster.station_phone}" if poster.station else "负责站点：—"
    c.drawCentredString(center, 10 * mm, _fit(station, font, 10, inner))
    c.drawCentredString(center, 4.5 * mm, f"投诉举报热线：{hotline}")


def render(posters: Iterable[Poster], *, size: str = "a5", hotline: str = "12315") -> bytes:
    """A PDF with one page per poster (an empty list gives one page saying so)."""
    font = _font()
    pagesize = SIZES.get(size, A5)
    scale = pagesize[0] / A5[0]
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=pagesize, pageCompression=1)
    c.setTitle(TITLE)
    c.setCreator("一店一码")
    drawn = False
    for poster in posters:
        c.saveState()
        c.scale(scale, scale)
        _page(c, poster, hotline, font)
        c.restoreState()
        c.showPage()
        drawn = True
    if not drawn:
        c.setFont(font, 14)
        c.drawCentredString(pagesize[0] / 2, pagesize[1] / 2, "没有可打印的店铺（无有效店铺码）")
        c.showPage()
    c.save()
    return buffer.getvalue()
