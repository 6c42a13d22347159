"""The demo city: believable, idempotent, deterministic, built through the importer."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from app.core.extensions import db
from app.core.timeutil import today_cn
from app.dev import demo
from app.directory import routing
from app.directory.models import BusinessCircle, Region, Station, StationKind
from app.stores import page as store_page
from app.stores.models import Badge, Commitment, CommitmentKind, Credential, CredentialKind, Store, StoreCode

DAY = dt.date(2026, 11, 23)


def _counts() -> dict[str, int]:
    models = (Region, Station, BusinessCircle, Store, StoreCode, Credential, Commitment, Badge)
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


def _stamps() -> list:
    return sorted(
        [
            *db.session.execute(sa.select(Store.id, Store.updated_at)).all(),
            *db.session.execute(sa.select(Station.id, Station.updated_at)).all(),
            *db.session.execute(sa.select(Credential.id, Credential.updated_at)).all(),
        ]
    )


def test_demo_seed_twice_changes_nothing(ctx):
    first = demo.seed(DAY)
    db.session.commit()
    assert (first.stations.created, first.stores.created) == (6, 55)
    counts, stamps = _counts(), _stamps()

    second = demo.seed(DAY)
    db.session.commit()
    assert not second.changed
    assert (second.stations.unchanged, second.stores.unchanged) == (6, 55)
    assert _counts() == counts
    assert _stamps() == stamps
    assert [s[2] for s in second.samples] == [s[2] for s in first.samples]  # same codes


def test_demo_city_believable(ctx):
    result = demo.seed(DAY)
    db.session.commit()
    stores = db.session.scalars(sa.select(Store)).all()
    assert len(stores) >= 50
    industries = Counter(s.industry.value for s in stores)
    assert {"restaurant", "food_shop", "supermarket", "pharmacy", "clothing"} <= set(industries)
    assert all(s.active_code is not None for s in stores)

    kinds = Counter(s.kind for s in db.session.scalars(sa.select(Station)))
    assert kinds == {
        StationKind.CENTER_12315: 1,
        StationKind.REGULATORY_OFFICE: 2,
        StationKind.SERVICE_STATION: 2,
        StationKind.LIAISON_STATION: 1,
    }
    centre = db.session.scalar(sa.select(Station).where(Station.kind == StationKind.CENTER_12315))
    assert centre.name == "滨湖区12315投诉举报中心"
    for station in db.session.scalars(sa.select(Station)):
        assert station.chain()[-1] is centre  # every escalation chain ends at the district centre

    per_circle = Counter(s.circle.name for s in stores if s.circle)
    assert per_circle[demo.MALL] >= 24  # a mall with dozens of stores

    # Credentials relative to the seed day: some expired, some expiring within 30 days.
    statuses = Counter(
        (c.kind, store_page.credential_status(c.valid_until, DAY, 30)[0])
        for s in stores
        for c in s.credentials
    )
    expired = sum(n for (_, status), n in statuses.items() if status == "expired")
    expiring = sum(n for (_, status), n in statuses.items() if status == "expiring")
    assert expired >= 5 and expiring >= 5
    assert statuses[(CredentialKind.FOOD_LICENCE, "expired")] >= 3
    assert statuses[(CredentialKind.HEALTH_CERTIFICATE, "expiring")] >= 3
    certs = [c for s in stores for c in s.credentials if c.kind == CredentialKind.HEALTH_CERTIFICATE]
    assert len(certs) >= 40 and all(c.holder_is_person and len(c.holder) >= 2 for c in certs)

    returns = [
        c.terms for s in stores for c in s.current_commitments() if c.kind == CommitmentKind.NO_REASON_RETURN
    ]
    assert {t["days"] for t in returns} >= {7, 15, 30}
    exclusions = {e for t in returns for e in t.get("exclusions", [])}
    assert {"食品", "定制商品", "贴身衣物", "药品"} <= exclusions
    payouts = [
        c.terms for s in stores for c in s.current_commitments() if c.kind == CommitmentKind.FIRST_PAYOUT
    ]
    assert any(t.get("fast_track_limit_yuan") == 500 and t.get("payer") == demo.MALL for t in payouts)

    badges = [b for s in stores for b in s.badges]
    assert any(b.title == "放心消费示范店" and b.level and b.year for b in badges)
    assert {"放心消费示范店", "无理由退货承诺单位", "共产党员经营户"} <= {b.title for b in badges}
    with_contact = [s for s in stores if s.merchant_contact and s.merchant_phone]
    assert 0 < len(with_contact) < len(stores)

    # Routing follows the design: circle → its station; no circle → the region's regulatory office.
    by_name = {s.name: s for s in stores}
    assert routing.responsible_station(by_name["周记豆制品"]).station.name == demo.LIAISON
    assert routing.responsible_station(by_name["素锦女装"]).station.name == demo.MALL_STATION
    assert routing.responsible_station(by_name["老张家常菜"]).station.name == demo.OFFICE_XINCHENG

    # The samples printed at the end are real, active codes.
    for _, name, code in result.samples:
        assert by_name[name].active_code.code == code


def test_demo_seed_deterministic_across_databases(ctx):
    first = demo.store_records(DAY)
    second = demo.store_records(DAY)
    assert first == second
    assert len({r["uscc"] for r in first}) == len(first)
    names = [r["name"] for r in first]
    assert len(set(names)) == len(names)


def test_demo_seed_later_day_moves_only_credential_dates(ctx):
    demo.seed(DAY)
    db.session.commit()
    versions = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
    later = demo.seed(DAY + dt.timedelta(days=10))
    db.session.commit()
    assert later.stores.created == 0 and later.stores.updated > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == versions


def test_demo_seed_cli_prints_codes_and_urls(app, runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "店铺：新增 55，更新 0，未变 0" in result.output
    base = app.config["PUBLIC_BASE_URL"]
    urls = [line.split()[-1] for line in result.output.splitlines() if f"{base}/s/" in line]
    assert len(urls) == 5
    with app.app_context():
        for url in urls:
            code = url.rsplit("/", 1)[1]
            assert db.session.scalar(sa.select(StoreCode).where(StoreCode.code == code)) is not None
    client = app.test_client()
    page = client.get(f"/api/mp/v1/stores/{urls[1].rsplit('/', 1)[1]}").get_json()["data"]
    assert page["name"] == "阿婆卤味"
    assert any(c["kind"] == "food_licence" and c["status"] == "expired" for c in page["credentials"])

    again = runner.invoke(args=["demo", "seed", "--today", today_cn().isoformat()])
    assert again.exit_code == 0, again.output
    assert "演示数据已是最新，未做任何修改" in again.output
