"""The regulator's case export: columns, deadlines met or missed, personal data only on request."""

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit.models import AuditEntry
from app.core.extensions import db
from app.figures import export, kpis
from tests.figures.june import JUNE, NOW, build_world


@pytest.fixture
def world(ctx):
    return build_world()


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_csv_has_a_row_per_case_filed_with_its_steps_and_deadlines(world, tmp_path):
    scope = kpis.make_scope(*JUNE, now=NOW)
    out = tmp_path / "june.csv"
    count = export.write(scope, out, "csv")
    rows = {r["编号"]: r for r in _csv(out)}
    # Filed in June: A B C D E H I J K L M N (F, G, O were filed in March/April).
    assert count == len(rows) == 12
    a = rows[world["cases"]["A"].number]
    assert (a["提交时间"], a["受理时间"], a["办结时间"]) == (
        "2026-06-01 10:00",
        "2026-06-05 10:00",
        "2026-06-20 10:00",
    )
    assert (a["办结结果"], a["挽回经济损失（元）"], a["统一社会信用代码"]) == (
        "调解达成协议",
        "100.00",
        world["store"].uscc,
    )
    assert (a["受理或不予受理"], a["调解期限"], a["处理站点"]) == ("按时", "按时", "测试商圈服务站")
    assert rows[world["cases"]["B"].number]["受理或不予受理"] == "超期完成"
    assert rows[world["cases"]["C"].number]["受理或不予受理"] == "超期未完成"
    assert rows[world["cases"]["E"].number]["受理或不予受理"] == "已取消"
    assert rows[world["cases"]["K"].number]["线索核查"] == "超期未完成"
    assert rows[world["cases"]["L"].number]["全国12315平台编号"] == "3205000000123"
    assert "投诉人姓名" not in a and "张三" not in out.read_text(encoding="utf-8-sig")
    assert "13812345678" not in out.read_text(encoding="utf-8-sig")


def test_personal_data_only_with_the_flag_and_xlsx_matches_csv(world, tmp_path):
    scope = kpis.make_scope(*JUNE, "测试市场监管所", now=NOW)
    csv_path, xlsx_path = tmp_path / "a.csv", tmp_path / "a.xlsx"
    export.write(scope, csv_path, "csv", personal_data=True)
    export.write(scope, xlsx_path, "xlsx", personal_data=True)
    from_csv = [list(r.values()) for r in _csv(csv_path)]
    sheet = load_workbook(xlsx_path, read_only=True).active
    lines = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert lines[0] == export.header(True) and lines[1:] == from_csv
    assert {r[-2] for r in from_csv} == {"张三"} and {r[-1] for r in from_csv} == {"13812345678"}
    # Only this office's subtree: M (other office) is not there.
    assert world["cases"]["M"].number not in {r[0] for r in from_csv}


def test_a_formula_in_a_store_name_is_written_as_text(world, tmp_path):
    world["store"].name = '=HYPERLINK("http://x")'
    db.session.commit()
    out = tmp_path / "f.csv"
    export.write(kpis.make_scope(*JUNE, now=NOW), out, "csv")
    names = {r["被投诉经营者"] for r in _csv(out)}
    assert '\'=HYPERLINK("http://x")' in names


def test_export_cli_writes_the_file_and_refuses_a_bad_format(world, runner, tmp_path):
    out = tmp_path / "cli.xlsx"
    args = [
        "figures",
        "export",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "--format",
        "xlsx",
        "--out",
        str(out),
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "已导出 12 件" in result.output and out.exists()
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export.cases")).one()
    assert entry.via == "cli" and entry.after["rows"] == 12 and entry.after["format"] == "xlsx"
    assert entry.after["personal_data"] is False
    bad = runner.invoke(args=[*args[:6], "--format", "pdf", "--out", str(out)])
    assert bad.exit_code == 2
