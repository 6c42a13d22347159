"""`flask stores find|credentials`, `flask audit list`: the console's lists from the command line, read-only,
bad options refused in Chinese. PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt

from app.core.extensions import db
from app.core.timeutil import today_cn
from app.stores.models import CredentialKind, Store
from tests import factories
from tests.console.world import build


def test_stores_find_by_name_uscc_or_code(app, runner):
    ids = build(app)
    by_name = runner.invoke(args=["stores", "find", "面馆"])
    assert by_name.exit_code == 0
    assert by_name.output.splitlines() == [f"{ids['code_a']}\t甲记面馆\t{ids['uscc_a']}\t甲商圈服务站"]
    assert "甲记面馆" in runner.invoke(args=["stores", "find", ids["uscc_a"]]).output
    assert "甲记面馆" in runner.invoke(args=["stores", "find", ids["code_a"].lower()]).output
    assert runner.invoke(args=["stores", "find", "无此店\x00"]).output.strip() == "没有找到符合条件的店铺。"


def test_stores_credentials_most_urgent_first(app, runner):
    ids = build(app)
    today = today_cn()
    with app.app_context():
        store = db.session.get(Store, ids["store_a"])
        factories.credential(store, number="YYZZ-1", valid_until=today - dt.timedelta(days=2))
        factories.credential(store, CredentialKind.FOOD_LICENCE, number="JY-2", valid_until=today)
        factories.credential(store, number="YYZZ-3", valid_until=today + dt.timedelta(days=400))
        db.session.commit()
    lines = runner.invoke(args=["stores", "credentials"]).output.splitlines()
    assert [line.split("\t")[3:] for line in lines] == [
        ["YYZZ-1", str(today - dt.timedelta(days=2)), "已过期 2 天"],
        ["JY-2", str(today), "今天到期"],
    ]


def test_audit_list_filters_and_refuses_bad_options(app, runner):
    build(app)
    assert runner.invoke(args=["regions", "create", "丙街道", "--parent", "测试区"]).exit_code == 0
    listed = runner.invoke(args=["audit", "list", "--action", "region.create"])
    assert listed.exit_code == 0
    (line,) = listed.output.splitlines()
    assert "\t命令行\t新建区域\t丙街道\t" in line and '"parent": "测试区"' in line
    today = today_cn().isoformat()
    assert "丙街道" in runner.invoke(args=["audit", "list", "--target", "丙", "--since", today]).output
    later = (today_cn() + dt.timedelta(days=1)).isoformat()
    assert runner.invoke(args=["audit", "list", "--since", later]).output.strip() == "没有符合条件的记录。"
    bad = runner.invoke(args=["audit", "list", "--since", "昨天"])
    assert bad.exit_code == 1 and "--since 应为日期" in bad.output
    bad = runner.invoke(args=["audit", "list", "--action", "drop.tables"])
    assert bad.exit_code == 1 and "没有这种操作" in bad.output
