"""Fixtures of the complaint domain's tests."""

import pytest

from app.core.extensions import db
from tests import factories


@pytest.fixture
def world(ctx):
    """A city with a store at its service station, and another station to transfer to."""
    city = factories.city()
    store = factories.store(circle=city["circle"], region=city["region"])
    other = factories.station(name="另一服务站", parent=city["office"], region=city["region"])
    db.session.flush()
    return {"city": city, "store": store, "other": other}
