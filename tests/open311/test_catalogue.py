"""GET discovery, services and services/{code} in JSON and XML, checked against the published schemas and the XSDs."""

from __future__ import annotations

import pytest

from tests.open311.conftest import assert_json, assert_xml
from tests.service_requests.conftest import make_category

BASE = "/open311/v2"


def test_discovery_json_names_this_endpoint(client, db):
    body = assert_json(client.get(f"{BASE}/discovery.json"), "discovery")
    [endpoint] = body["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_discovery_xml(client, db):
    document = assert_xml(client.get(f"{BASE}/discovery.xml"), "discovery")
    assert document.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2/"
    assert [f.text for f in document.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_json_lists_reportable_categories(client, pothole, roads, teams):
    make_category(roads, teams.highways, service_code="grit-bin", name="Empty grit bin", description="")
    make_category(roads, teams.highways, service_code="old-sign", name="Old sign", active=False)
    make_category(
        roads,
        teams.highways,
        service_code="motorway",
        name="Motorway",
        council_responsible=False,
        referral_body_name="National Highways",
        referral_message="Report this to National Highways",
    )

    body = assert_json(client.get(f"{BASE}/services.json", {"jurisdiction_id": "demo"}), "services")

    assert body == [
        {
            "service_code": "grit-bin",
            "service_name": "Empty grit bin",
            "description": None,
            "metadata": False,
            "type": "realtime",
            "keywords": None,
            "group": "Roads and pavements",
        },
        {
            "service_code": "pothole",
            "service_name": "Pothole",
            "description": None,
            "metadata": True,
            "type": "realtime",
            "keywords": "hole,crater",
            "group": "Roads and pavements",
        },
    ]


def test_services_xml(client, pothole):
    document = assert_xml(client.get(f"{BASE}/services.xml", {"jurisdiction_id": "demo"}), "services")
    [service] = document.findall("service")
    assert [child.tag for child in service] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert service.findtext("metadata") == "true"
    assert service.findtext("description") == ""  # absent: an empty element
    assert service.findtext("keywords") == "hole,crater"


def test_empty_catalogue_is_an_empty_array(client, db):
    assert assert_json(client.get(f"{BASE}/services.json"), "services") == []
    assert len(assert_xml(client.get(f"{BASE}/services.xml"), "services")) == 0


def test_service_definition_json(client, pothole):
    body = assert_json(client.get(f"{BASE}/services/pothole.json", {"jurisdiction_id": "demo"}), "service-definition")
    assert body["service_code"] == "pothole"
    by_code = {attribute["code"]: attribute for attribute in body["attributes"]}
    assert [attribute["code"] for attribute in body["attributes"]] == [
        "depth",
        "width_cm",
        "noticed",
        "where",
        "landmark",
        "notes",
    ]
    assert by_code["depth"] == {
        "variable": True,
        "code": "depth",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "How deep is it?",
        "values": [{"key": "shallow", "name": "Less than 4cm"}, {"key": "deep", "name": "4cm or more"}],
    }
    assert by_code["width_cm"]["datatype"] == "number"
    assert by_code["width_cm"]["required"] is False
    assert by_code["where"]["datatype"] == "multivaluelist"


def test_service_definition_xml(client, pothole):
    document = assert_xml(client.get(f"{BASE}/services/pothole.xml"), "service_definition")
    assert document.findtext("service_code") == "pothole"
    depth = document.find("attributes/attribute")
    assert depth.findtext("code") == "depth"
    assert depth.findtext("variable") == "true"
    assert depth.findtext("required") == "true"
    assert [(v.findtext("key"), v.findtext("name")) for v in depth.findall("values/value")] == [
        ("shallow", "Less than 4cm"),
        ("deep", "4cm or more"),
    ]


@pytest.mark.parametrize("path", ["services/nothing.{fmt}", "nowhere.{fmt}", "requests/DB-1999-000001.{fmt}"])
def test_not_found_in_the_spec_error_format(client, db, path):
    body = assert_json(client.get(f"{BASE}/{path.format(fmt='json')}"), "errors", status=404)
    assert body[0]["code"] == 404
    document = assert_xml(client.get(f"{BASE}/{path.format(fmt='xml')}"), "errors", status=404)
    assert document.findtext("error/code") == "404"
    assert document.findtext("error/description")


def test_catalogue_query_counts_are_fixed(client, pothole, roads, teams, django_assert_num_queries):
    make_category(roads, teams.highways, service_code="grit-bin", name="Empty grit bin")
    with django_assert_num_queries(2):  # categories, categories with questions
        client.get(f"{BASE}/services.json")
    with django_assert_num_queries(3):  # category, questions, choices
        client.get(f"{BASE}/services/pothole.xml")
