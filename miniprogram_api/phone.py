"""`POST /session/phone`: bind the consumer's phone from a getPhoneNumber code, or typed."""

from app.consumers import phone
from app.core.extensions import db
from miniprogram_api import schemas, spec
from miniprogram_api.auth import current_consumer, login_required
from miniprogram_api.blueprint import bp
from miniprogram_api.envelope import json_body, ok


@bp.post("/session/phone")
@login_required
def bind_phone():
    body = json_body()
    code = body.get("code") if isinstance(body.get("code"), str) else None
    typed = body.get("phone") if isinstance(body.get("phone"), str) else None
    number = phone.bind_phone(current_consumer(), code=code, phone=typed)
    db.session.commit()
    return ok({"phone": number[:3] + "****" + number[-4:]})


spec.operation(
    "post",
    "/session/phone",
    summary="绑定手机号（getPhoneNumber 的 code，或手动填写）",
    body=schemas.PhoneIn,
    response=schemas.PhoneOut,
    auth=True,
    errors={
        400: ["phone_code_invalid"],
        401: ["login_required", "token_invalid"],
        422: ["validation_failed"],
        503: ["wechat_unavailable"],
    },
)
