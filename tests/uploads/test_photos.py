"""Evidence photos in the service layer: cleaning, refusals, storage, who may read, claiming."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, PngImagePlugin

from app.core.errors import DomainError
from app.core.extensions import db
from app.staff.models import Staff, StaffRole
from app.uploads import photos, storage
from app.uploads.models import Upload
from tests import factories, images


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    path = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(path))
    return path


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Upload))


def _consumer():
    consumer = factories.consumer()
    db.session.flush()
    return consumer


def _stored_image(upload: Upload) -> Image.Image:
    return Image.open(io.BytesIO(storage.get_storage().get(upload.storage_key)))


# ------------------------------------------------------------------------------------------- accepted


@pytest.mark.parametrize(
    ("data", "content_type", "fmt"),
    [
        (images.jpeg(), "image/jpeg", "JPEG"),
        (images.png(), "image/png", "PNG"),
        (images.png(mode="RGBA"), "image/png", "PNG"),
        (images.webp(), "image/webp", "WEBP"),
        (images.webp(lossless=True, mode="RGBA"), "image/webp", "WEBP"),
    ],
    ids=["jpeg", "png", "png-alpha", "webp", "webp-lossless-alpha"],
)
def test_accept_still_image_stored_with_facts(ctx, upload_dir, data, content_type, fmt):
    consumer = _consumer()

    upload = photos.accept(consumer.id, "photo.bin", io.BytesIO(data), "application/octet-stream")

    stored = storage.get_storage().get(upload.storage_key)
    assert upload.consumer_id == consumer.id and upload.complaint_id is None
    assert upload.content_type == content_type
    assert (upload.width, upload.height) == (64, 48)
    assert upload.size == len(stored) and upload.sha256 == hashlib.sha256(stored).hexdigest()
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/[A-Za-z0-9_-]+\.(jpg|png|webp)", upload.storage_key)
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,32}", upload.public_id)
    assert Image.open(io.BytesIO(stored)).format == fmt
    assert _files(upload_dir) == [upload_dir / upload.storage_key]


def test_accept_gps_and_camera_exif_removed_orientation_applied(ctx, upload_dir):
    original = images.jpeg((64, 48), gps=True, orientation=6, comment=b"taken at home")
    sent = Image.open(io.BytesIO(original))
    assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input really carries a location

    upload = photos.accept(_consumer().id, "IMG_0001.JPG", original, "image/jpeg")

    stored = _stored_image(upload)
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in stored.info and "comment" not in stored.info and "xmp" not in stored.info
    assert stored.size == (48, 64) == (upload.width, upload.height)  # rotated upright, tag dropped


def test_accept_png_text_exif_and_icc_removed(ctx, upload_dir):
    text = PngImagePlugin.PngInfo()
    text.add_text("Location", "31.3,120.6")
    original = images.png(pnginfo=text, exif=images.camera_exif(gps=True), icc_profile=b"device profile")
    sent = Image.open(io.BytesIO(original))
    assert sent.text == {"Location": "31.3,120.6"} and sent.info["icc_profile"] == b"device profile"

    stored = _stored_image(photos.accept(_consumer().id, "a.png", original, "image/png"))

    assert stored.text == {}
    assert dict(stored.getexif()) == {}
    assert "icc_profile" not in stored.info


def test_accept_webp_exif_and_xmp_removed(ctx, upload_dir):
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>31,18N</exif:GPSLatitude></x:xmpmeta>'
    original = images.webp(exif=images.camera_exif(gps=True), xmp=xmp)

    data = storage.get_storage().get(photos.accept(_consumer().id, "a.webp", original, None).storage_key)

    assert b"EXIF" not in data and b"XMP " not in data and b"GPSLatitude" not in data
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}


def test_accept_multi_picture_jpeg_keeps_first_image(ctx, upload_dir):
    upload = photos.accept(_consumer().id, "stereo.jpg", images.mpo(), "image/jpeg")

    stored = _stored_image(upload)
    assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1


def test_accept_jpeg_nul_padding_after_end_allowed(ctx, upload_dir):
    upload = photos.accept(_consumer().id, "pad.jpg", images.jpeg() + b"\x00" * 64, "image/jpeg")
    assert upload.content_type == "image/jpeg"


def test_accept_sixteen_bit_grey_png_scaled_not_clipped(ctx, upload_dir):
    original = images.encode(Image.new("I;16", (8, 8), 40000), "PNG")

    stored = _stored_image(photos.accept(_consumer().id, "g.png", original, "image/png"))

    assert stored.mode == "L" and stored.getpixel((0, 0)) == 40000 // 257


# -------------------------------------------------------------------------------------------- refused


def _jpeg_with_comment(comment: bytes) -> bytes:
    return images.jpeg(comment=comment)


def _webp_riff_too_short() -> bytes:
    return images.webp() + b"PK\x03\x04"  # the RIFF size still names the image alone


REFUSALS = [
    ("gif", images.gif(), "upload_type_not_allowed", 415),
    ("svg-named-jpg", images.SVG, "upload_type_not_allowed", 415),
    ("html-named-jpg", images.HTML, "upload_type_not_allowed", 415),
    ("pdf", images.PDF, "upload_type_not_allowed", 415),
    ("bmp", images.encode(images.picture(), "BMP"), "upload_type_not_allowed", 415),
    ("tiff", images.encode(images.picture(), "TIFF"), "upload_type_not_allowed", 415),
    ("jpeg-signature-only", b"\xff\xd8\xff\xe0" + b"<?php echo 1; ?>", "upload_corrupt", 422),
    ("truncated-jpeg", images.jpeg()[:700], "upload_corrupt", 422),
    ("jpeg-without-eoi", images.jpeg()[:-2], "upload_corrupt", 422),
    ("truncated-png", images.png()[:-30], "upload_corrupt", 422),
    ("png-bad-crc", images.png()[:-5] + b"\x00" + images.png()[-4:], "upload_corrupt", 422),
    ("truncated-webp", images.webp()[:-20], "upload_corrupt", 422),
    ("jpeg-then-zip", images.jpeg() + images.zip_archive(), "upload_polyglot", 422),
    ("jpeg-then-html", images.jpeg() + images.HTML, "upload_polyglot", 422),
    ("mpo-then-zip", images.mpo() + images.zip_archive(), "upload_polyglot", 422),
    ("png-then-php", images.png() + b"<?php system($_GET['c']); ?>", "upload_polyglot", 422),
    ("webp-riff-size-short", _webp_riff_too_short(), "upload_polyglot", 422),
    ("jpeg-php-comment", _jpeg_with_comment(b"<?php system($_GET['c']); ?>"), "upload_polyglot", 422),
    (
        "png-script-chunk",
        images.png_with_chunk(b"tEXt", b"c\x00<script>alert(1)</script>"),
        "upload_polyglot",
        422,
    ),
    ("animated-webp", images.animated("WEBP"), "upload_animated", 415),
    ("animated-png", images.animated("PNG"), "upload_animated", 415),
    ("bomb-over-limit", images.png_declaring(10_000, 10_000), "upload_too_many_pixels", 413),
    ("bomb-over-twice-limit", images.png_declaring(20_000, 20_000), "upload_too_many_pixels", 413),
    ("empty", b"", "upload_missing", 422),
]


@pytest.mark.parametrize(("data", "code", "status"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_accept_refused_nothing_stored(ctx, upload_dir, data, code, status):
    consumer = _consumer()

    with pytest.raises(DomainError) as excinfo:
        photos.accept(consumer.id, "evidence.jpg", io.BytesIO(data), "image/jpeg")

    assert (excinfo.value.code, excinfo.value.status) == (code, status)
    assert "upload" not in excinfo.value.message and excinfo.value.message  # a Chinese message exists
    assert _rows() == 0
    assert _files(upload_dir) == []


def test_accept_too_large_reads_at_most_limit_plus_one(ctx, upload_dir, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)

    class Endless(io.RawIOBase):
        served = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[: len(buffer)] = b"\xff" * len(buffer)
            self.served += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(DomainError) as excinfo:
        photos.accept(_consumer().id, "big.jpg", stream, "image/jpeg")

    assert (excinfo.value.code, excinfo.value.status) == ("upload_too_large", 413)
    assert stream.served <= 1001
    assert _rows() == 0 and _files(upload_dir) == []


def test_accept_exactly_at_limit_accepted(ctx, upload_dir, app, monkeypatch):
    data = images.jpeg()
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", len(data))
    assert photos.accept(_consumer().id, "a.jpg", data, "image/jpeg").content_type == "image/jpeg"


_PREFIXES = [
    b"",
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x01\x00\x00WEBP",
]
_SAMPLES = [images.jpeg(), images.png(), images.webp(), images.mpo()]


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(_PREFIXES), tail=st.binary(max_size=600))
def test_clean_image_arbitrary_bytes_only_domain_errors(prefix, tail):
    try:
        photos.clean_image(prefix + tail)
    except DomainError as exc:
        assert exc.code.startswith("upload_")


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(_SAMPLES), data=st.data())
def test_clean_image_damaged_real_images_only_domain_errors(sample, data):
    cut = data.draw(st.integers(0, len(sample)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(sample) - 1), st.integers(0, 255)), max_size=4))
    damaged = bytearray(sample[:cut] if data.draw(st.booleans()) else sample)
    for pos, value in flips:
        if pos < len(damaged):
            damaged[pos] = value
    try:
        result = photos.clean_image(bytes(damaged))
    except DomainError as exc:
        assert exc.code.startswith("upload_")
    else:
        assert Image.open(io.BytesIO(result.data)).size == (result.width, result.height)


# -------------------------------------------------------------------------------------------- storage


def test_local_storage_roundtrip_atomic_and_idempotent_delete(tmp_path):
    store = storage.LocalStorage(tmp_path)
    key = storage.new_key("jpg")

    store.put(key, b"one", "image/jpeg")
    store.put(key, b"two", "image/jpeg")

    assert store.exists(key) and store.get(key) == b"two"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [key.rsplit("/", 1)[1]]  # no temp files
    store.delete(key)
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(storage.NotStored):
        store.get(key)


@pytest.mark.parametrize(
    "key",
    [
        "../outside.jpg",
        "/etc/passwd",
        "2026/11/22/../../../../etc/passwd",
        "2026/11/22/" + "a" * 20 + ".jpg/../x.jpg",
        "2026/11/22/name with spaces!.jpg",
        "2026/11/22/" + "a" * 20 + ".jpg\x00.png",
        "",
    ],
)
def test_local_storage_refuses_keys_it_did_not_make(tmp_path, key):
    store = storage.LocalStorage(tmp_path / "root")
    for call in (
        lambda: store.put(key, b"x", "image/jpeg"),
        lambda: store.get(key),
        lambda: store.exists(key),
    ):
        with pytest.raises(ValueError):
            call()
    assert not (tmp_path / "outside.jpg").exists()


def test_get_storage_unknown_backend_refused(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "ftp")
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        storage.get_storage()


def test_get_storage_defaults_to_instance_uploads(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", None)
    assert storage.get_storage().root == (storage.Path(app.instance_path) / "uploads").resolve()


# ------------------------------------------------------------------------------------------- can_read


def _case():
    """A photo attached to a complaint at the service station (service < office < centre)."""
    city = factories.city()
    shop = factories.store(circle=city["circle"], region=city["region"])
    owner = _consumer()
    complaint = factories.complaint(shop, owner)
    upload = photos.accept(owner.id, "a.jpg", images.jpeg(), "image/jpeg")
    photos.claim_for_complaint(owner.id, [upload.public_id], complaint)
    assert complaint.station_id == city["service"].id
    return city, owner, complaint, upload


def _staff(station, role=StaffRole.HANDLER, **kw) -> Staff:
    staff = Staff(name="员工", role=role, station=station, **kw)
    db.session.add(staff)
    db.session.flush()
    return staff


def test_can_read_owner_yes_other_consumer_no(ctx, upload_dir):
    _, owner, _, upload = _case()
    other = _consumer()

    assert photos.can_read(upload, consumer_id=owner.id)
    assert not photos.can_read(upload, consumer_id=other.id)
    assert not photos.can_read(upload)


def test_can_read_staff_of_the_station_yes_other_station_no(ctx, upload_dir):
    city, _, _, upload = _case()
    elsewhere = factories.station(name="别处服务站")

    assert photos.can_read(upload, staff=_staff(city["service"]))
    assert photos.can_read(upload, staff=_staff(city["service"], StaffRole.SUPERVISOR))
    assert not photos.can_read(upload, staff=_staff(elsewhere))
    assert not photos.can_read(upload, staff=_staff(elsewhere, StaffRole.SUPERVISOR))


def test_can_read_supervisor_of_parent_yes_handler_of_parent_no(ctx, upload_dir):
    city, _, _, upload = _case()

    assert photos.can_read(upload, staff=_staff(city["office"], StaffRole.SUPERVISOR))
    assert photos.can_read(upload, staff=_staff(city["centre"], StaffRole.SUPERVISOR))
    assert not photos.can_read(upload, staff=_staff(city["office"], StaffRole.HANDLER))


def test_can_read_inactive_staff_and_merchants_no(ctx, upload_dir):
    city, _, complaint, upload = _case()

    assert not photos.can_read(upload, staff=_staff(city["service"], active=False))
    merchant = _staff(city["service"], StaffRole.MERCHANT, store_id=complaint.store_id)
    assert not photos.can_read(upload, staff=merchant)


def test_can_read_unattached_only_owner(ctx, upload_dir):
    city = factories.city()
    owner = _consumer()
    upload = photos.accept(owner.id, "a.jpg", images.jpeg(), "image/jpeg")

    assert photos.can_read(upload, consumer_id=owner.id)
    assert not photos.can_read(upload, staff=_staff(city["centre"], StaffRole.SUPERVISOR))


def test_find_readable_hides_existence(ctx, upload_dir):
    owner, other = _consumer(), _consumer()
    upload = photos.accept(owner.id, "a.jpg", images.jpeg(), "image/jpeg")

    assert photos.find_readable(upload.public_id, consumer_id=owner.id) is upload
    for public_id, who in ((upload.public_id, other.id), ("A" * 22, owner.id), ("../../etc", owner.id)):
        with pytest.raises(DomainError) as excinfo:
            photos.find_readable(public_id, consumer_id=who)
        assert (excinfo.value.code, excinfo.value.status) == ("upload_not_found", 404)


# ------------------------------------------------------------------------------------------- claiming


def _complaint_for(owner, shop=None):
    if shop is None:
        city = factories.city()
        shop = factories.store(circle=city["circle"], region=city["region"])
    return factories.complaint(shop, owner)


def _photos(owner, n: int) -> list[Upload]:
    return [photos.accept(owner.id, f"{i}.jpg", images.jpeg(), "image/jpeg") for i in range(n)]


def test_claim_attaches_own_uploads_in_order(ctx, upload_dir):
    owner = _consumer()
    complaint = _complaint_for(owner)
    taken = _photos(owner, 3)
    wanted = [taken[2].public_id, taken[0].public_id, taken[2].public_id]

    claimed = photos.claim_for_complaint(owner.id, wanted, complaint)

    assert [u.public_id for u in claimed] == [taken[2].public_id, taken[0].public_id]
    assert {u.complaint_id for u in claimed} == {complaint.id}
    assert taken[1].complaint_id is None
    assert photos.claim_for_complaint(owner.id, [], complaint) == []


def test_claim_with_event_records_event(ctx, upload_dir):
    from app.complaints.models import ComplaintEvent

    owner = _consumer()
    complaint = _complaint_for(owner)
    event = ComplaintEvent(complaint=complaint, actor="consumer", channel="mp", action="consumer_message")
    db.session.add(event)

    (photo,) = photos.claim_for_complaint(owner.id, [_photos(owner, 1)[0].public_id], complaint, event=event)

    assert photo.event_id == event.id is not None


@pytest.mark.parametrize("bad", ["someone_elses", "already_attached", "unknown", "malformed", "not_a_string"])
def test_claim_bad_id_refused_nothing_attached(ctx, upload_dir, bad):
    owner, stranger = _consumer(), _consumer()
    complaint = _complaint_for(owner)
    mine = _photos(owner, 1)[0]
    if bad == "someone_elses":
        bad_id = _photos(stranger, 1)[0].public_id
    elif bad == "already_attached":
        earlier = _photos(owner, 1)[0]
        photos.claim_for_complaint(owner.id, [earlier.public_id], _complaint_for(owner, complaint.store))
        bad_id = earlier.public_id
    elif bad == "unknown":
        bad_id = "B" * 22
    elif bad == "malformed":
        bad_id = "x'; DROP TABLE uploads; --"
    else:
        bad_id = 12345

    with pytest.raises(DomainError) as excinfo:
        photos.claim_for_complaint(owner.id, [mine.public_id, bad_id], complaint)

    assert (excinfo.value.code, excinfo.value.status) == ("upload_not_found", 422)
    assert mine.complaint_id is None


def test_claim_more_than_nine_refused(ctx, upload_dir):
    owner = _consumer()
    complaint = _complaint_for(owner)
    taken = _photos(owner, photos.MAX_PER_CLAIM + 1)

    with pytest.raises(DomainError) as excinfo:
        photos.claim_for_complaint(owner.id, [p.public_id for p in taken], complaint)

    assert excinfo.value.code == "upload_too_many"
    assert all(p.complaint_id is None for p in taken)
    assert len(photos.claim_for_complaint(owner.id, [p.public_id for p in taken[:9]], complaint)) == 9


def test_claim_for_someone_elses_complaint_is_a_bug(ctx, upload_dir):
    owner, stranger = _consumer(), _consumer()
    complaint = _complaint_for(owner)
    with pytest.raises(ValueError):
        photos.claim_for_complaint(stranger.id, [_photos(stranger, 1)[0].public_id], complaint)
