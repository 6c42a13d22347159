"""The database briefly away: every surface answers 503 `database_unavailable` with `Retry-After`, never
500, changes nothing, and the client's retry then works once.

Two faults, reproduced for real: the database refusing connections (the app pointed at a PostgreSQL port
nobody listens on, or a SQLite file in a missing directory), and — on PostgreSQL — a connection dropped
under a transaction (`pg_terminate_backend` of the request's own backend, from a second connection, just
before a chosen statement).
"""

from __future__ import annotations

import contextlib
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from app.cli.sandbox import push_xml
from app.complaints.models import Complaint
from app.core.extensions import db
from app.core.texts import ERRORS
from app.official_account.models import OAInbound
from tests import helpers
from tests.official_account.test_callback import HANDLER, pusher, raw_post
from tests.outage import away
from tests.staff_web.test_pages import BASE, login_as

API = "/api/mp/v1"
__all__ = ["away"]  # the fixture


@contextlib.contextmanager
def dropped_before(app, statement: str, times: int = 1):
    """Terminate the connection's PostgreSQL backend just before it runs `statement` (its first words)."""
    # Autocommit: pg_stat_activity is read once per transaction, so each look must be a transaction of its own.
    admin = sa.create_engine(
        app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    fired: list[int] = []

    def terminate(conn, cursor, sql, parameters, context, executemany):
        if len(fired) >= times or not sql.lstrip().upper().startswith(statement):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            while other.execute(gone, {"pid": pid}).scalar():
                time.sleep(0.01)
        fired.append(pid)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", terminate)
    try:
        yield fired
    finally:
        sa.event.remove(engine, "before_cursor_execute", terminate)
        admin.dispose()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _assert_unavailable(resp) -> None:
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "3"


def _file(client, code, headers):
    return client.post(f"{API}/stores/{code}/complaints", json=helpers.body(), headers=headers)


# -- the database refusing connections -----------------------------------------------------------------


def test_filing_while_the_database_is_away_is_503_and_the_retry_files_once(app, away, client, emulator):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}

    resp = _file(away.test_client(), shop["code"], headers)

    _assert_unavailable(resp)
    assert resp.get_json() == {
        "error": {"code": "database_unavailable", "message": ERRORS["database_unavailable"]}
    }
    assert _count(app, Complaint) == 0
    first = _file(client, shop["code"], headers)  # the mini-program's retry, same Idempotency-Key
    again = _file(client, shop["code"], headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["data"]["number"] == again.get_json()["data"]["number"]
    assert _count(app, Complaint) == 1


def test_store_page_while_the_database_is_away_is_a_chinese_503_page(app, away):
    shop = helpers.shop(app)
    resp = away.test_client().get(f"/s/{shop['code']}")
    _assert_unavailable(resp)
    html = resp.get_data(as_text=True)
    assert "请稍后再试" in html and ERRORS["database_unavailable"] in html and "12315" in html


def test_staff_page_while_the_database_is_away_is_a_chinese_503_page(
    app, away, client, oauth, wechat_api_base
):
    helpers.shop(app)
    login_as(client, wechat_api_base, HANDLER)
    browser = away.test_client()
    host = BASE.split("//")[1]
    session = client.get_cookie("oa_staff", domain=host, path="/oa")
    browser.set_cookie("oa_staff", session.value, domain=host, path="/oa")
    resp = browser.get("/oa/", base_url=BASE)
    _assert_unavailable(resp)
    html = resp.get_data(as_text=True)
    assert ERRORS["database_unavailable"] in html and "<html" in html.lower()


def test_oa_push_while_the_database_is_away_is_503_and_wechats_retry_gets_one_reply(app, away, client):
    helpers.shop(app)
    query, body = pusher(app).wrap(push_xml(HANDLER, text="帮助", msg_id=7001))

    resp = raw_post(away.test_client(), query, body)

    _assert_unavailable(resp)
    assert resp.get_data() == b"success" and resp.mimetype == "text/plain"  # never an error page
    assert _count(app, OAInbound) == 0
    first, again = raw_post(client, query, body), raw_post(client, query, body)  # WeChat's retries
    assert first.status_code == again.status_code == 200
    assert "待办" in pusher(app).read(first.get_data())
    assert first.get_data() == again.get_data()
    assert _count(app, OAInbound) == 1


# -- a connection dropped under a transaction (PostgreSQL) ---------------------------------------------


@pytest.mark.pg_only
def test_filing_whose_connection_drops_mid_transaction_is_filed_once_on_a_new_one(app, client, emulator):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}

    with dropped_before(app, "INSERT INTO COMPLAINTS") as fired:
        resp = _file(client, shop["code"], headers)

    assert len(fired) == 1
    assert resp.status_code == 201, resp.get_json()
    assert _count(app, Complaint) == 1
    again = _file(client, shop["code"], headers)
    assert again.get_json()["data"]["number"] == resp.get_json()["data"]["number"]
    assert _count(app, Complaint) == 1


@pytest.mark.pg_only
def test_filing_whose_connection_drops_twice_is_503_and_the_retry_files_once(app, client, emulator):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}

    with dropped_before(app, "INSERT INTO COMPLAINTS", times=2) as fired:
        resp = _file(client, shop["code"], headers)

    assert len(fired) == 2
    _assert_unavailable(resp)
    assert resp.get_json()["error"]["code"] == "database_unavailable"
    assert _count(app, Complaint) == 0
    assert _file(client, shop["code"], headers).status_code == 201
    assert _count(app, Complaint) == 1


@pytest.mark.pg_only
def test_oa_push_whose_connection_drops_mid_transaction_is_503_then_answered_once(app, client):
    helpers.shop(app)
    query, body = pusher(app).wrap(push_xml(HANDLER, text="帮助", msg_id=7002))

    with dropped_before(app, "INSERT INTO OA_INBOUND") as fired:
        resp = raw_post(client, query, body)

    assert len(fired) == 1
    _assert_unavailable(resp)
    assert resp.get_data() == b"success"
    assert _count(app, OAInbound) == 0
    retry = raw_post(client, query, body)
    assert retry.status_code == 200 and "待办" in pusher(app).read(retry.get_data())
    assert _count(app, OAInbound) == 1
