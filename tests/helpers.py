"""Helpers shared by API tests: log a consumer in through the emulator, build a filing body."""

from __future__ import annotations

import re
import uuid

from app.core.extensions import db
from app.staff.models import Staff, StaffRole
from app.stores.models import CommitmentKind
from tests import factories


def login(client, emulator, user: str = "alice") -> dict:
    """Log `user` in through POST /session with a real wx.login code minted by the emulator."""
    code = emulator.login_code(user)["code"]
    resp = client.post("/api/mp/v1/session", json={"code": code})
    assert resp.status_code == 200, resp.get_json()
    token = resp.get_json()["data"]["token"]
    return {"Authorization": f"Bearer {token}"}


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def body(**overrides) -> dict:
    data = {
        "kind": "complaint",
        "category": "quality",
        "demand": "refund",
        "description": "买的羽绒服第二天就开线了，要求退款但店员推给厂家。",
        "amount": "699.00",
        "purchase_date": "2026-11-20",
        "name": "张三",
        "phone": "13812345678",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def shop(app, *, merchant: bool = False, **store_kw) -> dict:
    """A store in a small city, with commitments; optionally a merchant (首问负责): the contact and phone
    enrolment gives, and a merchant account bound on the official account."""
    if merchant:
        store_kw = {"merchant_contact": "店长", "merchant_phone": "13900000000", **store_kw}
    with app.app_context():
        city = factories.city()
        store = factories.store(name="优衣坊服饰", circle=city["circle"], region=city["region"], **store_kw)
        factories.commitment(store, CommitmentKind.NO_REASON_RETURN, {"days": 15, "exclusions": ["贴身衣物"]})
        handler = Staff(
            name="王站长", role=StaffRole.HANDLER, station=city["service"], oa_openid="oa-handler-1"
        )
        supervisor = Staff(
            name="李所长", role=StaffRole.SUPERVISOR, station=city["office"], oa_openid="oa-sup-1"
        )
        db.session.add_all([handler, supervisor])
        if merchant:
            db.session.add(
                Staff(name="店长", role=StaffRole.MERCHANT, store=store, oa_openid="oa-merchant-1")
            )
        db.session.commit()
        return {
            "code": store.active_code.code,
            "store_id": store.id,
            "service_id": city["service"].id,
            "office_id": city["office"].id,
            "centre_id": city["centre"].id,
        }


def fuzz_settings(examples: int):
    """Hypothesis settings of the fuzz tests: `examples` per test, the same examples on every run (so CI
    is repeatable). FUZZ_SCALE=10 runs ten times as many; FUZZ_RANDOM=1 draws fresh ones each run."""
    import os

    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=int(examples * float(os.environ.get("FUZZ_SCALE", "1"))),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    )


#: ASCII a reader may see: a case number (`T261122ABCDEF`, the factories' `T00000000012`), 12315, QR.
ALLOWED_ASCII = re.compile(r"T[0-9A-Z]{11,12}|12315|QR")
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*")


def english_words(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The ASCII words in `text` a consumer, station worker or merchant should never read: anything with
    a Latin letter that is not a case number, 12315, QR or one of `allowed`. Numbers alone are fine."""
    return [
        word
        for word in _ASCII_WORD.findall(text)
        if word not in allowed and not ALLOWED_ASCII.fullmatch(word)
    ]
