"""The out-of-city scan check: scans through HTTP from addresses in and out of the store's city (an xdb
file written by `tests.xdb`, read by the real ip2region binding), counted in memory, flushed to Redis,
persisted, flagged in the console page and the CLI; no address or city is kept anywhere.
PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.core.extensions import db
from app.core.redis_client import get_redis
from app.core.timeutil import today_cn
from app.directory.models import Region, Station
from app.factory import create_app
from app.stores import integrity, scan_origin, scans
from app.stores.models import StoreScanDaily
from app.stores.texts import SCAN_ORIGIN
from tests import factories
from tests.console.world import build, login
from tests.xdb import write_xdb

YANCHENG = "中国|江苏省|盐城市|电信|CN"
NANJING = "中国|江苏省|南京市|联通|CN"
ABROAD = "美国|0|0|0|US"
HOME_IP, AWAY_IP, ABROAD_IP, NOWHERE_IP = "1.2.3.4", "5.6.7.8", "8.8.8.8", "9.9.9.9"


@pytest.fixture
def xdb_files(tmp_path):
    v4 = write_xdb(
        tmp_path / "v4.xdb",
        [
            ("1.2.0.0", "1.3.255.255", YANCHENG),
            ("5.6.0.0", "5.6.255.255", NANJING),
            ("8.8.8.0", "8.8.8.255", ABROAD),
            ("10.0.0.0", "10.255.255.255", "0|0|0|内网IP|内网IP"),
        ],
    )
    v6 = write_xdb(
        tmp_path / "v6.xdb",
        [("240e::", "240e:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NANJING)],
        ip_version=6,
    )
    return str(v4), str(v6)


@pytest.fixture
def origin_on(app, monkeypatch, xdb_files):
    monkeypatch.setitem(app.config, "SCAN_REGION_XDB", xdb_files[0])
    monkeypatch.setitem(app.config, "SCAN_REGION_XDB_V6", xdb_files[1])
    return xdb_files


def test_verdicts_from_both_structures_and_both_ip_versions(tmp_path, xdb_files):
    locator = scan_origin.state({"SCAN_REGION_XDB": xdb_files[0], "SCAN_REGION_XDB_V6": xdb_files[1]}).locator
    assert [locator.verdict(ip, "盐城市") for ip in (HOME_IP, AWAY_IP, ABROAD_IP, NOWHERE_IP)] == [
        "in",
        "out",
        "out",
        "unknown",
    ]
    assert locator.verdict(HOME_IP, "盐城") == "in"  # the suffix 市 is optional on either side
    assert locator.verdict("::ffff:1.2.3.4", "盐城市") == "in"  # IPv4 seen through an IPv6 socket
    assert locator.verdict("240e:1::5", "盐城市") == "out"
    assert locator.verdict("10.1.2.3", "盐城市") == "unknown"  # a proxy's address says nothing
    assert locator.verdict("127.0.0.1", "盐城市") == "unknown"
    assert locator.verdict(HOME_IP, "") == "unknown"  # a store without a city
    assert locator.verdict("not an address", "盐城市") == "unknown"
    assert locator.verdict(None, "盐城市") == "unknown"
    old = write_xdb(
        tmp_path / "old.xdb", [("1.2.0.0", "1.2.255.255", "中国|0|江苏省|盐城市|电信")], structure=2
    )
    locator = scan_origin.state({"SCAN_REGION_XDB": str(old)}).locator
    assert locator.verdict(HOME_IP, "盐城市") == "in" and locator.verdict("240e::1", "盐城市") == "unknown"


def test_no_file_or_an_unreadable_one_turns_the_check_off_and_says_why(tmp_path, xdb_files):
    off = scan_origin.state({"SCAN_REGION_XDB": ""})
    assert not off.on and off.why == SCAN_ORIGIN["off_unset"]
    junk = tmp_path / "junk.xdb"
    junk.write_bytes(b"\x09\x00" + b"\0" * 300)
    bad = scan_origin.state({"SCAN_REGION_XDB": str(junk)})
    assert not bad.on and bad.why == SCAN_ORIGIN["off_unreadable"] and "structure version" in bad.detail
    swapped = scan_origin.state({"SCAN_REGION_XDB": xdb_files[1]})  # an IPv6 file as the IPv4 one
    assert not swapped.on and "IPv4" in swapped.detail
    assert not scan_origin.state({"SCAN_REGION_XDB": str(tmp_path / "missing.xdb")}).on


def _city_store(app, city: str | None = "盐城市"):
    with app.app_context():
        city_region = factories.region("盐都区")
        city_region.city = city
        street = factories.region("潘黄街道", parent=city_region)
        centre = db.session.scalar(sa.select(Station).where(Station.name == "测试区12315中心"))
        store = factories.store(name="盐城老字号", region=street, station=centre)
        db.session.commit()
        return store.id, store.active_code.code


def _scan(client, code: str, addr: str, n: int, path: str = "/s/{code}") -> None:
    for _ in range(n):
        assert client.get(path.format(code=code), environ_base={"REMOTE_ADDR": addr}).status_code == 200


def _persist(app) -> None:
    with app.app_context():
        scans.flush()
        scans.persist()


def _row(app, store_id: int) -> tuple[int, int, int, int]:
    with app.app_context():
        row = db.session.get(StoreScanDaily, (store_id, today_cn()))
        return row.scans, row.in_city, row.out_of_city, row.city_unknown


def test_scans_counted_by_origin_through_http_and_flagged_in_page_and_cli(app, client, runner, origin_on):
    ids = build(app)
    store_id, code = _city_store(app)
    _scan(client, code, AWAY_IP, 15)
    _scan(client, code, ABROAD_IP, 3, "/api/mp/v1/stores/{code}")
    _scan(client, code, "240e:3::9", 2, "/api/mp/v1/stores/{code}")
    _scan(client, code, HOME_IP, 4)
    _scan(client, code, NOWHERE_IP, 6)
    _persist(app)
    assert _row(app, store_id) == (30, 4, 20, 6)
    with app.app_context():
        found = integrity.mostly_from_elsewhere(today_cn(), minimum=20, share=0.5)
        assert [(a.store.name, a.out_of_city, a.counted, a.unknown, a.percent) for a in found] == [
            ("盐城老字号", 20, 24, 6, 83)
        ]
        # One scan short of the minimum of known origins, or not more than the share: not flagged.
        assert integrity.mostly_from_elsewhere(today_cn(), minimum=25, share=0.5) == []
        assert integrity.mostly_from_elsewhere(today_cn(), minimum=20, share=0.9) == []
    login(client, "admin")
    html = client.get("/admin/integrity").get_data(as_text=True)
    assert 'id="away"' in html and "盐城老字号" in html and "83%" in html and "away-off" not in html
    result = runner.invoke(args=["scans", "integrity"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("盐城老字号"))
    assert code in line and "异地 20 次 / 可判断 24 次（83%）" in line and "来源不明 6 次" in line
    assert ids["code_a"] not in result.output
    _assert_no_address_kept(app)


def _assert_no_address_kept(app) -> None:
    """Neither a client address nor a scanner's city is in any table or Redis key or value."""
    needles = [HOME_IP, AWAY_IP, ABROAD_IP, NOWHERE_IP, "240e:3::9", "南京", "美国"]
    with app.app_context():
        dump = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                dump.append(repr(tuple(row)))
        r = get_redis()
        for key in r.scan_iter("*"):
            dump.append(repr(key))
            kind = r.type(key).decode()
            if kind == "string":
                dump.append(repr(r.get(key)))
            elif kind == "hash":
                dump.append(repr(r.hgetall(key)))
        text = "\n".join(dump)
        assert text and not [n for n in needles if n in text]


