"""Printable store QR codes: one PNG per store, plus a manifest.csv to hand to the printer.

Each PNG holds a QR code (error correction Q, full 4-module quiet zone) for PUBLIC_BASE_URL/s/<code>,
with the store's name and its code printed underneath. Chinese needs a CJK font: the pinned
`noto-cjk-sans-otc` package ships Noto Sans CJK; otherwise the machine's fonts are searched
(fontconfig, then well-known paths). Without any CJK font the PNG is still written, with the code only,
and the result carries a warning.
"""

from __future__ import annotations

import csv
import functools
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_Q
from sqlalchemy.orm import selectinload

from app.core.errors import NotFound
from app.core.extensions import db
from app.directory import routing
from app.directory.models import BusinessCircle
from app.stores.models import Store

BOX_SIZE = 12  # pixels per module: a version-3 code is 444 px wide, about 3.8 cm at 300 dpi
BORDER = 4  # the quiet zone the QR standard asks for
MANIFEST_COLUMNS = ("code", "name", "url", "circle", "station", "region", "file")
CAPTION = "微信扫一扫  查看证照与承诺 · 一键投诉"
NO_CJK_FONT_WARNING = (
    "未找到中文字体，二维码下方只印了店铺码，没有印店名。"
    "请安装 noto-cjk-sans-otc（pip）或 fonts-noto-cjk（apt）后重新导出。"
)

# Fonts that cover Chinese, by where distributions and systems put them: (path, face index).
_KNOWN_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
)


@dataclass(frozen=True)
class FontSpec:
    path: str
    index: int = 0

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(self.path, size, index=self.index)


@dataclass
class ExportResult:
    out_dir: Path
    manifest: Path
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # stores without an active code
    font: FontSpec | None = None
    warnings: list[str] = field(default_factory=list)


def _usable(spec: FontSpec) -> bool:
    try:
        spec.load(20)
    except OSError:
        return False
    return True


def _packaged_font() -> FontSpec | None:
    try:
        # Late and optional: the packaged font may be absent (then fontconfig finds one).
        import noto_cjk_sans_otc
    except ImportError:
        return None
    return FontSpec(str(noto_cjk_sans_otc.FONT_PATH), 2)  # face 2 of the collection: Noto Sans CJK SC


def _fontconfig_font() -> FontSpec | None:
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "-f", "%{file}|%{index}|%{family}\n"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    entries = []
    for line in out.splitlines():
        path, _, rest = line.partition("|")
        index, _, family = rest.partition("|")
        if path and index.isdigit():
            simplified = any(tag in family for tag in (" SC", "CN", "Hans", "WenQuanYi", "Hei"))
            entries.append((not simplified, path, int(index)))
    for _, path, index in sorted(entries):
        return FontSpec(path, index)
    return None


@functools.cache
def find_cjk_font() -> FontSpec | None:
    """The first CJK font Pillow can open: the packaged one, fontconfig's, then well-known paths."""
    candidates = [_packaged_font(), _fontconfig_font()]
    candidates += [FontSpec(path, index) for path, index in _KNOWN_FONTS if Path(path).exists()]
    return next((c for c in candidates if c is not None and _usable(c)), None)


def store_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/s/{code}"


