"""Credential expiry alerts: a store's licence or health certificate is about to expire, or has.

The responsible station's bound staff (or, when nobody there can be alerted, its parent's supervisors)
and the store's merchant contacts, where bound, are told through the outbox (official-account template
messages, `notify.CREDENTIAL_EXPIRY`, template id WECHAT_OA_TPL_CREDENTIAL_EXPIRY; a customer-service
text would reach only people who wrote to the account in the last 48 hours) 30 days and 7 days before
the end and on the day it ends: once each. `credential_alerts` remembers what was sent for which end date, so a renewed credential starts again, and the sweep may run
any number of times (two workers at once included: the outbox key is unique). A stage missed while the
worker was down is sent late, but only the most urgent one (an end 5 days away gets the 7-day alert,
never the 30-day one); ends more than `LATE_DAYS` ago are left alone.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.core.texts import CREDENTIAL_KINDS
from app.core.timeutil import today_cn
from app.directory import routing
from app.notifications import format as message_format
from app.notifications import notify, recipients
from app.notifications.models import CredentialAlert, OutboxMessage
from app.notifications.texts import CREDENTIAL_ALERT
from app.staff.models import Staff
from app.stores.models import Credential, CredentialKind, Store

#: (stage, days before the end): the alert is due when this close to it, the most urgent stage winning.
STAGES = (("d0", 0), ("d7", 7), ("d30", 30))
LATE_DAYS = 7
KINDS = (CredentialKind.BUSINESS_LICENCE, CredentialKind.FOOD_LICENCE, CredentialKind.HEALTH_CERTIFICATE)


def stage_for(valid_until: dt.date, today: dt.date) -> str | None:
    left = (valid_until - today).days
    if left < -LATE_DAYS:
        return None
    for stage, days in STAGES:
        if left <= days:
            return stage
    return None


def _payload(role: str, cred: Credential, today: dt.date) -> dict[str, str]:
    """The template message's values (`format.DEFAULT_FIELDS`) and, under `text`, the whole sentence
    (kept for `flask outbox failed` and the sandbox log)."""
    left = (cred.valid_until - today).days
    when = (
        CREDENTIAL_ALERT["today"]
        if left == 0
        else (
            CREDENTIAL_ALERT["expired"].format(days=-left)
            if left < 0
            else CREDENTIAL_ALERT["left"].format(days=left)
        )
    )
    day = cred.valid_until
    date = f"{day.month}月{day.day}日" if day.year == today.year else f"{day.year}年{day.month}月{day.day}日"
    kind = CREDENTIAL_KINDS[cred.kind.value] + (
        f"（{cred.holder}）" if cred.holder_is_person and cred.holder else ""
    )
    return {
        "store": cred.store.name,
        "kind": kind,
        "licence": cred.number or "",
        "date": date,
        "when": when,
        "action": CREDENTIAL_ALERT[f"{role}_action"],
        "text": CREDENTIAL_ALERT[role].format(
            store=cred.store.name, kind=kind, number=cred.number, date=date, when=when
        ),
    }


def _recipients(store: Store) -> list[tuple[Staff, str]]:
    """The responsible station's alert (its staff, or its parent's supervisors) and the bound merchants."""
    people: list[tuple[Staff, str]] = []
    station_id = routing.station_id_for(store)
    if station_id is not None:
        people.extend((p, "station") for p in recipients.station_staff(station_id))
    merchants = db.session.scalars(sa.select(Staff).where(recipients.merchants(store.id)).order_by(Staff.id))
    people.extend((p, "merchant") for p in merchants)
    return people


def sweep(today: dt.date | None = None) -> int:
    """Queue every alert that is due and not yet sent; returns how many credentials were alerted."""
    today = today or today_cn()
    horizon = today + dt.timedelta(days=STAGES[-1][1])
    due = db.session.scalars(
        sa.select(Credential)
        .where(
            Credential.kind.in_(KINDS),
            Credential.valid_until.is_not(None),
            Credential.valid_until <= horizon,
            Credential.valid_until >= today - dt.timedelta(days=LATE_DAYS),
        )
        .options(selectinload(Credential.store).selectinload(Store.circle))
        .order_by(Credential.id)
    ).all()
    alerted = 0
    for cred in due:
        stage = stage_for(cred.valid_until, today)
        if stage is None:
            continue
        sent = db.session.scalar(
            sa.select(CredentialAlert.id).where(
                CredentialAlert.credential_id == cred.id,
                CredentialAlert.valid_until == cred.valid_until,
                CredentialAlert.stage == stage,
            )
        )
        if sent is not None:
            continue
        people = _recipients(cred.store)
        for person, role in people:
            notify.remember(
                OutboxMessage(
                    key=f"credential:{cred.id}:{cred.valid_until.isoformat()}:{stage}:{person.id}",
                    channel=message_format.TEMPLATE,
                    recipient=person.oa_openid,
                    staff_id=person.id,
                    template=notify.CREDENTIAL_EXPIRY,
                    payload=_payload(role, cred, today),
                )
            )
        db.session.add(
            CredentialAlert(
                credential_id=cred.id, valid_until=cred.valid_until, stage=stage, recipients=len(people)
            )
        )
        alerted += 1
    db.session.flush()
    return alerted


def listing(stores: list[Store], today: dt.date, expiring_days: int) -> list[tuple[Store, Credential, int]]:
    """(store, credential, days left) of every expired or expiring credential of the given stores, most
    urgent first."""
    rows = []
    for store in stores:
        for cred in store.credentials:
            if cred.valid_until is None:
                continue
            left = (cred.valid_until - today).days
            if left <= expiring_days:
                rows.append((store, cred, left))
    rows.sort(key=lambda r: (r[2], r[0].name))
    return rows