def test_a_day_mostly_from_home_or_too_few_scans_is_not_flagged(app, client, origin_on):
    store_id, code = _city_store(app)
    _scan(client, code, AWAY_IP, 10)
    _scan(client, code, HOME_IP, 10)
    _persist(app)
    with app.app_context():
        assert integrity.mostly_from_elsewhere(today_cn(), minimum=20, share=0.5) == []  # 50 %, not more
    _scan(client, code, AWAY_IP, 1)
    _persist(app)  # a second persist adds to the same row
    assert _row(app, store_id) == (21, 10, 11, 0)
    with app.app_context():
        assert [a.percent for a in integrity.mostly_from_elsewhere(today_cn(), minimum=20, share=0.5)] == [52]
        later = today_cn() + dt.timedelta(days=integrity.RECENT_DAYS)
        assert integrity.mostly_from_elsewhere(later, minimum=20, share=0.5) == []


def test_city_is_inherited_down_the_region_tree_and_a_store_without_one_counts_unknown(
    app, client, origin_on
):
    store_id, code = _city_store(app, city=None)
    _scan(client, code, AWAY_IP, 2)
    _persist(app)
    assert _row(app, store_id) == (2, 0, 0, 2)
    with app.app_context():  # the city set on the top region: the page is rebuilt (region change hook)
        db.session.scalar(sa.select(Region).where(Region.name == "盐都区")).city = "盐城市"
        db.session.commit()
    _scan(client, code, AWAY_IP, 2)
    _scan(client, code, HOME_IP, 1)
    _persist(app)
    assert _row(app, store_id) == (5, 1, 2, 2)


def test_without_a_file_nothing_is_classified_and_the_page_says_the_check_is_off(app, client, runner):
    build(app)
    store_id, code = _city_store(app)
    _scan(client, code, AWAY_IP, 25)
    _persist(app)
    assert _row(app, store_id) == (25, 0, 0, 0)
    login(client, "view-a")
    html = client.get("/admin/integrity").get_data(as_text=True)
    assert 'id="away-off"' in html and SCAN_ORIGIN["off_unset"] in html and 'id="away"' not in html
    result = runner.invoke(args=["scans", "integrity"])
    assert result.exit_code == 0 and SCAN_ORIGIN["off_unset"] in result.output


def test_behind_a_trusted_proxy_the_forwarded_address_decides(app_config, origin_on):
    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1, "SCAN_REGION_XDB": origin_on[0]})
    store_id, code = _city_store(proxied)
    client = proxied.test_client()
    for addr in (AWAY_IP, AWAY_IP, HOME_IP):
        response = client.get(
            f"/s/{code}", headers={"X-Forwarded-For": addr}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
        )
        assert response.status_code == 200
    _persist(proxied)
    assert _row(proxied, store_id) == (3, 1, 2, 0)
