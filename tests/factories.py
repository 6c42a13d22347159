"""Small factories for tests: real rows, committed by the caller (or by `commit=True`)."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from app.core.extensions import db
from app.directory.models import BusinessCircle, Region, Station, StationKind
from app.stores import codes, uscc
from app.stores.models import Badge, Commitment, CommitmentKind, Credential, CredentialKind, Industry, Store

_seq = itertools.count(1)


def make_uscc(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    body = "91" + "320581" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.check_character(body)


def region(name: str | None = None, parent: Region | None = None) -> Region:
    r = Region(name=name or f"区域{next(_seq)}", parent=parent)
    db.session.add(r)
    return r


def station(
    kind: StationKind = StationKind.SERVICE_STATION, *, name=None, parent=None, region=None, **kw
) -> Station:
    s = Station(
        name=name or f"站点{next(_seq)}",
        kind=kind,
        parent=parent,
        region=region,
        phone=kw.pop("phone", "0512-12345678"),
        address=kw.pop("address", "测试路 1 号"),
        **kw,
    )
    db.session.add(s)
    return s


def circle(name=None, station=None, region=None) -> BusinessCircle:
    c = BusinessCircle(name=name or f"商圈{next(_seq)}", station=station, region=region)
    db.session.add(c)
    return c


def store(*, name=None, station=None, circle=None, region=None, industry=Industry.RESTAURANT, **kw) -> Store:
    s = Store(
        name=name or f"测试店铺{next(_seq)}",
        uscc=kw.pop("uscc", None) or make_uscc(),
        address=kw.pop("address", "测试路 8 号"),
        industry=industry,
        station=station,
        circle=circle,
        region=region,
        **kw,
    )
    db.session.add(s)
    codes.issue(s)
    return s


def credential(store: Store, kind=CredentialKind.BUSINESS_LICENCE, *, valid_until=None, **kw) -> Credential:
    c = Credential(
        store=store,
        kind=kind,
        number=kw.pop("number", f"NO{next(_seq):08d}"),
        valid_until=valid_until,
        **kw,
    )
    db.session.add(c)
    return c


def commitment(store: Store, kind=CommitmentKind.NO_REASON_RETURN, terms=None, version=1) -> Commitment:
    c = Commitment(
        store=store,
        kind=kind,
        version=version,
        terms=terms if terms is not None else {"days": 7, "exclusions": ["食品"]},
        effective_from=dt.date(2026, 1, 1),
    )
    db.session.add(c)
    return c


def badge(store: Store, title="放心消费示范店", level="市级", year=2026) -> Badge:
    b = Badge(store=store, kind="model_store", title=title, level=level, year=year)
    db.session.add(b)
    return b


def city() -> dict:
    """A minimal city: a centre, an office for a region, a service station for a circle."""
    district = region("测试区")
    centre = station(StationKind.CENTER_12315, name="测试区12315中心", region=district)
    office = station(StationKind.REGULATORY_OFFICE, name="测试市场监管所", parent=centre, region=district)
    service = station(StationKind.SERVICE_STATION, name="测试商圈服务站", parent=office, region=district)
    mall = circle("测试商圈", station=service, region=district)
    db.session.flush()
    return {"region": district, "centre": centre, "office": office, "service": service, "circle": mall}


def consumer(openid: str | None = None):
    from app.consumers.models import Consumer

    c = Consumer(openid=openid or f"o-test-{next(_seq)}")
    db.session.add(c)
    return c


def complaint(
    store: Store, who=None, *, status=None, amount=None, kind="complaint", filed_at=None, category="quality"
):
    """A complaint as filing leaves it (station routed, clocks started), without the HTTP layer."""
    import uuid

    from app.complaints import deadlines
    from app.complaints.models import Complaint, ComplaintKind, Status
    from app.core.timeutil import utcnow
    from app.directory import routing

    now = filed_at or utcnow()
    route = routing.responsible_station(store, category, kind)
    c = Complaint(
        number=f"T{next(_seq):011d}",
        kind=ComplaintKind(kind),
        store=store,
        consumer=who or consumer(),
        station=route.station,
        routing_rule=route.rule,
        status=status or Status.SUBMITTED,
        category=category,
        demand="refund",
        description="测试投诉内容，商品有质量问题。",
        amount=amount,
        name="张三",
        phone="13812345678",
        rule_set="order121",
        idempotency_key=str(uuid.uuid4()),
        request_hash="x" * 64,
        created_at=now,
        updated_at=now,
    )
    db.session.add(c)
    db.session.flush()
    deadlines.station_clocks(c, now)
    return c
