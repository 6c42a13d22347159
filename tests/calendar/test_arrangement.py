"""`flask calendar import`: a year's arrangement, all rows or none, refused when it contradicts itself."""

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from app.calendar import arrangement, workcal
from app.calendar.models import CalendarOverride, CalendarYear
from app.core.extensions import db

D = dt.date
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "calendar-2027-sample.csv"


def _write(tmp: Path, text: str, name: str = "2027.csv") -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _overrides(app) -> list[tuple[dt.date, bool]]:
    with app.app_context():
        return [(r.day, r.is_workday) for r in db.session.scalars(sa.select(CalendarOverride))]


def test_parse_refuses_contradiction_and_bad_rows():
    outcome = arrangement.parse(
        [
            (2, ["2027-02-11", "holiday", "春节"]),
            (3, ["2027-02-11", "workday", ""]),
            (4, ["2027-02-31", "holiday", ""]),
            (5, ["2027-02-20", "上课", ""]),
            (6, ["2027-02-12", "holiday", "春节"]),
            (7, ["2027-02-12", "holiday", ""]),  # the same day twice with the same kind is fine
        ]
    )
    assert outcome.problems == [
        "第 3 行：2027-02-11 与第 2 行矛盾（同一天既是休息日又是工作日）。",
        "第 4 行：日期“2027-02-31”无法识别，请写成 2027-01-01 的格式。",
        "第 5 行：类型“上课”无法识别，请写 holiday（休息日）或 workday（上班）。",
    ]
    assert outcome.days[D(2027, 2, 12)] == (False, "春节")


def test_import_sample_makes_2027_certain_and_is_idempotent(ctx):
    rows = [(2, ["2027-01-01", "holiday", "元旦"]), (3, ["2027-02-20", "workday", "春节调休上班"])]
    first = arrangement.import_rows(rows, note="国办发明电〔2026〕示例号")
    db.session.commit()
    assert (first.created, first.updated, first.unchanged, first.new_years) == (2, 0, 0, [2027])
    again = arrangement.import_rows(rows, note="国办发明电〔2026〕示例号")
    db.session.commit()
    assert (again.created, again.updated, again.unchanged, again.new_years) == (0, 0, 2, [])
    assert not again.changed
    assert db.session.get(CalendarYear, 2027).note == "国办发明电〔2026〕示例号"
    cal = workcal.load()
    # The notice is in: days it does not list are ordinary days, and nothing in 2027 is uncertain.
    assert cal.info(D(2027, 2, 9)).is_workday and cal.info(D(2027, 2, 9)).certain
    assert cal.info(D(2027, 2, 20)).label == "春节调休上班" and cal.is_workday(D(2027, 2, 20))
    assert not cal.add_calendar_days(D(2026, 12, 7), 60).uncertain


def test_cli_import_sample_file(app, runner):
    result = runner.invoke(args=["calendar", "import", str(SAMPLE), "--note", "示例"])
    assert result.exit_code == 0, result.output
    assert "已导入：新增 29，更新 0，未变 0；2027 年放假安排已录入" in result.output
    again = runner.invoke(args=["calendar", "import", str(SAMPLE), "--note", "示例"])
    assert "新增 0，更新 0，未变 29" in again.output
    assert len(_overrides(app)) == 29
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-12-07", "--days", "60"])
    assert result.output.startswith("期限届满：2027-02-15 星期一\n")  # the sample's 春节 runs to Fri 12 Feb
    assert result.output.rstrip().endswith("日历：确定")


def test_cli_import_refuses_whole_file_on_one_bad_row(app, runner, tmpdir_path):
    path = _write(
        tmpdir_path, "date,kind,note\n2027-01-01,holiday,元旦\n2027-01-04,holiday,\n2027-01-04,workday,\n"
    )
    result = runner.invoke(args=["calendar", "import", path])
    assert result.exit_code == 1
    assert "第 4 行：2027-01-04 与第 3 行矛盾" in result.output
    assert "导入失败：共 1 处问题，未导入任何日期。" in result.output
    assert _overrides(app) == []
    with app.app_context():
        assert db.session.scalars(sa.select(CalendarYear)).all() == []


def test_cli_import_file_without_header_and_dry_run(app, runner, tmpdir_path):
    path = _write(tmpdir_path, "2027-01-01,holiday,元旦\n2027-01-04,holiday,元旦调休\n")
    result = runner.invoke(args=["calendar", "import", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "检查通过（试运行，未保存）：2 个日期；2027 年放假安排已录入" in result.output
    assert _overrides(app) == []
    assert runner.invoke(args=["calendar", "import", path]).exit_code == 0
    assert _overrides(app) == [(D(2027, 1, 1), False), (D(2027, 1, 4), False)]


def test_cli_import_unreadable_and_empty_files(app, runner, tmpdir_path):
    result = runner.invoke(args=["calendar", "import", _write(tmpdir_path, "x", "2027.pdf")])
    assert result.exit_code == 1 and "只能导入 .csv 或 .xlsx 文件" in result.output
    result = runner.invoke(args=["calendar", "import", _write(tmpdir_path, "date,kind,note\n")])
    assert result.exit_code == 1 and "导入失败" in result.output
