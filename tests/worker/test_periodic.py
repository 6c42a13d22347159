from app.core.extensions import db
from app.core.timeutil import today_cn
from app.stores import scans
from tests import factories


def test_worker_once_persists_scan_counters(app, client, runner):
    with app.app_context():
        store = factories.store()
        db.session.commit()
        code, store_id = store.active_code.code, store.id
    for _ in range(4):
        assert client.get(f"/api/mp/v1/stores/{code}").status_code == 200
    result = runner.invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "scans.persist" in result.output
    with app.app_context():
        assert scans.total_for(store_id, today_cn()) == 4
