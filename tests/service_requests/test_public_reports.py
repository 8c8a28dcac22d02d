"""The public reports list and map (/reports/), its Atom feeds, ward outlines, and the map point of the report journey.

Only public fields ever leave: a report with a reporter's name and email, a description
and an internal note is listed, and none of those appear in the page or any feed. Reports
in a non-public category, flagged sensitive, or still awaiting email confirmation are
never listed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from tests.service_requests.conftest import NORTH_POINT, OUTSIDE_POINT, SOUTH_POINT, Borough, Teams, make_category
from townhall.core import config
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, CategoryGroup, RequestUpdate, ServiceRequest

ATOM = "{http://www.w3.org/2005/Atom}"
SECRETS = (
    "Secret Reporter",
    "secret.reporter@example.org",
    "07700 900982",
    "Private description of the hole",
    "Internal note: caller is a councillor",
    "Flat 3, 12 Private Street",
)


def report(
    category: Category,
    point: tuple[float, float],
    *,
    status: str = Status.OPEN,
    received_at: dt.datetime | None = None,
    **changes: object,
) -> ServiceRequest:
    """A confirmed web report with contact details, a private description and address, and an internal note."""
    created = services.service_request_create(
        acting_user=None,
        category=category,
        description="Private description of the hole",
        channel=Channel.WEB,
        lat=point[0],
        lng=point[1],
        address_string="Flat 3, 12 Private Street",
        answers={"depth": "deep"} if category.service_code == "pothole" else {},
        contact=services.ReporterContact(
            name="Secret Reporter", email="secret.reporter@example.org", phone="07700 900982"
        ),
        received_at=received_at,
    )
    RequestUpdate.objects.create(
        request=created, created_at=timezone.now(), internal_note="Internal note: caller is a councillor"
    )
    fields: dict[str, object] = {"awaiting_confirmation": False, "status": status, **changes}
    if status != Status.OPEN:
        fields["closed_at"] = timezone.now()
    ServiceRequest.objects.filter(pk=created.pk).update(**fields)
    created.refresh_from_db()
    return created


@pytest.fixture
def graffiti(roads: CategoryGroup, teams: Teams, borough: Borough) -> Category:
    return make_category(roads, teams.highways, service_code="graffiti", name="Graffiti")


@pytest.fixture
def safeguarding(roads: CategoryGroup, teams: Teams, borough: Borough) -> Category:
    return make_category(
        roads, teams.highways, service_code="safeguarding", name="Safeguarding concern", is_public=False
    )


def references(html: str) -> set[str]:
    return set(re.findall(r"[A-Z]+-\d{4}-\d{6}", html))


def assert_no_private_fields(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} was published"


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_only_public_confirmed_reports_and_no_private_fields(
    client: Client, pothole: Category, safeguarding: Category
) -> None:
    shown = report(pothole, NORTH_POINT)
    hidden = [
        report(safeguarding, NORTH_POINT),  # non-public category
        report(pothole, NORTH_POINT, is_public=False),  # flagged sensitive
        report(pothole, SOUTH_POINT, awaiting_confirmation=True),  # not confirmed yet
    ]
    response = client.get("/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert references(html) == {shown.reference}, [r.reference for r in hidden]
    assert f'href="/report/{shown.reference}/"' in html
    assert "Pothole on Station Road" in html
    assert "Northfield" in html
    assert_no_private_fields(html)
    markers = json.loads(
        re.search(r'<script id="report-markers" type="application/json">(.*?)</script>', html).group(1)
    )
    assert [marker["url"] for marker in markers] == [f"/report/{shown.reference}/"]
    assert_no_private_fields(json.dumps(markers))


@pytest.mark.django_db
def test_list_filters_by_ward_category_and_status(client: Client, pothole: Category, graffiti: Category) -> None:
    north_open = report(pothole, NORTH_POINT)
    south_fixed = report(pothole, SOUTH_POINT, status=Status.FIXED)
    south_closed = report(pothole, SOUTH_POINT, status=Status.NO_FURTHER_ACTION)
    graffiti_north = report(graffiti, NORTH_POINT)

    def listed(query: str) -> set[str]:
        response = client.get(f"/reports/?{query}")
        assert response.status_code == 200
        return references(response.content.decode())

    assert listed("ward=E05099901") == {north_open.reference, graffiti_north.reference}
    assert listed("ward=E05099902") == {south_fixed.reference, south_closed.reference}
    assert listed("category=graffiti") == {graffiti_north.reference}
    assert listed("status=open") == {north_open.reference, graffiti_north.reference}
    assert listed("status=fixed") == {south_fixed.reference}
    assert listed("status=closed") == {south_closed.reference}
    assert listed("ward=E05099902&status=fixed&category=pothole") == {south_fixed.reference}
    # Values that are not choices (an edited URL) are ignored, not errors.
    everything = {north_open.reference, south_fixed.reference, south_closed.reference, graffiti_north.reference}
    assert listed("ward=E99999999&category=nope&status=bogus&sort=sideways") == everything


@pytest.mark.django_db
def test_list_sorts_newest_oldest_and_recently_updated(client: Client, pothole: Category) -> None:
    now = timezone.now()
    old = report(pothole, NORTH_POINT, received_at=now - dt.timedelta(days=3))
    new = report(pothole, NORTH_POINT, received_at=now - dt.timedelta(days=1))
    ServiceRequest.objects.filter(pk=old.pk).update(updated_at=now)

    def order(sort: str) -> list[str]:
        html = client.get(f"/reports/?sort={sort}").content.decode()
        return list(re.findall(r'href="/report/([^/"]+)/"', html))

    assert order("newest") == [new.reference, old.reference]
    assert order("oldest") == [old.reference, new.reference]
    assert order("updated") == [old.reference, new.reference]


@pytest.mark.django_db
def test_list_is_paginated_keeping_filters(client: Client, pothole: Category) -> None:
    made = [report(pothole, NORTH_POINT) for _ in range(23)]
    first = client.get("/reports/?ward=E05099901").content.decode()
    assert len(references(first)) == 20
    assert 'href="?ward=E05099901&amp;page=2"' in first
    second = client.get("/reports/?ward=E05099901&page=2").content.decode()
    assert references(first) | references(second) == {r.reference for r in made}
    assert "23 reports, showing 21 to 23" in second


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_reports(
    client: Client, pothole: Category, django_assert_max_num_queries: object
) -> None:
    for _ in range(12):
        report(pothole, NORTH_POINT)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert client.get("/reports/").status_code == 200


@pytest.mark.django_db
def test_list_links_the_matching_atom_feed(client: Client, pothole: Category) -> None:
    def alternate(query: str) -> str:
        html = client.get(f"/reports/{query}").content.decode()
        match = re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)">', html)
        assert match, html[:2000]
        return match.group(1)

    assert alternate("") == "/reports/feeds/all.atom"
    assert alternate("?ward=E05099902") == "/reports/feeds/ward/E05099902.atom"
    assert alternate("?category=pothole") == "/reports/feeds/category/pothole.atom"


# --- feeds ------------------------------------------------------------------------------------


def feed_entries(client: Client, path: str) -> list[ET.Element]:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert_no_private_fields(text)
    return ET.fromstring(text).findall(f"{ATOM}entry")  # noqa: S314 - our own server's feed


@pytest.mark.django_db
def test_feeds_list_public_reports_with_public_fields_only(
    client: Client, pothole: Category, graffiti: Category, safeguarding: Category
) -> None:
    north = report(pothole, NORTH_POINT)
    south = report(graffiti, SOUTH_POINT, status=Status.FIXED)
    report(safeguarding, NORTH_POINT)
    report(pothole, NORTH_POINT, is_public=False)
    report(pothole, NORTH_POINT, awaiting_confirmation=True)

    def titles(path: str) -> list[str]:
        return [entry.findtext(f"{ATOM}title") or "" for entry in feed_entries(client, path)]

    assert titles("/reports/feeds/all.atom") == [
        f"Graffiti on Mill Lane ({south.reference})",
        f"Pothole on Station Road ({north.reference})",
    ]
    assert titles("/reports/feeds/ward/E05099901.atom") == [f"Pothole on Station Road ({north.reference})"]
    assert titles("/reports/feeds/category/graffiti.atom") == [f"Graffiti on Mill Lane ({south.reference})"]
    entry = feed_entries(client, "/reports/feeds/category/graffiti.atom")[0]
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/report/{south.reference}/")  # type: ignore[union-attr]
    assert "Status: Fixed. Ward: Southfield." in (entry.findtext(f"{ATOM}summary") or "")


@pytest.mark.django_db
def test_feeds_of_unknown_wards_and_non_public_categories_are_not_found(
    client: Client, pothole: Category, safeguarding: Category
) -> None:
    report(safeguarding, NORTH_POINT)
    assert client.get("/reports/feeds/category/safeguarding.atom").status_code == 404
    assert client.get("/reports/feeds/category/no-such-thing.atom").status_code == 404
    assert client.get("/reports/feeds/ward/E99999999.atom").status_code == 404


@pytest.mark.django_db
def test_ward_outlines_are_geojson(client: Client, borough: Borough) -> None:
    response = client.get("/reports/wards.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert [(f["properties"]["name"], f["properties"]["code"]) for f in data["features"]] == [
        ("Northfield", "E05099901"),
        ("Southfield", "E05099902"),
    ]
    assert data["features"][0]["geometry"]["type"] == "Polygon"


# --- the report journey's map point -----------------------------------------------------------


def draft_at_location(client: Client, pothole: Category) -> str:
    response = client.post("/report/")
    draft_url = response["Location"].rsplit("/category/", 1)[0]
    client.post(f"{draft_url}/category/", {"category": pothole.pk})
    return draft_url


@pytest.mark.django_db
def test_location_page_offers_the_map_only_with_javascript(client: Client, pothole: Category) -> None:
    draft_url = draft_at_location(client, pothole)
    html = client.get(f"{draft_url}/location/").content.decode()
    assert html.index('name="postcode"') < html.index('id="report-map"'), "the postcode search must come first"
    assert re.search(r"<template data-map-template>\s*<div", html), "without JavaScript the map is not in the page"
    assert re.search(r'id="report-map"[^>]*data-map-pick="report-map-form"', html)
    assert f'action="{draft_url}/location/point/"' in html
    assert "vendor/leaflet/leaflet.js" in html
    assert "data-map-tiles" not in html, "no tile server is configured by default"


@pytest.mark.django_db
def test_location_page_passes_a_configured_tile_server(client: Client, pothole: Category, settings: object) -> None:
    settings.TOWNHALL_MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"  # type: ignore[attr-defined]
    settings.TOWNHALL_MAP_TILE_ATTRIBUTION = "Tiles by Example"  # type: ignore[attr-defined]
    draft_url = draft_at_location(client, pothole)
    html = client.get(f"{draft_url}/location/").content.decode()
    assert 'data-map-tiles="https://tiles.example/{z}/{x}/{y}.png" data-map-attribution="Tiles by Example"' in html


@pytest.mark.django_db
def test_map_point_inside_the_borough_is_the_location(client: Client, pothole: Category) -> None:
    draft_url = draft_at_location(client, pothole)
    lat, lng = NORTH_POINT
    response = client.post(f"{draft_url}/location/point/", {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}"})
    assert response.status_code == 302
    assert "/location/" not in response["Location"], "the next step comes after the location"
    where = client.session["report_drafts"][draft_url.rsplit("/", 1)[-1]]["location"]
    assert where == {
        "uprn": None,
        "lat": pytest.approx(lat, abs=1e-6),
        "lng": pytest.approx(lng, abs=1e-6),
        "address": "Near Station Road, Northfield",
        "ward": "Northfield",
    }
    # Back on the location step, the map starts with the chosen point.
    html = client.get(f"{draft_url}/location/").content.decode()
    assert f'name="lat" value="{where["lat"]}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"lat": OUTSIDE_POINT[0], "lng": OUTSIDE_POINT[1]}, "is outside the area", id="outside"),
        pytest.param({"lat": "", "lng": ""}, "Choose a place on the map", id="empty"),
        pytest.param({"lat": "91", "lng": "0"}, "Choose a place on the map", id="not-a-place"),
        pytest.param({"lat": "north", "lng": "west"}, "Choose a place on the map", id="not-numbers"),
    ],
)
def test_map_point_errors_keep_the_resident_on_the_location_step(
    client: Client, pothole: Category, data: dict[str, object], message: str
) -> None:
    draft_url = draft_at_location(client, pothole)
    response = client.post(f"{draft_url}/location/point/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert re.search(rf'<a href="#report-map">[^<]*{message}', html)
    assert 'name="postcode"' in html
    assert "location" not in client.session["report_drafts"][draft_url.rsplit("/", 1)[-1]]


# --- the tile server setting ------------------------------------------------------------------


def test_no_tile_server_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOWNHALL_MAP_TILE_URL", raising=False)
    monkeypatch.delenv("TOWNHALL_MAP_TILE_ATTRIBUTION", raising=False)
    assert config.read_map_tiles(config.env_reader()) == ("", "")


def test_tile_server_with_its_attribution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_MAP_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("TOWNHALL_MAP_TILE_ATTRIBUTION", "© Example contributors")
    assert config.read_map_tiles(config.env_reader()) == (
        "https://tiles.example/{z}/{x}/{y}.png",
        "© Example contributors",
    )


@pytest.mark.parametrize(
    ("url", "attribution", "message"),
    [
        pytest.param("http://tiles.example/{z}/{x}/{y}.png", "Example", "https://", id="not-https"),
        pytest.param("https://tiles.example/{z}/{x}.png", "Example", "{y}", id="no-y"),
        pytest.param("https://tiles.example/{z}/{x}/{y}.png", "", "ATTRIBUTION", id="no-attribution"),
    ],
)
def test_tile_server_mistakes_stop_the_server_starting(
    monkeypatch: pytest.MonkeyPatch, url: str, attribution: str, message: str
) -> None:
    monkeypatch.setenv("TOWNHALL_MAP_TILE_URL", url)
    monkeypatch.setenv("TOWNHALL_MAP_TILE_ATTRIBUTION", attribution)
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        config.read_map_tiles(config.env_reader())
