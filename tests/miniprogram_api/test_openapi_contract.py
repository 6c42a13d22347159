"""The OpenAPI document as the mini-program team's contract, read as they get it (GET /openapi.json):
every field described, every closed set an enum with Chinese meanings, times as date-time, an example
for every request body and answer that fits its own schema, each error code with its Chinese message,
one shape for `deadlines`. The fuzz test (test_api_fuzz) checks the live answers against it."""

from __future__ import annotations

import re

import jsonschema_rs  # schemathesis's validator
import pytest

from app.core.texts import ERRORS
from miniprogram_api.spec import PREFIX

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
#: Format names a person knows, allowed inside a Chinese message.
ALLOWED_LATIN = {"JPG", "PNG", "WebP"}


@pytest.fixture
def document(client) -> dict:
    resp = client.get(f"{PREFIX}/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def _properties(schema: dict, where: str):
    for name, prop in schema.get("properties", {}).items():
        yield f"{where}.{name}", name, prop
        for option in prop.get("anyOf", ()):
            yield from _properties(option, f"{where}.{name}")
        yield from _properties(prop, f"{where}.{name}")


def _all_properties(document: dict):
    for name, schema in document["components"]["schemas"].items():
        yield from _properties(schema, name)


def _media(document: dict):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield f"{method.upper()} {path} request", body
            for status, answer in op["responses"].items():
                media = answer.get("content", {}).get("application/json")
                if media:
                    yield f"{method.upper()} {path} {status}", media


def test_every_field_is_described(document):
    missing = [
        where
        for where, _, prop in _all_properties(document)
        if "$ref" not in prop and not prop.get("description")
    ]
    assert missing == []


def test_times_are_date_time_and_closed_sets_are_enums_with_chinese_meanings(document):
    for where, name, prop in _all_properties(document):
        if name.endswith("_at"):
            assert prop.get("format") == "date-time", where
        if "enum" in prop:
            meanings = prop["x-enum-descriptions"]
            assert set(meanings) == {v for v in prop["enum"] if v is not None}, where
            assert all(
                re.search(r"[\u4e00-\u9fff]", m) or m in ALLOWED_LATIN | {"JPEG"} for m in meanings.values()
            )
    props = {where: prop for where, _, prop in _all_properties(document)}
    for where in ("ComplaintDetailOut.status", "DeadlineOut.kind", "DeadlineOut.party", "CredentialOut.kind"):
        assert "enum" in props[where], where
    assert "drug_licence" in props["CredentialOut.kind"]["enum"]


def test_every_body_and_answer_has_an_example_that_fits_its_schema(document):
    for where, media in _media(document):
        examples = (
            [media["example"]] if "example" in media else [e["value"] for e in media["examples"].values()]
        )
        assert examples, where
        # The media's schema with the document's components beside it, so its $refs resolve.
        validator = jsonschema_rs.Draft202012Validator(
            {**media["schema"], "components": document["components"]}
        )
        for example in examples:
            errors = [e.message for e in validator.iter_errors(example)]
            assert errors == [], (where, errors[:3])


def test_each_error_answer_lists_its_codes_with_their_chinese_messages(document):
    seen = set()
    for where, media in _media(document):
        if "examples" not in media:
            continue
        for code, example in media["examples"].items():
            error = example["value"]["error"]
            assert error["code"] == code and error["message"] == ERRORS[code], where
            words = set(LATIN_WORD.findall(error["message"])) - ALLOWED_LATIN
            assert words == set(), (code, error["message"])
            seen.add(code)
    filing = document["paths"][f"{PREFIX}/stores/{{code}}/complaints"]["post"]["responses"]
    assert set(filing["429"]["content"]["application/json"]["examples"]) == {
        "rate_limited_hour",
        "rate_limited_store_day",
        "rate_limited_address",
    }
    assert {"login_required", "token_invalid", "validation_failed", "store_not_found", "code_revoked"} <= seen


def test_one_shape_for_deadlines_and_actions_spelled_out(document):
    schemas = document["components"]["schemas"]
    filed = schemas["ComplaintFiledOut"]["properties"]["deadlines"]
    detail = schemas["ComplaintDetailOut"]["properties"]["deadlines"]
    assert filed["type"] == detail["type"] == "array"
    assert filed["items"] == detail["items"] == {"$ref": "#/components/schemas/DeadlineOut"}
    actions = schemas["ActionsOut"]["properties"]
    assert set(actions) == {"withdraw", "message", "confirm", "reopen", "rate", "hand_off_national"}
    assert all("POST /complaints/{number}/" in a["description"] for a in actions.values())
