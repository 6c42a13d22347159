"""Every operation of /api/mp/v1 against inputs generated from its own OpenAPI document (schemathesis).

Through the Flask app on PostgreSQL and SQLite, as a logged-in consumer who has a store and a complaint:
no input gets a server error, every status answered is one the document lists, and every answer matches
its documented schema and content type. Data that fits the document and data that does not, both.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from miniprogram_api import spec
from tests import helpers
from tests.notifications.test_delivery import file

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
DOCUMENT = spec.build_document()["paths"]
OPERATIONS = [(method, path) for path, ops in DOCUMENT.items() for method in sorted(ops)]
CASES = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # Invalid data needs something to break: a body, a query parameter or a header (a path segment
    # of type string takes anything).
    if mode is GenerationMode.POSITIVE
    or "requestBody" in DOCUMENT[path][method]
    or any(p["in"] != "path" for p in DOCUMENT[path][method].get("parameters", ()))
]


@pytest.fixture
def consumer(app, client, emulator) -> dict:
    """Authorization headers of a consumer who has filed a complaint at a store."""
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "fuzz")
    file(client, headers, shop["code"])
    return headers


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m.upper()} {p} {g.value}" for m, p, g in CASES]
)
def test_no_input_gets_a_server_error_or_an_undocumented_answer(app, consumer, method, path, mode):
    operation = schemathesis.openapi.from_wsgi(f"{spec.PREFIX}/openapi.json", app)[path][method.upper()]

    @given(case=operation.as_strategy(generation_mode=mode))
    @helpers.fuzz_settings(25)
    def check(case):
        response = case.call(headers=consumer)
        case.validate_response(response, checks=CHECKS)

    check()
