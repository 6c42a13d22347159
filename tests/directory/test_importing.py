"""Station and store import: CSV (UTF-8, BOM, GB18030) and .xlsx, all-or-nothing, idempotent, versioned."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.extensions import db
from app.directory import importing, routing
from app.directory.importing import Table
from app.directory.models import BusinessCircle, Region, Station, StationKind
from app.stores import uscc
from app.stores.models import (
    Badge,
    Commitment,
    CommitmentKind,
    Credential,
    CredentialKind,
    Industry,
    Store,
    StoreCode,
)
from tests import factories

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STATIONS_CSV = EXAMPLES / "stations.csv"
STORES_CSV = EXAMPLES / "stores.csv"
STORES_XLSX = EXAMPLES / "stores.xlsx"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(runner, kind: str, path: Path):
    return runner.invoke(args=[kind, "import", str(path)])


def _counts() -> dict[str, int]:
    models = (Region, Station, BusinessCircle, Store, StoreCode, Credential, Commitment, Badge)
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


def _snapshot() -> dict:
    """Everything an idempotent re-import must leave exactly as it was."""
    return {
        "counts": _counts(),
        "stations": sorted(db.session.execute(sa.select(Station.id, Station.updated_at)).all()),
        "stores": sorted(db.session.execute(sa.select(Store.id, Store.updated_at)).all()),
        "credentials": sorted(
            db.session.execute(sa.select(Credential.id, Credential.updated_at, Credential.valid_until)).all()
        ),
        "commitments": sorted(
            db.session.execute(sa.select(Commitment.id, Commitment.version, Commitment.superseded_at)).all()
        ),
        "codes": sorted(db.session.execute(sa.select(StoreCode.id, StoreCode.code)).all()),
    }


def _store(name: str) -> Store:
    return db.session.scalar(sa.select(Store).where(Store.name == name))


def _current(store: Store, kind: CommitmentKind) -> Commitment | None:
    return next((c for c in store.current_commitments() if c.kind == kind), None)


# --- whole files, both formats --------------------------------------------------------------------


def test_import_examples_csv_then_xlsx_same_data_unchanged(app, runner):
    result = _import(runner, "stations", STATIONS_CSV)
    assert result.exit_code == 0, result.output
    assert "新增 6，更新 0，未变 0" in result.output
    assert "新建商圈 3 个" in result.output

    result = _import(runner, "stores", STORES_CSV)
    assert result.exit_code == 0, result.output
    assert "新增 11，更新 0，未变 0" in result.output

    # The Excel file holds the same stores (dates as date cells, numbers as numbers): nothing changes.
    result = _import(runner, "stores", STORES_XLSX)
    assert result.exit_code == 0, result.output
    assert "新增 0，更新 0，未变 11" in result.output
    assert "未做任何修改" in result.output

    with app.app_context():
        assert _counts()["stores"] == 11
        assert all(s.active_code is not None for s in db.session.scalars(sa.select(Store)))

        sichuan = _store("蜀味坊川菜馆")
        assert sichuan.industry == Industry.RESTAURANT
        assert sichuan.circle.name == "青石天街购物中心"
        assert sichuan.region.name == "青石街道"  # taken from its circle
        assert sichuan.latitude == Decimal("31.512306")
        certs = sorted(
            (c.holder, c.number, c.valid_until) for c in sichuan.credentials if c.kind == "health_certificate"
        )
        assert certs == [
            ("刘芳", "JK2026-0382", dt.date(2026, 12, 9)),
            ("王磊", "JK2025-1176", dt.date(2026, 10, 30)),
            ("陈建国", "JK2026-0381", dt.date(2027, 3, 15)),
        ]
        assert all(c.holder_is_person for c in sichuan.credentials if c.kind == "health_certificate")
        licence = next(c for c in sichuan.credentials if c.kind == CredentialKind.BUSINESS_LICENCE)
        assert licence.number == sichuan.uscc and licence.valid_until is None  # empty = long-term
        payout = _current(sichuan, CommitmentKind.FIRST_PAYOUT)
        assert payout.terms == {
            "payer": "青石天街购物中心",
            "fast_track_limit_yuan": 500,
            "fund": "商场先行赔付保证金",
        }
        assert _current(sichuan, CommitmentKind.FIRST_INQUIRY).terms == {"response_hours": 24}
        assert _current(sichuan, CommitmentKind.NO_REASON_RETURN) is None
        assert [(b.kind, b.title, b.level, b.year) for b in sichuan.badges] == [
            ("model_store", "放心消费示范店", "区级", 2025)
        ]

        dress = _store("衣尚女装")
        ret = _current(dress, CommitmentKind.NO_REASON_RETURN)
        assert ret.version == 1
        assert ret.terms == {
            "days": 15,
            "exclusions": ["贴身衣物", "定制商品", "已水洗商品"],
            "conditions": "吊牌完好、不影响二次销售",
        }

        # Stations: parents defined later in the file, kinds given as codes or Chinese labels.
        centre = db.session.scalar(sa.select(Station).where(Station.kind == StationKind.CENTER_12315))
        mall_station = db.session.scalar(sa.select(Station).where(Station.name == "青石天街消费维权服务站"))
        assert [s.name for s in mall_station.chain()] == [
            "青石天街消费维权服务站",
            "青石市场监督管理所",
            centre.name,
        ]
        assert mall_station.region.parent.name == "东岚区"
        market = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == "桂花农贸市场"))
        assert market.station.name == "桂花老街消费维权服务站"
        assert routing.responsible_station(_store("桂香便民药店")).station.name == "桂香社区消费维权联络站"
        supermarket = routing.responsible_station(_store("青石好邻居超市"))
        assert (supermarket.station.name, supermarket.rule) == (
            "青石市场监督管理所",
            "region_regulatory_office",
        )


def test_import_xlsx_into_empty_database_reads_date_and_number_cells(ctx):
    assert importing.import_stations(importing.read_table(STATIONS_CSV)).ok
    result = importing.import_stores(importing.read_table(STORES_XLSX))
    assert result.ok, result.problems
    assert (result.created, result.updated, result.unchanged) == (11, 0, 0)
    db.session.commit()
    himu = _store("禾木日式料理")
    food = next(c for c in himu.credentials if c.kind == CredentialKind.FOOD_LICENCE)
    assert (food.number, food.valid_until) == ("JY23202140052217", dt.date(2026, 12, 5))
    licence = next(c for c in himu.credentials if c.kind == CredentialKind.BUSINESS_LICENCE)
    assert licence.valid_until == dt.date(2044, 6, 30)
    assert himu.merchant_phone == "0510-83256688"
    assert himu.longitude == Decimal("120.319015")


def test_import_reimport_same_files_changes_nothing(app, runner):
    assert _import(runner, "stations", STATIONS_CSV).exit_code == 0
    assert _import(runner, "stores", STORES_CSV).exit_code == 0
    with app.app_context():
        before = _snapshot()
    again_stations = _import(runner, "stations", STATIONS_CSV)
    again_stores = _import(runner, "stores", STORES_CSV)
    assert "新增 0，更新 0，未变 6" in again_stations.output
    assert "新增 0，更新 0，未变 11" in again_stores.output
    assert "未做任何修改" in again_stores.output
    with app.app_context():
        assert _snapshot() == before


def test_import_gb18030_csv_from_chinese_excel(ctx, tmp_path):
    text = STORES_CSV.read_text(encoding="utf-8-sig")
    path = tmp_path / "stores-gbk.csv"
    path.write_bytes(text.encode("gb18030"))
    assert importing.import_stations(importing.read_table(STATIONS_CSV)).ok
    result = importing.import_stores(importing.read_table(path))
    assert result.ok, result.problems
    assert result.created == 11
    assert _store("仁济堂大药房（青石店）").station.name == "青石市场监督管理所"


def test_import_utf16_tab_separated_text(ctx, tmp_path):
    rows = _rows(STATIONS_CSV)
    lines = ["\t".join(rows[0])] + ["\t".join(r.values()) for r in rows]
    path = tmp_path / "stations.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    result = importing.import_stations(importing.read_table(path))
    assert result.ok, result.problems
    assert result.created == 6


# --- all or nothing -------------------------------------------------------------------------------


def test_import_several_bad_rows_imports_nothing_and_reports_each(app, runner, tmp_path):
    assert _import(runner, "stations", STATIONS_CSV).exit_code == 0
    rows = _rows(STORES_CSV)
    good_uscc = rows[0]["统一社会信用代码"]
    rows[1]["统一社会信用代码"] = good_uscc  # line 3: duplicate of line 2
    rows[2]["营业执照有效期至"] = "2026-02-30"  # line 4
    rows[3]["行业"] = "美食城"  # line 5
    rows[4]["无理由退货天数"] = "3"  # line 6
    rows[5]["商户电话"] = "12345"  # line 7
    rows[6]["纬度"] = "120.30"  # line 8: latitude and longitude swapped
    rows[7]["健康证"] = "许诺:JK2026-0203"  # line 9: no date
    rows[8]["所属商圈"] = "不存在的商圈"  # line 10
    rows[9]["荣誉标识"] = "放心消费示范店:市级:1999"  # line 11
    path = _write_csv(tmp_path / "bad.csv", rows, encoding="utf-8-sig")

    result = _import(runner, "stores", path)
    assert result.exit_code != 0
    out = result.output
    expected = [
        '第 3 行，"统一社会信用代码" 列：统一社会信用代码与第 2 行重复',
        '第 4 行，"营业执照有效期至" 列：日期“2026-02-30”不存在',
        '第 5 行，"行业" 列：行业“美食城”无法识别',
        '第 6 行，"无理由退货天数" 列：无理由退货天数应在 7～365天 之间，当前为 3',
        '第 7 行，"商户电话" 列：电话“12345”格式不对',
        '第 8 行，"纬度" 列：纬度应在 3～54 之间',
        '第 9 行，"健康证" 列：第 1 项“许诺:JK2026-0203”应写成 姓名:编号:有效期至',
        '第 10 行，"所属商圈" 列：商圈“不存在的商圈”不存在',
        '第 11 行，"荣誉标识" 列：第 1 项“放心消费示范店:市级:1999”：年度应为 2000～',
    ]
    for line in expected:
        assert line in out, line
    assert "共 9 处问题，未导入任何数据" in out
    with app.app_context():
        assert _counts()["stores"] == 0
        assert _counts()["credentials"] == 0


def test_import_bad_uscc_check_character_caught(ctx, tmp_path):
    rows = _rows(STORES_CSV)
    code = rows[4]["统一社会信用代码"]
    wrong = next(ch for ch in uscc.CHARSET if ch != code[-1])
    rows[4]["统一社会信用代码"] = code[:-1] + wrong
    importing.import_stations(importing.read_table(STATIONS_CSV))
    result = importing.import_stores(importing.read_table(_write_csv(tmp_path / "s.csv", rows)))
    assert [str(p) for p in result.problems] == [
        '第 6 行，"统一社会信用代码" 列：统一社会信用代码校验位不正确，请核对是否录入有误'
    ]
    db.session.rollback()
    assert _counts()["stores"] == 0


def test_import_existing_data_untouched_when_file_has_a_bad_row(app, runner, tmp_path):
    assert _import(runner, "stations", STATIONS_CSV).exit_code == 0
    assert _import(runner, "stores", STORES_CSV).exit_code == 0
    with app.app_context():
        before = _snapshot()
    rows = _rows(STORES_CSV)
    rows[0]["无理由退货天数"] = "30"  # a good change ...
    rows[10]["营业执照有效期至"] = "下个月"  # ... and a bad row: nothing is saved
    result = _import(runner, "stores", _write_csv(tmp_path / "s.csv", rows))
    assert result.exit_code != 0
    assert '第 12 行，"营业执照有效期至" 列：日期“下个月”格式不对' in result.output
    with app.app_context():
        assert _snapshot() == before


def test_import_unknown_and_missing_columns_reported_on_line_1(ctx):
    table = Table(
        ["名称", "类型", "上级站点", "电活"], [(2, ["某站", "service_station", "", "0510-85123456"])]
    )
    result = importing.import_stations(table)
    assert [str(p) for p in result.problems] == ['第 1 行，"电活" 列：无法识别的列名，是否想写“电话”？']
    result = importing.import_stores(Table(["店铺名称", "address"], [(2, ["某店", "某路"])]))
    assert [str(p) for p in result.problems] == [
        '第 1 行，"统一社会信用代码" 列：缺少必填列（列名写作 uscc 或 统一社会信用代码）'
    ]


def test_import_unquoted_comma_shifting_columns_reported(ctx, tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text(
        "name,kind,address\n东岚区12315投诉举报中心,center_12315,东岚大道 1 号,3 楼\n", encoding="utf-8"
    )
    result = importing.import_stations(importing.read_table(path))
    assert len(result.problems) == 1
    assert str(result.problems[0]).startswith('第 2 行，"第 4 列" 列：该行的内容比表头多出 1 格')


def test_import_wrong_file_type_fails_in_chinese(runner, tmp_path):
    path = tmp_path / "stores.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0not really")
    result = _import(runner, "stores", path)
    assert result.exit_code != 0
    assert "只能导入 .csv 或 .xlsx 文件" in result.output


# --- stations -------------------------------------------------------------------------------------


def test_import_stations_cycle_detected(ctx):
    table = Table.from_records(
        [
            {"name": "甲站", "kind": "服务站", "parent": "乙站"},
            {"name": "乙站", "kind": "联络站", "parent": "丙站"},
            {"name": "丙站", "kind": "市场监管所", "parent": "甲站"},
            {"name": "丁站", "kind": "12315 投诉举报中心", "parent": "戊站"},
        ]
    )
    problems = [str(p) for p in importing.import_stations(table).problems]
    assert problems == [
        '第 2 行，"parent" 列：上级站点形成循环：甲站 → 乙站 → 丙站 → 甲站',
        '第 3 行，"parent" 列：上级站点形成循环：乙站 → 丙站 → 甲站 → 乙站',
        '第 4 行，"parent" 列：上级站点形成循环：丙站 → 甲站 → 乙站 → 丙站',
        '第 5 行，"parent" 列：上级站点“戊站”不存在（既不在本文件中，也不在系统中）',
    ]
    assert _counts()["stations"] == 0


def test_import_stations_cycle_through_database_detected(ctx):
    city = factories.city()
    db.session.commit()
    # The centre is the office's parent in the database; making the office the centre's parent loops.
    table = Table.from_records(
        [{"name": city["centre"].name, "kind": "center_12315", "parent": city["office"].name}]
    )
    problems = [str(p) for p in importing.import_stations(table).problems]
    assert problems == [
        '第 2 行，"parent" 列：上级站点形成循环：测试区12315中心 → 测试市场监管所 → 测试区12315中心'
    ]


def test_import_stations_bad_kind_and_duplicate_name(ctx):
    table = Table.from_records(
        [
            {"名称": "甲站", "类型": "服务站", "电话": "12315"},
            {"名称": "甲站", "类型": "派出所", "电话": "0510-8512"},
        ]
    )
    problems = [str(p) for p in importing.import_stations(table).problems]
    assert problems[0] == '第 3 行，"名称" 列：站点“甲站”与第 2 行重复'
    assert problems[1] == (
        '第 3 行，"类型" 列：站点类型“派出所”无法识别，'
        "可填：12315 投诉举报中心、市场监督管理所、消费维权服务站、消费维权联络站"
    )
    assert problems[2].startswith('第 3 行，"电话" 列：电话“0510-8512”格式不对')


def test_import_stations_update_moves_circle_and_counts_update(ctx):
    assert importing.import_stations(importing.read_table(STATIONS_CSV)).ok
    db.session.commit()
    rows = _rows(STATIONS_CSV)
    rows[1]["circles"] = "桂花老街步行街"
    rows[2]["circles"] = "桂花农贸市场"  # the liaison station takes over the market
    rows[2]["phone"] = "0510-83318888"
    result = importing.import_stations(Table.from_records(rows))
    assert result.ok, result.problems
    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    db.session.commit()
    market = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == "桂花农贸市场"))
    assert market.station.name == "桂香社区消费维权联络站"
    assert market.station.phone == "0510-83318888"


# --- stores: versions and credentials -------------------------------------------------------------


def _import_examples() -> None:
    assert importing.import_stations(importing.read_table(STATIONS_CSV)).ok
    assert importing.import_stores(importing.read_table(STORES_CSV)).ok
    db.session.commit()


def test_import_changed_terms_create_new_commitment_version(ctx, tmp_path):
    _import_examples()
    dress = _store("衣尚女装")
    old = _current(dress, CommitmentKind.NO_REASON_RETURN)
    old_id, old_terms = old.id, dict(old.terms)
    payout_id = _current(dress, CommitmentKind.FIRST_PAYOUT).id

    rows = _rows(STORES_CSV)
    rows[2]["无理由退货天数"] = "30"
    path = _write_csv(tmp_path / "changed.csv", rows)
    result = importing.import_stores(importing.read_table(path))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 10)
    db.session.commit()
    db.session.expire_all()

    versions = db.session.scalars(
        sa.select(Commitment)
        .where(Commitment.store_id == dress.id, Commitment.kind == CommitmentKind.NO_REASON_RETURN)
        .order_by(Commitment.version)
    ).all()
    assert [(c.id == old_id, c.version, c.superseded_at is None) for c in versions] == [
        (True, 1, False),
        (False, 2, True),
    ]
    assert versions[0].terms == old_terms  # the old version is never edited
    assert versions[1].terms["days"] == 30
    assert versions[1].terms["exclusions"] == old_terms["exclusions"]
    assert _current(dress, CommitmentKind.FIRST_PAYOUT).id == payout_id  # unchanged kinds stay

    # The same changed file again: no third version.
    again = importing.import_stores(importing.read_table(path))
    assert (again.updated, again.unchanged) == (0, 11)
    assert len(_store("衣尚女装").commitments) == 4


def test_import_withdrawn_commitment_superseded_without_new_version(ctx, tmp_path):
    _import_examples()
    rows = _rows(STORES_CSV)
    rows[0]["首问负责"] = "否"
    rows[0]["首问答复时限（小时）"] = ""
    importing.import_stores(importing.read_table(_write_csv(tmp_path / "s.csv", rows)))
    db.session.commit()
    store = _store("蜀味坊川菜馆")
    inquiry = [c for c in store.commitments if c.kind == CommitmentKind.FIRST_INQUIRY]
    assert len(inquiry) == 1 and inquiry[0].superseded_at is not None
    assert _current(store, CommitmentKind.FIRST_INQUIRY) is None


def test_import_credentials_matched_by_number_updated_and_removed(ctx, tmp_path):
    _import_examples()
    store = _store("蜀味坊川菜馆")
    ids = {c.number: c.id for c in store.credentials}
    rows = _rows(STORES_CSV)
    # 陈建国 renewed (same number, new date), 王磊 left, 赵敏 joined.
    rows[0]["健康证"] = (
        "陈建国:JK2026-0381:2027-09-15|刘芳:JK2026-0382:2026-12-09|赵敏:JK2026-0520:2027-10-01"
    )
    result = importing.import_stores(importing.read_table(_write_csv(tmp_path / "s.csv", rows)))
    assert result.updated == 1
    db.session.commit()
    db.session.expire_all()
    certs = {
        c.number: c for c in _store("蜀味坊川菜馆").credentials if c.kind == CredentialKind.HEALTH_CERTIFICATE
    }
    assert set(certs) == {"JK2026-0381", "JK2026-0382", "JK2026-0520"}
    assert certs["JK2026-0381"].id == ids["JK2026-0381"]
    assert certs["JK2026-0381"].valid_until == dt.date(2027, 9, 15)
    assert certs["JK2026-0520"].holder == "赵敏"


def test_import_missing_column_leaves_values_alone(ctx):
    _import_examples()
    store = _store("青石好邻居超市")
    before = (store.latitude, len(store.credentials), len(store.badges), store.updated_at)
    # A short file that only renames the store: everything else stays.
    table = Table.from_records([{"uscc": store.uscc, "name": "青石好邻居生活超市"}])
    result = importing.import_stores(table)
    assert (result.updated, result.unchanged) == (1, 0)
    db.session.commit()
    store = _store("青石好邻居生活超市")
    assert (store.latitude, len(store.credentials), len(store.badges)) == before[:3]
    assert store.circle is None and store.region.name == "青石街道"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-31", dt.date(2026, 12, 31)),
        ("2026/1/5", dt.date(2026, 1, 5)),
        ("2026年1月5日", dt.date(2026, 1, 5)),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 1)),
        ("长期", None),
    ],
)
def test_import_date_formats(value, expected):
    result = importing.parse_date(value, long_term_ok=True)
    assert (None if result is importing.LongTerm else result) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("138 0617 6120", "13806176120"),
        ("+86 13806176120", "13806176120"),
        ("0510-83256688", "0510-83256688"),
        ("(0510)83256688", "0510-83256688"),
        ("010-61234567-802", "010-61234567-802"),
        ("400-820-8820", "400-820-8820"),
    ],
)
def test_import_phone_formats(value, expected):
    assert importing.normalize_phone(value) == expected


def test_import_header_only_file_fails(runner, tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text("name,kind\n", encoding="utf-8")
    result = _import(runner, "stations", path)
    assert result.exit_code != 0
    assert "文件只有列名，没有数据行" in result.output


def test_import_dry_run_saves_nothing(app, runner):
    result = runner.invoke(args=["stations", "import", str(STATIONS_CSV), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "检查通过（试运行，未保存）：站点新增 6" in result.output
    with app.app_context():
        assert _counts()["stations"] == 0 and _counts()["regions"] == 0


def test_pharmacy_optician_and_bookshop_licences_from_the_demo_seed(ctx):
    from app.dev import demo

    demo.seed(dt.date(2026, 12, 1))
    db.session.commit()

    def kinds(name: str) -> set[str]:
        return {c.kind.value for c in _store(name).credentials}

    assert {"drug_licence", "medical_device_record"} <= kinds("仁和大药房（湖滨路店）")
    assert "medical_device_record" in kinds("明视眼镜")
    assert "publication_licence" in kinds("书香阁书店")
    drug = next(c for c in _store("康宁药房（新城店）").credentials if c.kind == CredentialKind.DRUG_LICENCE)
    assert drug.number.startswith("苏DA") and drug.valid_until is not None


def test_drug_licence_needs_its_expiry_and_a_filing_is_long_term(ctx):
    base = {
        "name": "杏林药房",
        "uscc": factories.make_uscc(),
        "address": "杏林路 1 号",
        "industry": "pharmacy",
        "drug_licence_number": "苏DA5102001",
        "drug_licence_valid_until": "",
        "medical_device_number": "苏锡药监械经营备20230123号",
    }
    refused = importing.import_stores(Table.from_records([base]))
    assert not refused.ok
    assert "有药品经营许可证编号时必须填写有效期至" in "; ".join(map(str, refused.problems))
    db.session.rollback()
    done = importing.import_stores(Table.from_records([{**base, "drug_licence_valid_until": "2030-01-31"}]))
    assert done.ok, done.problems
    db.session.commit()
    creds = {c.kind: c for c in _store("杏林药房").credentials}
    assert creds[CredentialKind.DRUG_LICENCE].valid_until == dt.date(2030, 1, 31)
    assert creds[CredentialKind.MEDICAL_DEVICE_RECORD].valid_until is None  # 长期
