"""What a scan shows: the store's public page as a plain dict, computed for one China calendar day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.core import texts
from app.stores.models import Commitment, CommitmentKind, Credential


def mask_person(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: a person's name is never shown in full in public."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def credential_status(
    valid_until: dt.date | None, today: dt.date, expiring_days: int
) -> tuple[str, int | None]:
    if valid_until is None:
        return "valid", None
    left = (valid_until - today).days
    if left < 0:
        return "expired", left
    if left <= expiring_days:
        return "expiring", left
    return "valid", left


def credential_view(cred: Credential, today: dt.date, expiring_days: int) -> dict:
    status, days_left = credential_status(cred.valid_until, today, expiring_days)
    return {
        "kind": cred.kind.value,
        "kind_label": texts.CREDENTIAL_KINDS[cred.kind.value],
        "title": cred.title or texts.CREDENTIAL_KINDS[cred.kind.value],
        "number": cred.number,
        "holder": mask_person(cred.holder) if cred.holder_is_person else cred.holder,
        "issued_on": cred.issued_on.isoformat() if cred.issued_on else None,
        "valid_until": cred.valid_until.isoformat() if cred.valid_until else None,
        "long_term": cred.valid_until is None,
        "status": status,
        "status_label": texts.CREDENTIAL_STATUS["long_term" if cred.valid_until is None else status],
        "days_left": days_left,
    }


def _yuan(value) -> str:
    amount = Decimal(str(value))
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def commitment_summary(kind: CommitmentKind, terms: dict) -> str:
    """One line of Chinese that a consumer reads at a glance."""
    if kind == CommitmentKind.NO_REASON_RETURN:
        parts = [f"购买之日起 {terms.get('days', 7)} 天内线下无理由退货"]
        if terms.get("exclusions"):
            parts.append("不适用：" + "、".join(terms["exclusions"]))
        parts.append(terms.get("conditions") or "商品完好、不影响二次销售")
        return "；".join(parts)
    if kind == CommitmentKind.FIRST_PAYOUT:
        parts = [f"由{terms.get('payer') or '经营者'}先行赔付"]
        if terms.get("fast_track_limit_yuan"):
            parts.append(f"{_yuan(terms['fast_track_limit_yuan'])} 元以内当场赔付")
        if terms.get("fund"):
            parts.append(f"资金来源：{terms['fund']}")
        return "；".join(parts)
    parts = ["首位接待人员负责到底，不推诿给厂家或商场"]
    if terms.get("response_hours"):
        parts.append(f"{terms['response_hours']} 小时内答复")
    return "；".join(parts)


def commitment_view(c: Commitment) -> dict:
    return {
        "kind": c.kind.value,
        "title": texts.COMMITMENT_KINDS[c.kind.value],
        "terms": c.terms,
        "summary": commitment_summary(c.kind, c.terms),
        "version": c.version,
        "effective_from": c.effective_from.isoformat(),
    }


def station_view(station) -> dict | None:
    if station is None:
        return None
    return {
        "name": station.name,
        "kind": station.kind.value,
        "kind_label": texts.STATION_KINDS[station.kind.value],
        "phone": station.phone,
        "address": station.address,
    }


def merchant_first_available(contact: str | None, phone: str | None) -> bool:
    """Merchant-first (首问负责) is offered when enrolment gave the merchant's contact and phone."""
    return bool((contact or "").strip() and (phone or "").strip())


def build(snap, code: str, today: dt.date, *, expiring_days: int, hotline: str) -> dict:
    """The page for one China calendar day from a `store_snapshot.Snapshot`."""
    store = snap.head
    complaints_open = bool(store.accepts_complaints and snap.station is not None)
    creds = [credential_view(c, today, expiring_days) for c in snap.credentials]
    return {
        "code": code,
        "name": store.name,
        "uscc": store.uscc,
        "address": store.address,
        "industry": store.industry.value,
        "industry_label": texts.INDUSTRIES[store.industry.value],
        "business_circle": store.circle_name,
        "region": store.region_name,
        "location": (
            {"latitude": float(store.latitude), "longitude": float(store.longitude)}
            if store.latitude is not None and store.longitude is not None
            else None
        ),
        "station": station_view(snap.station),
        "hotline_12315": hotline,
        "credentials": creds,
        "credential_alerts": sum(1 for c in creds if c["status"] != "valid"),
        "commitments": [commitment_view(c) for c in snap.commitments],
        "badges": [{"kind": b.kind, "title": b.title, "level": b.level, "year": b.year} for b in snap.badges],
        "complaints_open": complaints_open,
        "merchant_first": complaints_open
        and merchant_first_available(store.merchant_contact, store.merchant_phone),
        "publicity": store.publicity,
        "as_of": today.isoformat(),
    }
