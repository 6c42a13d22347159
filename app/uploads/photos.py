"""Evidence photos: accept an uploaded file, keep only clean pixels, decide who may read them.

What the consumer sends is never stored as sent. A file is accepted only when it *decodes* as a still
JPEG, PNG or WebP (extension and declared MIME type are ignored), is complete, is no decompression bomb
and carries nothing outside the image itself (no ZIP, script or HTML after the image's end). The pixels
are then re-encoded into a fresh image, so location (EXIF GPS), camera data, comments, XMP and ICC
profiles are all dropped; the EXIF orientation is applied first so the photo still stands upright.

`Upload.size`, `sha256`, `width` and `height` describe the stored (re-encoded) file, the one that is
served and that a later reviewer can verify. Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
import struct
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps

from app.complaints.models import Complaint, ComplaintEvent
from app.core.errors import DomainError, NotFound
from app.core.extensions import db
from app.staff.models import Staff, StaffRole
from app.uploads import storage
from app.uploads.models import Upload

log = logging.getLogger(__name__)

#: Photos attached in one go: when filing, or with one later message (wx.chooseMedia's count is 9 too).
MAX_PER_CLAIM = 9
JPEG_QUALITY = 88
WEBP_QUALITY = 88

# Markers of a script or page hidden in metadata. Long enough never to occur by chance in binary EXIF.
_HIDDEN_PAYLOAD = re.compile(rb"<\?php|<script|<html|<iframe", re.IGNORECASE)
# Inside entropy-coded data 0xFF00 is a stuffed 0xFF, RSTn belong to the scan, and 0xFF may repeat as fill.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{16,32}")


@dataclass(frozen=True)
class Kind:
    format: str  # Pillow's format name, the only decoder Pillow may use for this file
    decoded_as: frozenset[str]  # what Pillow may call the decoded image
    content_type: str
    extension: str


JPEG = Kind("JPEG", frozenset({"JPEG", "MPO"}), "image/jpeg", "jpg")
PNG = Kind("PNG", frozenset({"PNG"}), "image/png", "png")
WEBP = Kind("WEBP", frozenset({"WEBP"}), "image/webp", "webp")


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass
class _Layout:
    """What walking the container found: where the image ends, and its metadata payloads."""

    end: int
    metadata: list[bytes] = field(default_factory=list)
    lossless: bool = False


class _Corrupt(Exception):
    pass


#: Every refusal's HTTP status; the Chinese messages are in app.complaints.texts.
STATUS = {
    "upload_missing": 422,
    "upload_too_large": 413,
    "upload_too_many_pixels": 413,
    "upload_type_not_allowed": 415,
    "upload_animated": 415,
    "upload_corrupt": 422,
    "upload_polyglot": 422,
    "upload_not_found": 422,  # when claiming; reading answers 404 (NotFound)
    "upload_too_many": 422,
}


def _refused(code: str) -> DomainError:
    return DomainError(code, status=STATUS[code])


# --------------------------------------------------------------------------------------------- accept


def accept(consumer_id: int, filename: str, file: bytes | BinaryIO, declared_type: str | None) -> Upload:
    """Check, clean and store one photo for `consumer_id`; returns the flushed Upload.

    `file` is the bytes or a readable stream; at most UPLOAD_MAX_BYTES + 1 bytes are ever read from it.
    `filename` and `declared_type` come from the client and only appear in logs: the decoded content
    decides. Every refusal is a DomainError (`upload_*`) raised before anything is stored.
    """
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    data = bytes(file) if isinstance(file, bytes | bytearray | memoryview) else read_at_most(file, limit + 1)
    if not data:
        raise _refused("upload_missing")
    if len(data) > limit:
        raise _refused("upload_too_large")
    try:
        image = clean_image(data)
    except DomainError as exc:
        log.info(
            "upload refused for consumer %s: %s (name %r, declared %r, %d bytes)",
            consumer_id,
            exc.code,
            (filename or "")[:80],
            (declared_type or "")[:80],
            len(data),
        )
        raise

    key = storage.new_key(image.extension)
    store = storage.get_storage()
    store.put(key, image.data, image.content_type)
    upload = Upload(
        public_id=secrets.token_urlsafe(16),
        consumer_id=consumer_id,
        storage_key=key,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(image.data).hexdigest(),
    )
    db.session.add(upload)
    try:
        db.session.flush()
    except Exception:
        store.delete(key)
        raise
    return upload


def discard_file(storage_key: str) -> None:
    """Remove a stored file whose row did not commit (the caller's transaction failed)."""
    try:
        storage.get_storage().delete(storage_key)
    except Exception:
        log.exception("could not remove orphaned upload %s", storage_key)


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Read until EOF or `limit` bytes, whichever comes first (streams may return short reads)."""
    chunks, remaining = [], limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def clean_image(data: bytes) -> CleanImage:
    """Validate `data` as a still JPEG/PNG/WebP and re-encode its pixels without any metadata.

    Pure: no database, no storage, no app. Raises DomainError with an `upload_*` code.
    """
    if not data:
        raise _refused("upload_missing")
    kind = _sniff(data)
    layout = _walk(kind, data)
    img = _decode(kind, data)
    try:
        return _reencode(img, kind, lossless=layout.lossless)
    except Exception as exc:  # a decodable image we still cannot write: refuse, never answer 500
        log.warning("re-encoding a %s upload failed", kind.format, exc_info=True)
        raise _refused("upload_corrupt") from exc


def _sniff(data: bytes) -> Kind:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    raise _refused("upload_type_not_allowed")


def _walk(kind: Kind, data: bytes) -> _Layout:
    """Structure check: the image must be complete and nothing may follow it or hide in its metadata."""
    try:
        layout = {"JPEG": _walk_jpeg, "PNG": _walk_png, "WEBP": _walk_webp}[kind.format](data)
    except (_Corrupt, struct.error, IndexError) as exc:
        raise _refused("upload_corrupt") from exc
    trailer = data[layout.end :]
    # Some cameras pad JPEGs with NUL or 0xFF bytes; that can carry nothing. PNG and WebP end exactly.
    if trailer and (kind is not JPEG or trailer.strip(b"\x00\xff")):
        raise _refused("upload_polyglot")
    if any(_HIDDEN_PAYLOAD.search(blob) for blob in layout.metadata):
        raise _refused("upload_polyglot")
    return layout


def _walk_jpeg(data: bytes) -> _Layout:
    end, segments = _jpeg_segments(data, 0)
    layout = _Layout(end, [payload for _, payload in segments])
    # A Multi-Picture JPEG (MPO, and the HDR gain map of Ultra HDR phone photos) declares further
    # JPEGs after the first one's EOI in its APP2 "MPF" segment. Those, and only those, may follow.
    declared = sorted(
        start
        for offset, payload in segments
        if payload.startswith(b"MPF\x00")
        for start in _mpf_image_offsets(payload[4:], offset + 4)
    )
    for start in declared:
        if start < layout.end or data[layout.end : start].strip(b"\x00\xff"):
            continue  # not where a following image can be: whatever is there stays a trailer
        if data[start : start + 3] != b"\xff\xd8\xff":
            continue
        layout.end, more = _jpeg_segments(data, start)
        layout.metadata += [payload for _, payload in more]
    return layout


def _jpeg_segments(data: bytes, start: int) -> tuple[int, list[tuple[int, bytes]]]:
    """Walk one JPEG from its SOI at `start` to just past its EOI.

    Returns the end offset and the APPn/COM payloads with their file offsets. Entropy-coded data is
    skipped marker by marker (0xFF00 stuffing and RSTn are data), so an EOI inside an EXIF thumbnail
    or inside the scan cannot end the image early.
    """
    n = len(data)
    pos = start + 2
    segments: list[tuple[int, bytes]] = []
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise _Corrupt("marker expected")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise _Corrupt("truncated")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos, segments
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM, RSTn: no length
            continue
        if pos + 2 > n:
            raise _Corrupt("truncated")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            raise _Corrupt("bad segment length")
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn, COM
            segments.append((pos + 2, data[pos + 2 : pos + length]))
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
            found = _NEXT_MARKER.search(data, pos)
            if found is None:
                raise _Corrupt("truncated scan")
            pos = found.start()


def _mpf_image_offsets(mpf: bytes, base: int) -> list[int]:
    """File offsets of the further images an MPF (CIPA DC-007) header lists; [] when unreadable."""
    try:
        order = {b"II*\x00": "<", b"MM\x00*": ">"}[mpf[:4]]
        (ifd,) = struct.unpack_from(order + "I", mpf, 4)
        (count,) = struct.unpack_from(order + "H", mpf, ifd)
        for i in range(count):
            tag, _type, size, value = struct.unpack_from(order + "HHII", mpf, ifd + 2 + 12 * i)
            if tag == 0xB002:  # MP Entry: 16 bytes per image, the first is the primary image
                entries = [struct.unpack_from(order + "IIIHH", mpf, value + k) for k in range(0, size, 16)]
                return [base + entry[2] for entry in entries[1:] if entry[2]]
    except (KeyError, struct.error):
        pass
    return []


def _walk_png(data: bytes) -> _Layout:
    view, pos, n = memoryview(data), 8, len(data)
    layout = _Layout(0)
    while True:
        if pos + 12 > n:
            raise _Corrupt("truncated")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        body_end = pos + 8 + length
        if body_end + 4 > n:
            raise _Corrupt("truncated chunk")
        (crc,) = struct.unpack_from(">I", data, body_end)
        if zlib.crc32(view[pos + 4 : body_end]) != crc:
            raise _Corrupt("chunk CRC")
        if ctype not in (b"IDAT", b"fdAT"):
            layout.metadata.append(data[pos + 8 : body_end])
        pos = body_end + 4
        if ctype == b"IEND":
            layout.end = pos
            return layout


def _walk_webp(data: bytes) -> _Layout:
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = riff_size + 8
    if end > len(data):
        raise _Corrupt("truncated")  # a RIFF size beyond the file; a shorter one leaves a trailer
    layout, pos = _Layout(end), 12
    while pos < end:
        if pos + 8 > end:
            raise _Corrupt("truncated chunk header")
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        chunk_end = pos + 8 + size + (size & 1)
        if chunk_end > end:
            raise _Corrupt("chunk beyond RIFF size")
        if fourcc == b"VP8L":
            layout.lossless = True
        if fourcc not in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):
            layout.metadata.append(data[pos + 8 : pos + 8 + size])
        pos = chunk_end
    return layout


def _decode(kind: Kind, data: bytes) -> Image.Image:
    """Fully decode the first image. Truncation, bombs and anything Pillow chokes on are refusals."""
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that; the filter makes the warning an error.
    # The explicit size check below holds even if another thread swaps the warning filters meanwhile.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[kind.format])
            if img.format not in kind.decoded_as:
                raise _refused("upload_type_not_allowed")
            if Image.MAX_IMAGE_PIXELS and img.width * img.height > Image.MAX_IMAGE_PIXELS:
                raise _refused("upload_too_many_pixels")
            # An animation's later frames would be silently lost, and a moving picture proves nothing
            # a still photo cannot. MPO frames are stereo views or an HDR gain map: keep the first.
            if getattr(img, "is_animated", False) and img.format != "MPO":
                raise _refused("upload_animated")
            img.load()  # full decode; ImageFile.LOAD_TRUNCATED_IMAGES stays False (Pillow's default)
        except DomainError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refused("upload_too_many_pixels") from exc
        except Exception as exc:  # Pillow raises many types on hostile input; none may become a 500
            log.info("upload not decodable as %s: %r", kind.format, exc)
            raise _refused("upload_corrupt") from exc
    return img


def _reencode(img: Image.Image, kind: Kind, *, lossless: bool) -> CleanImage:
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # unreadable EXIF must not cost the consumer their evidence
        log.info("EXIF orientation unreadable; keeping the pixels as stored", exc_info=True)
    img = _storable_mode(img, kind)
    # A new image from the raw pixels carries no info at all: no EXIF, XMP, comment, ICC or text chunk
    # (Pillow would otherwise copy some of them, e.g. a JPEG comment, into the saved file).
    pixels = Image.frombytes(img.mode, img.size, img.tobytes())
    out = io.BytesIO()
    if kind is JPEG:
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind is PNG:
        pixels.save(out, "PNG")
    elif lossless:
        pixels.save(out, "WEBP", lossless=True)
    else:
        pixels.save(out, "WEBP", quality=WEBP_QUALITY)
    return CleanImage(out.getvalue(), kind.content_type, kind.extension, pixels.width, pixels.height)


def _storable_mode(img: Image.Image, kind: Kind) -> Image.Image:
    if img.mode in ("I", "I;16", "I;16L", "I;16B"):  # 16-bit grey PNG: scale, do not clip, to 8 bits
        img = img.convert("I").point(lambda v: v / 257).convert("L")
    has_alpha = "A" in img.mode or "transparency" in img.info
    if kind is JPEG:
        return img if img.mode in ("L", "RGB") else img.convert("RGB")
    allowed = ("RGB", "RGBA") if kind is WEBP else ("L", "LA", "RGB", "RGBA")
    if img.mode in allowed and "transparency" not in img.info:
        return img
    return img.convert("RGBA" if has_alpha else "RGB")


# ----------------------------------------------------------------------------------------- reading


def can_read(upload: Upload, *, consumer_id: int | None = None, staff: Staff | None = None) -> bool:
    """The owner; or active station staff responsible for the complaint the photo is attached to.

    A handler reads photos of complaints at their own station; a supervisor also those of every
    station below theirs. Merchant contacts never read evidence (reports must not reach the reported).
    """
    if consumer_id is not None and upload.consumer_id == consumer_id:
        return True
    if staff is None or not staff.active or staff.station_id is None:
        return False
    if staff.role not in (StaffRole.HANDLER, StaffRole.SUPERVISOR):
        return False
    complaint = upload.complaint
    if complaint is None:
        return False
    if staff.station_id == complaint.station_id:
        return True
    if staff.role is StaffRole.SUPERVISOR:
        return any(station.id == staff.station_id for station in complaint.station.chain())
    return False


def find_readable(public_id: str, *, consumer_id: int | None = None, staff: Staff | None = None) -> Upload:
    """The upload if the reader may see it; NotFound("upload_not_found") otherwise, never revealing which."""
    upload = None
    if isinstance(public_id, str) and _PUBLIC_ID.fullmatch(public_id):
        upload = db.session.scalar(sa.select(Upload).where(Upload.public_id == public_id))
    if upload is None or not can_read(upload, consumer_id=consumer_id, staff=staff):
        raise NotFound("upload_not_found")
    return upload


def read_bytes(upload: Upload) -> bytes:
    """The stored file. A row without its file is logged and answered like a missing upload."""
    try:
        return storage.get_storage().get(upload.storage_key)
    except storage.NotStored as exc:
        log.error("upload %s has no stored file at %s", upload.public_id, upload.storage_key)
        raise NotFound("upload_not_found") from exc


# ------------------------------------------------------------------------------------------ claiming


def claim_for_complaint(
    consumer_id: int,
    public_ids: Iterable[str],
    complaint: Complaint,
    *,
    event: ComplaintEvent | None = None,
) -> list[Upload]:
    """Attach the consumer's own, not yet attached uploads to `complaint` (and optionally to `event`).

    All or nothing: any id that is unknown, someone else's or already attached raises
    DomainError("upload_not_found", 422) and attaches none; more than MAX_PER_CLAIM distinct ids raise
    "upload_too_many" (422). Repeated ids count once. Returns the uploads in the given order; flushes,
    never commits.
    """
    if complaint.consumer_id is not None and complaint.consumer_id != consumer_id:
        raise ValueError("uploads can only be attached to the consumer's own complaint")
    given = list(public_ids)
    if not all(isinstance(pid, str) and _PUBLIC_ID.fullmatch(pid) for pid in given):
        raise _refused("upload_not_found")
    wanted = list(dict.fromkeys(given))
    if not wanted:
        return []
    if len(wanted) > MAX_PER_CLAIM:
        raise _refused("upload_too_many")
    found = db.session.scalars(
        sa.select(Upload)
        .where(
            Upload.public_id.in_(wanted),
            Upload.consumer_id == consumer_id,
            Upload.complaint_id.is_(None),
        )
        .with_for_update()  # two complaints filed at once cannot both take the same photo
    ).all()
    by_id = {upload.public_id: upload for upload in found}
    if len(by_id) != len(wanted):
        raise _refused("upload_not_found")
    if event is not None and event.id is None:
        db.session.flush()
    uploads = [by_id[pid] for pid in wanted]
    for upload in uploads:
        upload.complaint = complaint
        if event is not None:
            upload.event_id = event.id
    db.session.flush()
    return uploads
