"""The consumer's own details: binding a phone number for complaints (Art. 10 contact)."""

from __future__ import annotations

from app.complaints.filing.input import MOBILE, normalize_phone
from app.consumers.models import Consumer
from app.core.errors import DomainError, ValidationFailed
from wechat import api


def bind_phone(consumer: Consumer, *, code: str | None = None, phone: str | None = None) -> str:
    """From a getPhoneNumber code (WeChat) or typed by hand; returns the bound mainland mobile."""
    if code:
        try:
            number = api.get_user_phone_number(code).pure_phone_number
        except api.WeChatAPIError as exc:
            raise DomainError("phone_code_invalid", status=400) from exc
        except api.WeChatError as exc:
            raise DomainError("wechat_unavailable", status=503) from exc
    elif phone:
        number = normalize_phone(phone)
    else:
        raise ValidationFailed({"code": "请授权手机号，或填写 phone"})
    if not MOBILE.match(number):
        raise ValidationFailed({"phone": "请填写正确的 11 位大陆手机号"})
    consumer.phone = number
    return number
