"""Editing one store from a form, by the enrolment import's own rules.

The form's fields are the store file's columns (`importing.STORE_COLUMNS` keys). `form_values` writes a
store back into those columns; `edit_store` turns the submitted fields into a one-row table for
`importing.import_stores`, so every check, Chinese message, credential sync and commitment version
(a changed term makes a new version) is the importer's, never a second copy. Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

from app.audit.log import Actor, diff, record
from app.core.errors import ValidationFailed
from app.directory import importing, routing
from app.stores import codes
from app.stores.models import CommitmentKind, CredentialKind, Store

#: The store-file columns an edit form offers (the USCC identifies the store and is not editable).
EDITABLE: tuple[str, ...] = (
    "name",
    "address",
    "industry",
    "circle",
    "station",
    "merchant_contact",
    "merchant_phone",
    "licence_number",
    "licence_valid_until",
    "food_licence_number",
    "food_licence_valid_until",
    "health_certificates",
    "return_days",
    "return_exclusions",
    "return_conditions",
    "payout_payer",
    "payout_limit_yuan",
    "payout_fund",
    "first_inquiry",
    "first_inquiry_hours",
    "badges",
)
LABELS: dict[str, str] = {c.key: c.label for c in importing.STORE_COLUMNS}
FORMATS: dict[str, str] = {c.key: c.fmt for c in importing.STORE_COLUMNS}
MAX_FIELD = 5000


def _day(value) -> str:
    return value.isoformat() if value else ""


def _number(value) -> str:
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))
    return "" if value is None else str(value)


def form_values(store: Store) -> dict[str, str]:
    """The store as the store file would describe it, one string per editable column."""
    values = {
        "name": store.name,
        "address": store.address,
        "industry": store.industry.value,
        "circle": store.circle.name if store.circle else "",
        "station": store.station.name if store.station else "",
        "merchant_contact": store.merchant_contact,
        "merchant_phone": store.merchant_phone,
    }
    creds: dict[CredentialKind, list] = {}
    for cred in store.credentials:
        creds.setdefault(cred.kind, []).append(cred)
    licence = (creds.get(CredentialKind.BUSINESS_LICENCE) or [None])[0]
    values["licence_number"] = licence.number if licence else ""
    values["licence_valid_until"] = (_day(licence.valid_until) or "长期") if licence else ""
    food = (creds.get(CredentialKind.FOOD_LICENCE) or [None])[0]
    values["food_licence_number"] = food.number if food else ""
    values["food_licence_valid_until"] = _day(food.valid_until) if food else ""
    values["health_certificates"] = "|".join(
        f"{c.holder}:{c.number}:{_day(c.valid_until)}"
        for c in creds.get(CredentialKind.HEALTH_CERTIFICATE, [])
    )
    terms = {c.kind: c.terms for c in store.current_commitments()}
    ret = terms.get(CommitmentKind.NO_REASON_RETURN) or {}
    values["return_days"] = _number(ret.get("days"))
    values["return_exclusions"] = "|".join(ret.get("exclusions") or [])
    values["return_conditions"] = ret.get("conditions") or ""
    payout = terms.get(CommitmentKind.FIRST_PAYOUT) or {}
    values["payout_payer"] = payout.get("payer") or ""
    values["payout_limit_yuan"] = _number(payout.get("fast_track_limit_yuan"))
    values["payout_fund"] = payout.get("fund") or ""
    inquiry = terms.get(CommitmentKind.FIRST_INQUIRY)
    values["first_inquiry"] = "是" if inquiry is not None else "否"
    values["first_inquiry_hours"] = _number((inquiry or {}).get("response_hours"))
    values["badges"] = "|".join(
        ":".join(part for part in (b.title, b.level, str(b.year) if b.year else "") if part)
        for b in store.badges
    )
    return values


def edit_store(
    store: Store,
    form: Mapping[str, str],
    actor: Actor,
    *,
    station_scope: Collection[int] | None = None,
) -> bool:
    """Apply the submitted columns (absent keys are left alone). ValidationFailed, keyed by column, when
    the importer finds a problem or the new responsible station is outside `station_scope`."""
    submitted = {k: str(form[k]) for k in EDITABLE if k in form}
    submitted.setdefault("name", store.name)  # a required column of the store file
    bad = {k: "内容过长" for k, v in submitted.items() if len(v) > MAX_FIELD}
    bad.update({k: "内容包含无效字符" for k, v in submitted.items() if "\x00" in v})
    if bad:
        raise ValidationFailed({LABELS[k]: v for k, v in bad.items()})
    before = form_values(store)
    result = importing.import_stores(importing.Table.from_records([{"uscc": store.uscc, **submitted}]))
    if not result.ok:
        raise ValidationFailed({p.column: p.reason for p in result.problems})
    if station_scope is not None and store.station_id is not None and store.station_id not in station_scope:
        raise ValidationFailed({LABELS["station"]: "只能指定本站或下级站点"})
    old, new = diff(before, form_values(store))
    if not new:
        return False
    record(
        actor,
        "store.update",
        f"{store.name}（{store.uscc}）",
        station_id=routing.station_id_for(store),
        before=old,
        after=new,
    )
    return True


def reissue_code(code: str, reason: str, actor: Actor) -> str:
    """Revoke a store's code (lost, leaked, misprinted) and issue a new one; a reason is required. A code
    already revoked gets no second replacement: the store's current code is returned. The new code."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200 or "\x00" in reason:
        raise ValidationFailed({"reason": "请填写作废原因（200 字以内）"}, code="reason_required")
    store = codes.store_of(code)
    old = store.active_code.code if store.active_code else ""
    new = codes.revoke_and_reissue(code, reason).code
    if new != old:
        record(
            actor,
            "code.reissue",
            f"{store.name}（{store.uscc}）",
            station_id=routing.station_id_for(store),
            before={"code": codes.normalize(code)},
            after={"code": new, "reason": reason},
        )
    return new


def record_import(result: importing.ImportResult, actor: Actor, filename: str) -> None:
    """The audit entry of an import that was written (the caller commits)."""
    action = "import.stations" if result.subject == "站点" else "import.stores"
    after = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    record(actor, action, filename[:200], after=after)
