"""POST /api/mp/v1/uploads and GET /uploads/<id>, as wx.uploadFile and wx.downloadFile use them."""

from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from app.core.extensions import db
from app.staff.models import Staff
from app.uploads import photos
from app.uploads.models import Upload
from tests import helpers, images

API = "/api/mp/v1"


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    path = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(path))
    return path


@pytest.fixture
def alice(client, emulator):
    return helpers.login(client, emulator, "alice")


def _send(client, headers, data: bytes, filename="tmp_wx_0001.jpg", content_type="image/jpeg", field="file"):
    """What wx.uploadFile sends: multipart/form-data, one file part, the token in a header."""
    return client.post(
        f"{API}/uploads",
        data={field: (io.BytesIO(data), filename, content_type)},
        headers=headers,
        content_type="multipart/form-data",
    )


def _nothing_stored(app, upload_dir) -> bool:
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Upload))
    files = [p for p in upload_dir.rglob("*") if p.is_file()] if upload_dir.exists() else []
    return rows == 0 and files == []


def _error(resp) -> tuple[int, str]:
    assert resp.is_json, resp.data[:200]
    return resp.status_code, resp.get_json()["error"]["code"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(images.jpeg(), "image/jpeg"), (images.png(), "image/png"), (images.webp(), "image/webp")],
    ids=["jpeg", "png", "webp"],
)
def test_upload_image_201_then_owner_reads_same_bytes(client, alice, upload_dir, data, content_type):
    resp = _send(client, alice, data, content_type="application/octet-stream")

    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()["data"]
    assert set(out) == {"id", "content_type", "size", "width", "height"}
    assert out["content_type"] == content_type and (out["width"], out["height"]) == (64, 48)

    got = client.get(f"{API}/uploads/{out['id']}", headers=alice)
    assert got.status_code == 200
    assert got.mimetype == content_type and len(got.data) == out["size"]
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in got.headers["Cache-Control"]
    assert got.headers["ETag"] == f'"{hashlib.sha256(got.data).hexdigest()}"'
    again = client.get(f"{API}/uploads/{out['id']}", headers={**alice, "If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304


def test_upload_gps_exif_absent_in_served_file(client, alice, upload_dir):
    original = images.jpeg(gps=True, orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    upload_id = _send(client, alice, original).get_json()["data"]["id"]

    served = Image.open(io.BytesIO(client.get(f"{API}/uploads/{upload_id}", headers=alice).data))
    assert dict(served.getexif()) == {} and served.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert served.size == (48, 64)


REFUSALS = [
    ("gif", images.gif(), "a.gif", "image/gif", 415, "upload_type_not_allowed"),
    ("svg-named-jpg", images.SVG, "photo.jpg", "image/jpeg", 415, "upload_type_not_allowed"),
    ("html-named-jpg", images.HTML, "photo.jpg", "image/jpeg", 415, "upload_type_not_allowed"),
    ("truncated-jpeg", images.jpeg()[:700], "photo.jpg", "image/jpeg", 422, "upload_corrupt"),
    (
        "jpeg-then-zip",
        images.jpeg() + images.zip_archive(),
        "photo.jpg",
        "image/jpeg",
        422,
        "upload_polyglot",
    ),
    (
        "png-then-php",
        images.png() + b"<?php eval($_POST[1]); ?>",
        "a.png",
        "image/png",
        422,
        "upload_polyglot",
    ),
    ("animated-webp", images.animated("WEBP"), "a.webp", "image/webp", 415, "upload_animated"),
    ("bomb", images.png_declaring(20_000, 20_000), "a.png", "image/png", 413, "upload_too_many_pixels"),
    ("empty", b"", "photo.jpg", "image/jpeg", 422, "upload_missing"),
]


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "status", "code"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_upload_refused_in_envelope_nothing_stored(
    app, client, alice, upload_dir, data, filename, content_type, status, code
):
    resp = _send(client, alice, data, filename, content_type)

    assert _error(resp) == (status, code)
    assert resp.get_json()["error"]["message"]
    assert _nothing_stored(app, upload_dir)


def test_upload_without_file_field_422(app, client, alice, upload_dir):
    resp = _send(client, alice, images.jpeg(), field="photo")
    assert _error(resp) == (422, "upload_missing")
    assert _nothing_stored(app, upload_dir)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"just some text", "text/plain"),
        (images.jpeg(), "image/jpeg"),  # the raw file without multipart, as wx.request would send it
        (b'{"file": "aGVsbG8="}', "application/json"),
        (b"--nope\r\ngarbage", "multipart/form-data; boundary=other"),
        (b"", "multipart/form-data"),  # no boundary at all
    ],
    ids=["text-plain", "raw-jpeg", "json", "broken-multipart", "no-boundary"],
)
def test_upload_non_multipart_or_broken_body_422(app, client, alice, upload_dir, body, content_type):
    resp = client.post(f"{API}/uploads", data=body, headers={**alice, "Content-Type": content_type})
    assert _error(resp) == (422, "upload_missing")
    assert _nothing_stored(app, upload_dir)


