"""The staff H5 forms under generated input (hypothesis): a logged-in handler, and a merchant contact,
post any action with any form fields, in any order, to one case; and any address under /oa, signed in or
not. Never a server error, the page answers in Chinese, and the case stays in a state DOMAIN.md allows.
On PostgreSQL and SQLite, WeChat via the emulator.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.complaints.models import Status
from app.complaints.presenters.staff import ALL_ACTIONS
from tests import helpers
from tests.staff_web.test_pages import BASE, csrf_of, file_complaint, login_as, page, post, status_of

FIELDS = ["text", "reason_code", "reason", "outcome", "amount_recovered", "amount", "station_id", "internal"]
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "1",
            "on",
            "testing",
            "agreement",
            "terminated",
            "12.50",
            "-3",
            "1e9",
            "0.001",
            "已联系商家",
            "已联系\x00商家",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
)
STEPS = st.lists(
    st.tuples(st.sampled_from(ALL_ACTIONS), st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4)),
    min_size=1,
    max_size=6,
)


@pytest.fixture(params=["oa-handler-1", "oa-merchant-1"])
def case(request, app, client, oauth, wechat_api_base) -> tuple[str, str]:
    """(complaint number, CSRF token): as the handler, a case at the station; as the merchant contact, a
    case the merchant settles first."""
    shop = helpers.shop(app, merchant=True)
    merchant_first = request.param == "oa-merchant-1"
    number, _consumer = file_complaint(app, client, oauth, shop, amount="80", merchant_first=merchant_first)
    login_as(client, wechat_api_base, request.param)
    return number, csrf_of(page(client, number).get_data(as_text=True))


@helpers.fuzz_settings(20)
@given(steps=STEPS)
def test_any_form_any_order_never_a_server_error(app, client, case, steps):
    number, token = case
    for action, form in steps:
        res = post(client, number, action, form, token=token)
        assert res.status_code < 500, (action, form, res.status_code)
        if res.status_code != 303:
            assert res.mimetype == "text/html" and "<html" in res.get_data(as_text=True)
        assert Status(status_of(app, number))  # a state the model knows


SEGMENT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40)
QUERY = st.dictionaries(st.sampled_from(["code", "state", "done", "t", "sig", "next"]), SEGMENT, max_size=3)


@helpers.fuzz_settings(30)
@given(segment=SEGMENT, query=QUERY, anonymous=st.booleans())
def test_any_page_address_never_a_server_error(app, client, case, segment, query, anonymous):
    browser = app.test_client() if anonymous else client  # `client` holds the staff session
    for path in (
        "/oa/",
        "/oa/auth",
        f"/oa/complaints/{quote(segment, safe='')}",
        f"/oa/uploads/{quote(segment, safe='')}",
    ):
        res = browser.get(path, query_string=query, base_url=BASE)
        assert res.status_code < 500, (path, query, res.status_code)
