"""Validation of a filing: plain values in, a typed `Filing` out, or every bad field named in Chinese."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.calendar import rulesets
from app.calendar.workcal import WorkCalendar
from app.complaints.texts import CATEGORIES, DEMANDS, KINDS
from app.core.errors import ValidationFailed

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 500
NAME_MAX = 30
EVIDENCE_MAX = 9
AMOUNT_MAX = Decimal("10000000")
MOBILE = re.compile(r"^1[3-9]\d{9}$")

LIMITS = {
    "description": {"min": DESCRIPTION_MIN, "max": DESCRIPTION_MAX},
    "name": {"max": NAME_MAX},
    "evidence": {"max": EVIDENCE_MAX},
    "amount": {"max": str(AMOUNT_MAX), "decimals": 2},
    "purchase_date": {"max_age_years": 3},
}


@dataclass(frozen=True)
class Filing:
    kind: str
    category: str
    demand: str
    description: str
    amount: Decimal | None
    purchase_date: dt.date | None
    evidence: tuple[str, ...]
    name: str
    phone: str
    merchant_first: bool | None


def parse_amount(value) -> Decimal:
    """Yuan with at most two decimals, as a JSON string or number; raises ValueError with Chinese text."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise ValueError("金额应为数字，例如 128.50")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ValueError("金额应为数字，例如 128.50") from None
    if not amount.is_finite():
        raise ValueError("金额应为数字，例如 128.50")
    if amount < 0:
        raise ValueError("金额不能为负数")
    if amount > AMOUNT_MAX:
        raise ValueError("金额超出范围")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValueError("金额最多保留两位小数")
    return amount.quantize(Decimal("0.01"))


def fingerprint(description: str) -> str:
    """Of the normalised opening of a description: equal for near-identical texts (Art. 17 signal)."""
    opening = re.sub(r"[\W_]+", "", description.lower())[:60]
    return hashlib.sha256(opening.encode()).hexdigest()[:16]


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def parse(body: dict, *, today: dt.date, bound_phone: str = "", cal: WorkCalendar | None = None) -> Filing:
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "请求内容应为 JSON 对象"})
    errors: dict[str, str] = {}

    def choice(field: str, options: dict, label: str) -> str:
        value = body.get(field)
        if value in (None, ""):
            errors[field] = f"请选择{label}"
        elif not isinstance(value, str) or value not in options:
            errors[field] = f"{label}无效，可选：" + "、".join(f"{k}（{v}）" for k, v in options.items())
        return value if isinstance(value, str) else ""

    kind = choice("kind", KINDS, "类型")
    category = choice("category", CATEGORIES, "问题类别")
    demand = choice("demand", DEMANDS, "诉求")

    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        errors["description"] = "请描述事情经过"
        description = ""
    else:
        description = description.strip()
        if len(description) < DESCRIPTION_MIN:
            errors["description"] = f"事情经过至少 {DESCRIPTION_MIN} 个字"
        elif len(description) > DESCRIPTION_MAX:
            errors["description"] = f"事情经过最多 {DESCRIPTION_MAX} 个字"

    amount = None
    if body.get("amount") not in (None, ""):
        try:
            amount = parse_amount(body["amount"])
        except ValueError as exc:
            errors["amount"] = str(exc)

    purchase_date = None
    raw_date = body.get("purchase_date")
    if raw_date not in (None, ""):
        try:
            if not isinstance(raw_date, str):
                raise ValueError
            purchase_date = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors["purchase_date"] = "消费日期格式应为 YYYY-MM-DD"
        else:
            if purchase_date > today:
                errors["purchase_date"] = "消费日期不能晚于今天"
            elif rulesets.is_too_old(purchase_date, today, cal=cal):
                errors["purchase_date"] = (
                    "消费日期已超过三年，依法不予受理，可通过仲裁或诉讼解决（第十六条第四项）"
                )

    evidence = body.get("evidence") or []
    if not isinstance(evidence, list) or not all(isinstance(e, str) and 0 < len(e) <= 40 for e in evidence):
        errors["evidence"] = "图片编号列表格式有误"
        evidence = []
    elif len(evidence) > EVIDENCE_MAX:
        errors["evidence"] = f"最多上传 {EVIDENCE_MAX} 张图片"
    elif len(set(evidence)) != len(evidence):
        errors["evidence"] = "图片重复"

    name = body.get("name") or ""
    if not isinstance(name, str):
        errors["name"] = "姓名格式有误"
        name = ""
    name = name.strip()
    if len(name) > NAME_MAX:
        errors["name"] = f"姓名最多 {NAME_MAX} 个字"
    phone_raw = body.get("phone") or ""
    if not isinstance(phone_raw, str):
        errors["phone"] = "手机号格式有误"
        phone_raw = ""
    phone = normalize_phone(phone_raw) or bound_phone
    if phone and not MOBILE.match(phone):
        errors["phone"] = "请填写正确的 11 位手机号"
    if kind == "complaint":
        # Art. 10: a complaint needs the complainant's real name and contact.
        if not name and "name" not in errors:
            errors["name"] = "投诉需实名，请填写真实姓名"
        if not phone and "phone" not in errors:
            errors["phone"] = "投诉需填写手机号，或授权微信手机号"

    merchant_first = body.get("merchant_first")
    if merchant_first is not None and not isinstance(merchant_first, bool):
        errors["merchant_first"] = "应为 true 或 false"

    if errors:
        raise ValidationFailed(errors)
    return Filing(
        kind=kind,
        category=category,
        demand=demand,
        description=description,
        amount=amount,
        purchase_date=purchase_date,
        evidence=tuple(evidence),
        name=name,
        phone=phone,
        merchant_first=merchant_first,
    )
