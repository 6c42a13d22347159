"""The Open311 GeoReport v2 feed, checked against the spec's field lists, in JSON and in XML."""

from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.complaints.texts import CATEGORIES
from app.publicity import jobs

# GeoReport v2: the fields of a service, a service request and the discovery document, written out from
# the spec here (not imported from app.publicity.open311), so the test is an independent check.
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}
API = "/open311/v2"


@pytest.fixture
def feed(published_world):
    jobs.run(force=True)
    return published_world


def test_discovery_and_services(feed, client):
    doc = client.get(f"{API}/discovery.json").get_json()
    assert set(doc) == DISCOVERY_FIELDS
    assert set(doc["endpoints"][0]) == ENDPOINT_FIELDS
    assert doc["endpoints"][0]["url"] == "https://yidian.example.cn/open311/v2"
    services = client.get(f"{API}/services.json").get_json()
    assert all(set(s) == SERVICE_FIELDS for s in services)
    assert {s["service_code"] for s in services} == set(CATEGORIES)
    assert all(s["type"] in ("realtime", "batch", "blackbox") for s in services)


def test_requests_list_only_published_cases_with_the_spec_fields(feed, client):
    rows = client.get(f"{API}/requests.json").get_json()
    published = {feed["cases"]["published"].number, feed["cases"]["published_other_store"].number}
    assert {r["service_request_id"] for r in rows} == published
    for r in rows:
        assert set(r) == REQUEST_FIELDS
        assert r["status"] == "closed"
        assert "13812345678" not in r["description"] and "张伟" not in r["description"]
        assert r["agency_responsible"] == "测试商圈服务站"
        assert r["requested_datetime"].endswith("+08:00")
    mine = next(r for r in rows if r["service_request_id"] == feed["cases"]["published"].number)
    assert (mine["lat"], mine["long"]) == (31.3, 120.6)
    assert mine["status_notes"] == "调解达成协议" and mine["service_name"] == "商品质量"
    one = client.get(f"{API}/requests/{mine['service_request_id']}.json").get_json()
    assert one == [mine]


def test_request_filters_and_paging(feed, client):
    assert len(client.get(f"{API}/requests.json?service_code=service").get_json()) == 1
    assert client.get(f"{API}/requests.json?status=open").get_json() == []
    assert len(client.get(f"{API}/requests.json?status=closed&page_size=1").get_json()) == 1
    assert len(client.get(f"{API}/requests.json?page_size=1&page=2").get_json()) == 1
    assert client.get(f"{API}/requests.json?page_size=1&page=3").get_json() == []
    old = client.get(f"{API}/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z")
    assert old.status_code == 200 and old.get_json() == []
    number = feed["cases"]["published"].number
    by_id = client.get(f"{API}/requests.json?service_request_id={number.lower()}").get_json()
    assert [r["service_request_id"] for r in by_id] == [number]


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",  # more than 90 days
        "start_date=yesterday",
        "end_date=2026-13-01",
        "status=pending",
        "service_code=nope",
        "page_size=1001",
        "page=0",
        "page=%00",
        "start_date=%00",
    ],
)
def test_bad_parameters_answer_400_in_the_spec_error_shape(feed, client, query):
    resp = client.get(f"{API}/requests.json?{query}")
    assert resp.status_code == 400
    body = resp.get_json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"} and body[0]["code"] == 400


@pytest.mark.parametrize("key", ["under_review", "report", "open", "handed_off", "check_pending"])
def test_unpublished_cases_are_not_found(feed, client, key):
    resp = client.get(f"{API}/requests/{feed['cases'][key].number}.json")
    assert resp.status_code == 404 and resp.get_json()[0]["code"] == 404


def test_unknown_paths_and_formats_are_404_in_the_spec_shape(feed, client):
    for path in ("/requests/%00.json", "/requests.csv", "/nothing.json", "/requests/X.txt"):
        resp = client.get(API + path)
        assert resp.status_code == 404 and resp.get_json()[0]["code"] == 404, path


def _xml(client, path: str, status: int = 200) -> ET.Element:
    resp = client.get(API + path)
    assert resp.status_code == status and resp.mimetype == "text/xml", (path, resp.get_data(as_text=True))
    return ET.fromstring(resp.get_data())


def _fields(element: ET.Element) -> dict:
    return {child.tag: child.text or "" for child in element}


def test_xml_documents_have_the_spec_elements_and_the_json_values(feed, client):
    doc = _xml(client, "/discovery.xml")
    assert doc.tag == "discovery" and {c.tag for c in doc} == DISCOVERY_FIELDS
    [endpoint] = doc.find("endpoints")
    assert endpoint.tag == "endpoint" and {c.tag for c in endpoint} == ENDPOINT_FIELDS
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert all(f.tag == "format" for f in endpoint.find("formats"))

    services = _xml(client, "/services.xml")
    assert services.tag == "services" and all(s.tag == "service" for s in services)
    assert all(set(_fields(s)) == SERVICE_FIELDS for s in services)
    assert {_fields(s)["service_code"] for s in services} == set(CATEGORIES)
    assert {_fields(s)["metadata"] for s in services} == {"false"}

    listed = _xml(client, "/requests.xml")
    assert listed.tag == "service_requests" and all(r.tag == "request" for r in listed)
    as_json = {r["service_request_id"]: r for r in client.get(f"{API}/requests.json").get_json()}
    assert {_fields(r)["service_request_id"] for r in listed} == set(as_json)
    for r in listed:
        fields = _fields(r)
        assert set(fields) == REQUEST_FIELDS
        same = as_json[fields["service_request_id"]]
        for key, value in same.items():  # the same values; JSON's null is an empty element
            assert fields[key] == ("" if value is None else str(value)), key
    number = feed["cases"]["published"].number
    [one] = _xml(client, f"/requests/{number}.xml")
    assert _fields(one)["service_request_id"] == number and set(_fields(one)) == REQUEST_FIELDS
    paged = _xml(client, "/requests.xml?page_size=1&page=2")
    assert len(paged) == 1


def test_xml_errors_are_the_spec_errors_element(feed, client):
    bad = _xml(client, "/requests.xml?status=pending", 400)
    assert bad.tag == "errors" and [e.tag for e in bad] == ["error"]
    assert _fields(bad[0])["code"] == "400" and _fields(bad[0])["description"]
    missing = _xml(client, f"/requests/{feed['cases']['under_review'].number}.xml", 404)
    assert _fields(missing[0])["code"] == "404"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(["start_date", "end_date", "status", "service_code", "page", "page_size", "x"]),
    value=st.text(max_size=30),
    fmt=st.sampled_from(["xml", "json"]),
)
def test_any_parameter_answers_a_readable_document_never_a_500(feed, client, key, value, fmt):
    resp = client.get(f"{API}/requests.{fmt}", query_string={key: value})
    assert resp.status_code in (200, 400)
    if fmt == "xml":
        root = ET.fromstring(resp.get_data())
        assert root.tag == ("service_requests" if resp.status_code == 200 else "errors")
    else:
        assert isinstance(resp.get_json(), list)
