"""Helpers for the /report/ journey tests: walk the pages through HTTP as a resident's browser would."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpResponse as Response
from django.test import Client

from townhall.service_requests.models import Category

POSTCODE = "TS40 1AB"
UPRN = "100000001"
POTHOLE_ANSWERS = {
    "depth": "deep",
    "width_cm": "35",
    "noticed_0": "20",
    "noticed_1": "11",
    "noticed_2": "2026",
    "noticed_3": "2:30pm",
    "where": ["road"],
    "landmark": "Bus stop",
    "notes": "",
}


def path_of(response: Response) -> str:
    assert response.status_code == 302, (response.status_code, response.content[:2000])
    return urlsplit(response["Location"]).path


def start(client: Client) -> str:
    """Press Start now; the draft's first page (the category question)."""
    return path_of(client.post("/report/"))


def draft_url(first: str, step: str) -> str:
    return first.replace("/category/", f"/{step}/")


def page(client: Client, url: str) -> str:
    """GET a journey page: it renders, with no invalid template variable."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html, url
    return html


def to_check(client: Client, category: Category, *, answers: dict[str, object] | None = None) -> str:
    """Answer every step up to check your answers; returns the draft's category URL."""
    first = start(client)
    page(client, first)
    nxt = path_of(client.post(first, {"category": category.pk}))
    assert nxt == draft_url(first, "location")
    page(client, nxt)
    page(client, draft_url(first, "location/search"))
    nxt = path_of(client.post(nxt, {"postcode": "ts401ab"}))
    assert nxt == draft_url(first, "location/address")
    page(client, nxt)
    nxt = path_of(client.post(nxt, {"uprn": UPRN}))
    assert nxt == draft_url(first, "questions")
    page(client, nxt)
    nxt = path_of(client.post(nxt, POTHOLE_ANSWERS if answers is None else answers))
    assert nxt == draft_url(first, "description")
    page(client, nxt)
    return first


def describe(client: Client, first: str, text: str) -> str:
    """Post the description, then pass the photo step without a photo; where the journey goes next."""
    assert path_of(client.post(draft_url(first, "description"), {"description": text})) == draft_url(first, "photos")
    page(client, draft_url(first, "photos"))
    return path_of(client.post(draft_url(first, "photos"), {"action": "continue"}))


def errors_summary(response: Response) -> str:
    html = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert "govuk-error-summary" in html, html[:3000]
    assert "<title>Error: " in html
    return html
