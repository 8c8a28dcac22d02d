"""GET /services, /services/{code} and /addresses: the catalogue as residents see it, and the address search."""

from __future__ import annotations

from tests.api.conftest import BASE, body, problem
from tests.service_requests.conftest import make_category
from townhall.service_requests.constants import PhotoPolicy, SlaUnit
from townhall.service_requests.models import Category


def test_catalogue_lists_groups_with_every_detail_a_client_needs(
    client, pothole, roads, teams, django_assert_max_num_queries
):
    make_category(
        roads,
        teams.highways,
        service_code="abandoned-car",
        name="Abandoned vehicle",
        council_responsible=False,
        referral_body_name="DVLA",
        referral_url="https://www.gov.uk/report-untaxed-vehicle",
        referral_message="Report untaxed vehicles to the DVLA",
        anonymous_allowed=False,
        photos=PhotoPolicy.REQUIRED,
        sla_unit=SlaUnit.HOURS,
        sla_amount=4,
    )
    make_category(roads, teams.highways, service_code="retired", name="Retired", active=False)

    with django_assert_max_num_queries(3):
        found = body(client.get(f"{BASE}/services"))

    [group] = found["groups"]
    assert group["name"] == "Roads and pavements"
    by_code = {service["code"]: service for service in group["services"]}
    assert set(by_code) == {"pothole", "abandoned-car"}, "inactive categories are not offered"
    pot = by_code["pothole"]
    assert pot["sla"] == {"label": "5 working days", "unit": "working_days", "amount": 5}
    assert pot["photos"] == "optional"
    assert pot["anonymous_allowed"] is True
    assert pot["referral"] is None
    assert pot["keywords"] == ["hole", "crater"]
    assert pot["url"] == "http://testserver/api/v1/services/pothole"
    assert [q["code"] for q in pot["questions"]] == ["depth", "width_cm", "noticed", "where", "landmark", "notes"]
    depth = pot["questions"][0]
    assert depth["datatype"] == "singlevaluelist"
    assert depth["required"] is True
    assert depth["choices"] == [{"key": "shallow", "name": "Less than 4cm"}, {"key": "deep", "name": "4cm or more"}]
    car = by_code["abandoned-car"]
    assert car["council_responsible"] is False
    assert car["referral"] == {
        "body_name": "DVLA",
        "url": "https://www.gov.uk/report-untaxed-vehicle",
        "message": "Report untaxed vehicles to the DVLA",
    }
    assert car["anonymous_allowed"] is False
    assert car["photos"] == "required"
    assert car["sla"]["unit"] == "hours"
    assert car["sla"]["label"]


def test_one_service(client, pothole):
    found = body(client.get(f"{BASE}/services/pothole"))
    assert found["code"] == "pothole"
    assert found["group"] == "Roads and pavements"
    assert len(found["questions"]) == 6


def test_unknown_or_inactive_service_is_a_404_problem(client, pothole):
    problem(client.get(f"{BASE}/services/no-such-thing"), 404)
    Category.objects.filter(pk=pothole.pk).update(active=False)
    problem(client.get(f"{BASE}/services/pothole"), 404)


def test_address_search_by_postcode_and_words(client, borough):
    by_postcode = body(client.get(f"{BASE}/addresses", {"q": "TS40 1AB"}))["results"]
    by_words = body(client.get(f"{BASE}/addresses", {"q": "12 station"}))["results"]
    assert by_postcode == by_words
    [address] = by_postcode
    assert address["uprn"] == 100_000_001
    assert address["postcode"] == "TS40 1AB"
    assert address["ward"] == "E05099901"
    assert "Station Road" in address["address"]
    assert body(client.get(f"{BASE}/addresses", {"q": "nowhere lane"}))["results"] == []


def test_address_search_needs_a_query(client, borough):
    found = problem(client.get(f"{BASE}/addresses"), 422)
    assert [error["loc"] for error in found["errors"]] == [["query", "q"]]
