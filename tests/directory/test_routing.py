"""Routing: every combination of what a store has, by category and kind, from rules in the database."""

import itertools

import pytest

from app.core.extensions import db
from app.directory import routing
from app.directory.models import RoutingRule, StationKind
from tests import factories

CATEGORIES = ["quality", "food_safety"]
KINDS = ["complaint", "report"]


def expected(own: bool, circle: bool, office: bool, category: str, kind: str) -> str:
    if office and (category == "food_safety" or kind == "report"):
        return "region_regulatory_office"
    if own:
        return "store_station"
    if circle:
        return "circle_station"
    if office:
        return "region_regulatory_office"
    return "district_centre"


@pytest.mark.parametrize("from_table", [True, False], ids=["rules-in-table", "table-empty-defaults"])
def test_routing_every_combination(ctx, from_table):
    if from_table:
        routing.reset_rules()
    district = factories.region("路由区")
    centre = factories.station(StationKind.CENTER_12315, name="路由区12315中心", region=district)
    office_region = factories.region("有所街道", parent=None)
    office = factories.station(
        StationKind.REGULATORY_OFFICE, name="有所市场监管所", parent=centre, region=office_region
    )
    bare_region = factories.region("无所街道")
    service = factories.station(name="商圈服务站", parent=office)
    own_station = factories.station(StationKind.LIAISON_STATION, name="店内联络站", parent=service)
    mall = factories.circle("路由商圈", station=service)
    db.session.flush()
    for own, circle, has_office in itertools.product([True, False], repeat=3):
        store = factories.store(
            station=own_station if own else None,
            circle=mall if circle else None,
            region=office_region if has_office else bare_region,
        )
        db.session.flush()
        for category, kind in itertools.product(CATEGORIES, KINDS):
            route = routing.responsible_station(store, category, kind)
            rule = expected(own, circle, has_office, category, kind)
            assert route.rule == rule, (own, circle, has_office, category, kind)
            assert route.station is not None
            station = {
                "store_station": own_station,
                "circle_station": service,
                "region_regulatory_office": office,
                "district_centre": centre,
            }[rule]
            assert route.station.id == station.id


def test_routing_office_found_through_parent_region(ctx):
    parent = factories.region("母区")
    child = factories.region("子街道", parent=parent)
    office = factories.station(StationKind.REGULATORY_OFFICE, name="母区监管所", region=parent)
    store = factories.store(region=child)
    db.session.flush()
    route = routing.responsible_station(store, "food_safety", "complaint")
    assert (route.station.id, route.rule) == (office.id, "region_regulatory_office")


def test_routing_inactive_rule_skipped_and_order_editable(ctx):
    routing.reset_rules()
    city = factories.city()
    store = factories.store(circle=city["circle"], region=city["region"])
    db.session.flush()
    assert routing.responsible_station(store, "quality").rule == "circle_station"
    circle_rule = db.session.query(RoutingRule).filter_by(rule="circle_station").one()
    circle_rule.active = False
    db.session.commit()  # a committed change to the rules reaches the next decision
    assert routing.responsible_station(store, "quality").rule == "region_regulatory_office"


def test_routing_no_station_anywhere_is_no_dead_end(ctx):
    store = factories.store()
    db.session.flush()
    assert routing.responsible_station(store).station is None  # an empty city: only the API guards
    centre = factories.station(StationKind.CENTER_12315, name="兜底中心")
    db.session.commit()  # a committed new station reaches the next routing decision
    assert routing.responsible_station(store).station.id == centre.id


def test_routing_cli_lists_rules(app, runner):
    with app.app_context():
        routing.reset_rules()
        db.session.commit()
    result = runner.invoke(args=["routing", "list"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "1. region_regulatory_office categories=food_safety"