def qr_image(url: str) -> Image.Image:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, box_size=BOX_SIZE, border=BORDER)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("L")


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Break Chinese text (no spaces) into lines that fit; the last line ends with … when cut."""
    lines, current = [], ""
    for ch in text:
        if draw.textlength(current + ch, font=font) <= width:
            current += ch
            continue
        lines.append(current)
        current = ch
        if len(lines) == max_lines:
            break
    else:
        if current:
            lines.append(current)
        return lines
    last = lines[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def render(url: str, name: str, code: str, font: FontSpec | None) -> Image.Image:
    """The QR code with the store name, the code and a caption under its quiet zone."""
    qr = qr_image(url)
    width = qr.width
    margin = BORDER * BOX_SIZE // 2
    text_width = width - 2 * margin
    grouped = f"{code[:4]} {code[4:]}"
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    blocks: list[tuple[str, ImageFont.ImageFont | ImageFont.FreeTypeFont, int]] = []
    if font is not None:
        name_font = font.load(30)
        for line in _wrap(probe, name, name_font, text_width, 2):
            blocks.append((line, name_font, 0))
        blocks.append((f"店铺码 {grouped}", font.load(26), 0))
        caption_font = font.load(18)
        blocks.append((_wrap(probe, CAPTION, caption_font, text_width, 1)[0], caption_font, 120))
    else:
        blocks.append((grouped, ImageFont.load_default(size=30), 0))

    spacing = 10
    heights = [probe.textbbox((0, 0), text, font=f)[3] for text, f, _ in blocks]
    canvas = Image.new("L", (width, width + sum(heights) + spacing * len(blocks) + margin), 255)
    canvas.paste(qr, (0, 0))
    draw = ImageDraw.Draw(canvas)
    y = width
    for (text, f, grey), h in zip(blocks, heights, strict=True):
        x = (width - draw.textlength(text, font=f)) / 2
        draw.text((x, y), text, font=f, fill=grey)
        y += h + spacing
    return canvas


def safe_filename(code: str, name: str) -> str:
    """CODE_店名.png, without characters that Windows, macOS or Linux refuse in a file name."""
    clean = unicodedata.normalize("NFKC", name)
    clean = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "", clean)
    clean = re.sub(r"\s+", "_", clean).strip("._")[:40]
    return f"{code}_{clean}.png" if clean else f"{code}.png"


def select_stores(*, circle: str | None = None) -> list[Store]:
    """Every store, or one business circle's (NotFound when no circle has that name), circle by circle."""
    query = (
        sa.select(Store)
        .options(
            selectinload(Store.codes),
            selectinload(Store.circle).selectinload(BusinessCircle.station),
            selectinload(Store.station),
            selectinload(Store.region),
            selectinload(Store.commitments),
        )
        .order_by(Store.circle_id.is_(None), Store.circle_id, Store.name, Store.id)
    )
    if circle is not None:
        if "\x00" in circle:  # no name holds one, and PostgreSQL refuses it in a query
            raise NotFound("circle_not_found")
        circle_row = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == circle.strip()))
        if circle_row is None:
            raise NotFound("circle_not_found")
        query = query.where(Store.circle_id == circle_row.id)
    return list(db.session.scalars(query))


def export(out_dir: str | Path, *, base_url: str, circle: str | None = None) -> ExportResult:
    """Write one PNG per store with an active code (optionally only one circle's) and manifest.csv."""
    out = Path(out_dir)
    stores = select_stores(circle=circle)

    out.mkdir(parents=True, exist_ok=True)
    font = find_cjk_font()
    result = ExportResult(out_dir=out, manifest=out / "manifest.csv", font=font)
    if font is None:
        result.warnings.append(NO_CJK_FONT_WARNING)
    rows = []
    for store in stores:
        active = store.active_code
        if active is None:
            result.skipped.append(store.name)
            continue
        url = store_url(base_url, active.code)
        path = out / safe_filename(active.code, store.name)
        render(url, store.name, active.code, font).save(path, format="PNG", dpi=(300, 300), optimize=True)
        result.files.append(path)
        station = routing.responsible_station(store).station
        rows.append(
            {
                "code": active.code,
                "name": store.name,
                "url": url,
                "circle": store.circle.name if store.circle else "",
                "station": station.name if station else "",
                "region": store.region.name if store.region else "",
                "file": path.name,
            }
        )
    if result.skipped:
        result.warnings.append(
            f"{len(result.skipped)} 家店铺没有有效的店铺码，未导出：" + "、".join(result.skipped)
        )
    # UTF-8 with BOM, so Excel on Chinese Windows opens the names correctly.
    with result.manifest.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return result
