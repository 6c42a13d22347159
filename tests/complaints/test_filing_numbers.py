"""Complaint numbers never collide in a way a consumer sees: a number already taken is drawn again."""

import itertools

import sqlalchemy as sa

from app.complaints.filing import service as filing
from app.complaints.models import Complaint
from app.core.extensions import db
from app.stores.models import Store
from tests import factories, helpers

API = "/api/mp/v1"


def test_a_number_already_taken_is_drawn_again(app, client, emulator, monkeypatch):
    shop = helpers.shop(app)
    with app.app_context():
        taken = factories.complaint(db.session.get(Store, shop["store_id"]))
        taken_number = taken.number
        db.session.commit()
    # The generator, seeded: the first draw is the number filed above, then a fresh one.
    draws = itertools.chain([taken_number, taken_number], iter(lambda: "T261207FRESH1", None))
    monkeypatch.setattr(filing, "new_number", lambda now: next(draws))
    headers = {**helpers.login(client, emulator), **helpers.key()}

    resp = client.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=headers)

    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["data"]["number"] == "T261207FRESH1"
    with app.app_context():
        numbers = db.session.scalars(sa.select(Complaint.number).order_by(Complaint.id)).all()
    assert numbers == [taken_number, "T261207FRESH1"]
    # A retry with the same key is the same complaint, not a third one.
    again = client.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=headers)
    assert again.status_code == 201 and again.get_json()["data"]["number"] == "T261207FRESH1"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 2
