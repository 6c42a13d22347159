"""`POST /session`: log in with the `wx.login` code and get an API token."""

from __future__ import annotations

import pydantic
from flask import request

from app.consumers import login
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.texts import FIELDS
from miniprogram_api import schemas, spec
from miniprogram_api.blueprint import bp
from miniprogram_api.envelope import ok


@bp.post("/session")
def create_session():
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationFailed({"code": FIELDS["code_required"]}, code="invalid_json")
    try:
        payload = schemas.SessionIn.model_validate(body, strict=True)
    except pydantic.ValidationError as exc:
        raise ValidationFailed({"code": FIELDS["code_required"]}) from exc
    result = login.login(payload.code)
    db.session.commit()
    return ok(
        {
            "token": result.token,
            "expires_in": result.expires_in,
            "consumer": {"id": result.consumer.id, "has_phone": bool(result.consumer.phone)},
            "sandbox": result.sandbox,
        }
    )


spec.operation(
    "post",
    "/session",
    summary="小程序登录：用 wx.login() 的 code 换取接口令牌（session_key 不会返回）",
    body=schemas.SessionIn,
    response=schemas.SessionOut,
    errors={
        400: ["wechat_code_invalid", "wechat_code_used"],
        422: ["validation_failed", "invalid_json"],
        429: ["wechat_rate_limited"],
        502: ["wechat_error"],
        503: ["wechat_busy", "wechat_unavailable"],
    },
)