def test_upload_file_over_limit_413(app, client, alice, upload_dir, monkeypatch):
    data = images.jpeg((256, 256))
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", len(data) - 1)

    assert _error(_send(client, alice, data)) == (413, "upload_too_large")
    assert _nothing_stored(app, upload_dir)


def test_upload_body_far_over_limit_413_before_parsing(app, client, alice, upload_dir, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    monkeypatch.setattr(photos, "accept", lambda *args: pytest.fail("the body should not be parsed"))
    data = images.jpeg() + b"\x00" * (uploads_overhead() + 4096)

    assert _error(_send(client, alice, data)) == (413, "upload_too_large")
    assert _nothing_stored(app, upload_dir)


def uploads_overhead() -> int:
    from miniprogram_api.uploads import MULTIPART_OVERHEAD

    return MULTIPART_OVERHEAD


def test_upload_and_read_need_login(app, client, alice, upload_dir):
    upload_id = _send(client, alice, images.jpeg()).get_json()["data"]["id"]

    assert _error(_send(client, {}, images.jpeg())) == (401, "login_required")
    assert _error(_send(client, {"Authorization": "Bearer forged"}, images.jpeg())) == (401, "token_invalid")
    assert _error(client.get(f"{API}/uploads/{upload_id}")) == (401, "login_required")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) == 1


def test_read_by_another_consumer_404_like_unknown(client, emulator, alice, upload_dir):
    bob = helpers.login(client, emulator, "bob")
    upload_id = _send(client, alice, images.jpeg()).get_json()["data"]["id"]

    for path in (upload_id, "A" * 22, "x" * 500, "..%2E%2E"):
        resp = client.get(f"{API}/uploads/{path}", headers=bob)
        assert _error(resp) == (404, "upload_not_found"), path
    assert client.get(f"{API}/uploads/..%2F..%2Fetc%2Fpasswd", headers=bob).status_code == 404
    assert client.get(f"{API}/uploads/{upload_id}", headers=alice).status_code == 200


def test_commit_failure_leaves_no_file(app, client, alice, upload_dir, monkeypatch):
    def failing_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        _send(client, alice, images.jpeg())
    monkeypatch.undo()
    assert _nothing_stored(app, upload_dir)


def test_uploaded_photo_filed_with_complaint_readable_by_its_station(
    app, client, emulator, alice, upload_dir
):
    shop = helpers.shop(app)
    upload_id = _send(client, alice, images.jpeg()).get_json()["data"]["id"]

    resp = client.post(
        f"{API}/stores/{shop['code']}/complaints",
        json=helpers.body(evidence=[upload_id]),
        headers={**alice, **helpers.key()},
    )

    assert resp.status_code == 201, resp.get_json()
    with app.app_context():
        upload = db.session.scalar(sa.select(Upload).where(Upload.public_id == upload_id))
        assert upload.complaint_id is not None
        staff = {s.name: s for s in db.session.scalars(sa.select(Staff))}
        station = upload.complaint.station_id
        handler = next(s for s in staff.values() if s.station_id == station)
        assert photos.can_read(upload, staff=handler)
    again = client.post(
        f"{API}/stores/{shop['code']}/complaints",
        json=helpers.body(evidence=[upload_id], description="同一张图片不能再用于另一件投诉。"),
        headers={**alice, **helpers.key()},
    )
    assert _error(again)[1] == "upload_not_found"


def test_openapi_describes_upload_operations(client):
    doc = client.get(f"{API}/openapi.json").get_json()

    post = doc["paths"][f"{API}/uploads"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "401", "413", "415", "422"} <= set(post["responses"])
    assert post["security"] == [{"bearer": []}]
    assert set(doc["components"]["schemas"]["UploadOut"]["properties"]) == {
        "id",
        "content_type",
        "size",
        "width",
        "height",
    }
    get = doc["paths"][f"{API}/uploads/{{upload_id}}"]["get"]
    assert "image/jpeg" in get["responses"]["200"]["content"] and "404" in get["responses"]
