"""`flask regions|circles|stations ...`: the console's directory operations from the command line, through
the same domain functions: create, edit, move (loops refused), close a station after handing its open
cases over; bad input exits 1 with a Chinese message and changes nothing; every change audited as the
CLI. PostgreSQL and SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.audit.models import AuditEntry
from app.complaints.models import Complaint, ComplaintEvent
from app.core.extensions import db
from app.directory.models import BusinessCircle, Region, Station
from tests import helpers
from tests.console.test_hand_over import _closing_world
from tests.console.world import add_regions, build


def _audit(app, prefix: str) -> list[tuple[str, str, str, dict | None, dict | None]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like(f"{prefix}.%")).order_by(AuditEntry.id)
        ).all()
        return [(r.action, r.via, r.target, r.before, r.after) for r in rows]


def _region(app, name: str) -> tuple[str | None, str | None] | None:
    with app.app_context():
        region = db.session.scalar(sa.select(Region).where(Region.name == name))
        return None if region is None else (region.parent.name if region.parent else None, region.city)


def _refused(result, text: str) -> None:
    assert result.exit_code == 1, result.output
    assert text in result.output and "Error" not in result.output and "Traceback" not in result.output


def test_regions_create_edit_move_and_refuse(app, runner):
    add_regions(app, build(app))
    made = runner.invoke(args=["regions", "create", "丙街道", "--parent", "测试区", "--city", "盐城市"])
    assert made.exit_code == 0, made.output
    assert "测试区/丙街道" in made.output and _region(app, "丙街道") == ("测试区", "盐城市")
    moved = runner.invoke(args=["regions", "edit", "丙街道", "--parent", "甲街道", "--name", "丙新街道"])
    assert moved.exit_code == 0, moved.output
    assert _region(app, "丙新街道") == ("甲街道", "盐城市")  # options not given are kept
    listing = runner.invoke(args=["regions", "list"]).output
    assert "    丙新街道\t测试区/甲街道/丙新街道\t盐城市" in listing and "  乙街道\t测试区/乙街道" in listing

    _refused(runner.invoke(args=["regions", "edit", "测试区", "--parent", "甲一社区"]), "形成循环")
    _refused(runner.invoke(args=["regions", "edit", "甲街道", "--city", "Yancheng"]), "城市名称应为")
    _refused(runner.invoke(args=["regions", "create", "甲街道"]), "区域“甲街道”已存在")
    _refused(runner.invoke(args=["regions", "create", "丁/戊"]), "不能包含 /")
    _refused(runner.invoke(args=["regions", "edit", "无此区"]), "区域“无此区”不存在")
    assert _region(app, "测试区") == (None, None) and _region(app, "甲街道") == ("测试区", None)

    cleared = runner.invoke(args=["regions", "edit", "丙新街道", "--city", ""])
    assert cleared.exit_code == 0 and _region(app, "丙新街道") == ("甲街道", None)
    assert _audit(app, "region") == [
        ("region.create", "cli", "丙街道", None, {"name": "丙街道", "parent": "测试区", "city": "盐城市"}),
        (
            "region.update",
            "cli",
            "丙新街道",
            {"name": "丙街道", "parent": "测试区"},
            {"name": "丙新街道", "parent": "测试区/甲街道"},
        ),
        ("region.update", "cli", "丙新街道", {"city": "盐城市"}, {"city": ""}),
    ]


def test_circles_create_edit_and_refuse(app, runner):
    add_regions(app, build(app))
    made = runner.invoke(
        args=["circles", "create", "丙商圈", "--station", "甲商圈服务站", "--region", "甲街道"]
    )
    assert made.exit_code == 0 and "丙商圈（甲商圈服务站）" in made.output
    edited = runner.invoke(args=["circles", "edit", "丙商圈", "--station", "乙商圈服务站", "--region", ""])
    assert edited.exit_code == 0, edited.output
    with app.app_context():
        circle = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == "丙商圈"))
        assert circle.station.name == "乙商圈服务站" and circle.region is None
    assert "丙商圈\t乙商圈服务站\t—" in runner.invoke(args=["circles", "list"]).output

    _refused(runner.invoke(args=["circles", "create", "丁商圈", "--station", "无此站"]), "站点“无此站”不存在")
    _refused(
        runner.invoke(
            args=["circles", "create", "丁商圈", "--station", "甲商圈服务站", "--region", "无此区"]
        ),
        "区域“无此区”不存在",
    )
    _refused(runner.invoke(args=["circles", "edit", "丙商圈", "--name", "甲商圈"]), "商圈“甲商圈”已存在")
    _refused(runner.invoke(args=["circles", "edit", "无此商圈"]), "商圈“无此商圈”不存在")
    assert [a[0] for a in _audit(app, "circle")] == ["circle.create", "circle.update"]


def test_stations_save_list_and_move_refusing_a_loop(app, runner):
    build(app)
    saved = runner.invoke(
        args=["stations", "save", "甲二服务站", "--kind", "service_station", "--parent", "甲市场监管所"]
    )
    assert saved.exit_code == 0, saved.output
    _refused(runner.invoke(args=["stations", "save", "测试区12315中心", "--parent", "甲二服务站"]), "循环")
    _refused(runner.invoke(args=["stations", "save", "甲三服务站", "--kind", "shop"]), "站点类型")
    listing = runner.invoke(args=["stations", "list"]).output
    assert "测试区12315中心\t" in listing and "    甲二服务站\t" in listing
    assert [a[0] for a in _audit(app, "station")] == ["station.create"]


def test_stations_close_refused_while_cases_are_open_then_hand_over_closes(app, runner):
    ids = _closing_world(app, build(app))
    open_a, open_b, closed = ids["numbers"]
    _refused(runner.invoke(args=["stations", "close", "甲临时服务站"]), "2 件未办结的投诉")
    _refused(
        runner.invoke(
            args=["stations", "hand-over", "甲临时服务站", "--to", "甲临时服务站", "--reason", "撤站"]
        ),
        "不能移交给要撤销的站点本身",
    )
    _refused(
        runner.invoke(
            args=["stations", "hand-over", "甲临时服务站", "--to", "甲商圈服务站", "--reason", " "]
        ),
        "请填写移交原因",
    )
    _refused(
        runner.invoke(args=["stations", "hand-over", "甲临时服务站", "--to", "无此站", "--reason", "撤站"]),
        "站点“无此站”不存在",
    )
    with app.app_context():  # nothing moved by the refusals
        assert {db.session.get(Station, ids["temp"]).closed_at} == {None}
    done = runner.invoke(
        args=["stations", "hand-over", "甲临时服务站", "--to", "甲商圈服务站", "--reason", "撤站合并"]
    )
    assert done.exit_code == 0, done.output
    assert "已将 2 件未办结的投诉移交给 甲商圈服务站，并撤销站点 甲临时服务站" in done.output
    with app.app_context():
        stations = dict(
            db.session.execute(
                sa.select(Complaint.number, Station.name)
                .join(Station, Station.id == Complaint.station_id)
                .where(Complaint.number.in_(ids["numbers"]))
            ).all()
        )
        assert stations == {open_a: "甲商圈服务站", open_b: "甲商圈服务站", closed: "甲临时服务站"}
        channels = db.session.scalars(
            sa.select(ComplaintEvent.channel)
            .join(Complaint)
            .where(Complaint.number == open_a, ComplaintEvent.action == "transferred")
        ).all()
        assert channels == ["cli"]
        assert db.session.get(Station, ids["temp"]).closed_at is not None
    again = runner.invoke(
        args=["stations", "hand-over", "甲临时服务站", "--to", "甲商圈服务站", "--reason", "撤站合并"]
    )
    assert again.exit_code == 0 and "原已撤销" in again.output
    assert "原已撤销" in runner.invoke(args=["stations", "close", "甲临时服务站"]).output
    assert [(a[0], a[1]) for a in _audit(app, "station")] == [
        ("station.hand_over", "cli"),
        ("station.close", "cli"),
    ]
    assert "  甲临时服务站\t消费维权服务站\t" in runner.invoke(args=["stations", "list"]).output


def test_close_a_station_nothing_depends_on(app, runner):
    build(app)
    assert (
        runner.invoke(
            args=["stations", "save", "空站", "--kind", "liaison_station", "--parent", "乙市场监管所"]
        ).exit_code
        == 0
    )
    closed = runner.invoke(args=["stations", "close", "空站"])
    assert closed.exit_code == 0 and "已撤销站点 空站" in closed.output
    listing = runner.invoke(args=["stations", "list"]).output.splitlines()
    assert [line.strip() for line in listing if "空站" in line] == ["空站\t消费维权联络站\t—\t已撤销"]


ARG = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(
        ["甲街道", "测试区/甲街道", "甲一社区", "甲商圈", "甲商圈服务站", "盐城市", "a\x00b", ""]
    ),
)
COMMANDS = [
    ["regions", "create", "{0}", "--parent", "{1}", "--city", "{2}"],
    ["regions", "edit", "{0}", "--name", "{1}", "--parent", "{2}"],
    ["regions", "edit", "甲街道", "--city", "{0}", "--parent", "{1}"],
    ["circles", "create", "{0}", "--station", "{1}", "--region", "{2}"],
    ["circles", "edit", "甲商圈", "--name", "{0}", "--station", "{1}", "--region", "{2}"],
    ["stations", "save", "{0}", "--kind", "{1}", "--parent", "{2}"],
    ["stations", "close", "{0}"],
    ["stations", "hand-over", "{0}", "--to", "{1}", "--reason", "{2}"],
    ["stores", "find", "{0}"],
    ["audit", "list", "--target", "{0}", "--since", "{1}", "--action", "{2}"],
]


@pytest.fixture
def world(app):
    return add_regions(app, build(app))


@helpers.fuzz_settings(25)
@given(command=st.sampled_from(COMMANDS), args=st.tuples(ARG, ARG, ARG))
def test_directory_commands_never_crash(app, runner, world, command, args):
    """Any text in any option: exit 0 or 1 with a message, never a traceback."""
    result = runner.invoke(args=[part.format(*args) for part in command])
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "Error:" not in result.output
