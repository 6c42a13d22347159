"""Two surfaces acting on one complaint at the same moment: one wins, the other is told why it cannot.

A station worker accepts a complaint on the staff page while a colleague declines it in the chat. Both
requests run in threads of their own, each with its own database connection, against the real database.
To be sure they overlap, the test first holds the complaint's lock itself (PostgreSQL: the row, `FOR
UPDATE`; SQLite: the database's write lock, `BEGIN IMMEDIATE`), waits until both requests have sent the
statement that must wait for it, and only then lets go. `app.complaints.access.for_action` locks the row
before reading it, so whichever request gets it second reads what the first committed and is refused.

On PostgreSQL the test fails without the row lock (neither request would wait for the held row before
reading it). On SQLite the held lock is the whole database's: the chat's first write (recording the push)
already comes before it reads the case, so without `for_action`'s lock only the staff page would read a
stale case, and the test would catch that only when the chat happens to win.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading

import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintEvent
from app.core.extensions import db
from tests import helpers
from tests.official_account.test_callback import HANDLER, open_case, say
from tests.staff_web.test_pages import BASE, csrf_of, login_as, page

HOLD_TIMEOUT = 60  # a guard against a hang, not a measure of speed


@contextlib.contextmanager
def holding(app, number: str):
    """Hold what `for_action` must wait for, until the block ends."""
    with app.app_context():
        url = db.engine.url
        if url.get_backend_name() == "sqlite":
            conn = sqlite3.connect(url.database, isolation_level=None, timeout=30)
            conn.execute("BEGIN IMMEDIATE")  # the write lock: every other writer now waits
            try:
                yield
            finally:
                conn.execute("ROLLBACK")
                conn.close()
            return
        with db.engine.connect() as conn:
            trans = conn.begin()
            conn.execute(
                sa.text("SELECT id FROM complaints WHERE number = :n FOR UPDATE"), {"n": number}
            ).one()
            try:
                yield
            finally:
                trans.rollback()


def _waits_for_the_lock(statement: str, backend: str) -> bool:
    """The statement a request blocks on while the test holds the lock."""
    if backend == "sqlite":
        return statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    return "FOR UPDATE" in statement.upper()


def test_staff_page_and_chat_at_once_one_wins_one_is_refused(app, client, oauth, wechat_api_base):
    helpers.shop(app)
    number = open_case(app)
    web = app.test_client()
    login_as(web, wechat_api_base, "oa-sup-1")
    token = csrf_of(page(web, number).get_data(as_text=True))
    with app.app_context():
        backend = db.engine.url.get_backend_name()
        engine = db.engine

    workers: dict[int, str] = {}  # thread id -> name, filled as each starts
    blocked: set[str] = set()
    changed = threading.Condition()
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        name = workers.get(threading.get_ident())
        if name and _waits_for_the_lock(statement, backend):
            with changed:
                blocked.add(name)
                changed.notify_all()

    def run(name, call):
        workers[threading.get_ident()] = name
        try:
            results[name] = call()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    accept_on_page = lambda: web.post(  # noqa: E731
        f"/oa/complaints/{number}/accept", data={"csrf_token": token}, base_url=BASE, headers={"Origin": BASE}
    )
    decline_in_chat = lambda: say(app, app.test_client(), HANDLER, f"不予受理 {number} 1")  # noqa: E731
    threads = [
        threading.Thread(target=run, args=("page", accept_on_page)),
        threading.Thread(target=run, args=("chat", decline_in_chat)),
    ]
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with holding(app, number):
            for t in threads:
                t.start()
            with changed:
                both = changed.wait_for(lambda: blocked == {"page", "chat"} or errors, timeout=HOLD_TIMEOUT)
            assert both and not errors, (blocked, errors)
        for t in threads:
            t.join(timeout=HOLD_TIMEOUT)
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)

    assert not errors, errors
    web_resp, chat = results["page"], results["chat"]
    with app.app_context():
        status = db.session.scalar(sa.select(Complaint.status).where(Complaint.number == number)).value
        actions = db.session.scalars(
            sa.select(ComplaintEvent.action)
            .join(Complaint)
            .where(Complaint.number == number, ComplaintEvent.action.in_(("accepted", "declined")))
        ).all()
    assert len(actions) == 1  # exactly one of the two happened
    if status == "accepted":  # the page won; the chat read the accepted case and was refused
        assert web_resp.status_code == 303
        assert chat.reply == "当前状态下不能进行此操作（该投诉目前为“已受理”）。"
    else:  # the chat won; the page shows why it could not accept
        assert status == "declined" and chat.reply.startswith(f"已对 {number} 作出不予受理决定")
        body = web_resp.get_data(as_text=True)
        assert web_resp.status_code == 409 and "当前状态下不能进行此操作（该投诉目前为“不予受理”）" in body
