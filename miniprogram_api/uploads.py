"""Evidence photos: `POST /uploads` (one file per request, as wx.uploadFile sends it) and `GET /uploads/<id>`."""

from __future__ import annotations

from flask import Response, current_app, request
from pydantic import BaseModel, Field
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.errors import DomainError
from app.core.extensions import db
from app.uploads import photos
from app.uploads.models import Upload
from miniprogram_api import spec
from miniprogram_api.auth import current_consumer, login_required
from miniprogram_api.blueprint import bp
from miniprogram_api.envelope import ok
from miniprogram_api.schemas import choice

#: Room for the multipart boundaries, part headers and the few form fields wx.uploadFile may add.
MULTIPART_OVERHEAD = 64 * 1024


class UploadOut(BaseModel):
    id: str = Field(description="图片编号：提交投诉时放入 evidence 列表", examples=["u_3f9a1c2b7d"])
    content_type: str = choice(
        {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}, "实际保存的格式"
    )
    size: int = Field(description="保存后的字节数（已去除位置等元数据并重新编码）", examples=[183402])
    width: int = Field(description="宽（像素）", examples=[1280])
    height: int = Field(description="高（像素）", examples=[960])


@bp.post("/uploads")
@login_required
def create_upload():
    # Werkzeug stops reading the body at this size (413), before spooling an oversized file anywhere.
    request.max_content_length = int(current_app.config["UPLOAD_MAX_BYTES"]) + MULTIPART_OVERHEAD
    try:
        file = request.files.get("file")
    except RequestEntityTooLarge as exc:
        raise DomainError("upload_too_large", status=photos.STATUS["upload_too_large"]) from exc
    if file is None:  # no multipart body, no `file` part, or a part without a filename
        raise DomainError("upload_missing", status=photos.STATUS["upload_missing"])
    upload = photos.accept(current_consumer().id, file.filename or "", file.stream, file.mimetype)
    body, key = _out(upload), upload.storage_key
    try:
        db.session.commit()
    except Exception:
        photos.discard_file(key)
        raise
    return ok(body, 201)


@bp.get("/uploads/<upload_id>")
@login_required
def get_upload(upload_id: str):
    upload = photos.find_readable(upload_id, consumer_id=current_consumer().id)
    response = Response(photos.read_bytes(upload), mimetype=upload.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.set_etag(upload.sha256)
    return response.make_conditional(request)


def _out(upload: Upload) -> dict:
    return {
        "id": upload.public_id,
        "content_type": upload.content_type,
        "size": upload.size,
        "width": upload.width,
        "height": upload.height,
    }


_UPLOAD_ERRORS = {
    401: ["login_required", "token_invalid"],
    413: ["upload_too_large", "upload_too_many_pixels"],
    415: ["upload_type_not_allowed", "upload_animated"],
    422: ["upload_missing", "upload_corrupt", "upload_polyglot"],
}
spec.operation(
    "post",
    "/uploads",
    summary="上传一张证据照片（wx.uploadFile，name 为 file）；位置等元数据会被去除",
    response=UploadOut,
    status=201,
    auth=True,
    multipart=True,
    errors=_UPLOAD_ERRORS,
)
spec.operation(
    "get",
    "/uploads/{upload_id}",
    summary="读取自己上传的图片（wx.downloadFile 带 Authorization 头；<image> 组件无法带头）",
    auth=True,
    parameters=[spec.path_param("upload_id", "图片编号")],
    errors={401: ["login_required", "token_invalid"], 404: ["upload_not_found"]},
)
# spec.operation() only describes JSON success bodies; this one answers with the image itself.
spec._paths[spec.PREFIX + "/uploads/{upload_id}"]["get"]["responses"]["200"] = {
    "description": "图片内容（Content-Type 为保存的格式）",
    "content": {
        mime: {"schema": {"type": "string", "format": "binary"}}
        for mime in ("image/jpeg", "image/png", "image/webp")
    },
}
