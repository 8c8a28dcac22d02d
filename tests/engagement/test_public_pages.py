"""The public pages: the list with its tabs, ward filter and pages; a consultation; results after close."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.engagement.conftest import MakeConsultation, service_answers
from tests.service_requests.conftest import Borough
from townhall.accounts.models import User
from townhall.engagement import selectors, services

pytestmark = pytest.mark.django_db


def test_the_list_shows_open_ones_by_default_and_filters_by_status_and_ward(
    client: Client, make_consultation: MakeConsultation, borough: Borough
) -> None:
    north, south = borough.northfield, borough.southfield
    in_north = make_consultation("open", wards=[north])
    in_south = make_consultation("open", wards=[south])
    everywhere = make_consultation("open")
    upcoming = make_consultation("upcoming")
    closed = make_consultation("closed")
    draft = make_consultation("draft")

    html = client.get("/have-your-say/").content.decode()
    for shown in (in_north, in_south, everywhere):
        assert shown.title in html
    for hidden in (upcoming, closed, draft):
        assert hidden.title not in html
    assert "Open (3)" in html
    assert "Coming soon (1)" in html
    assert "Closed (1)" in html

    north_only = client.get(f"/have-your-say/?ward={north.pk}").content.decode()
    assert in_north.title in north_only
    assert everywhere.title in north_only
    assert in_south.title not in north_only

    assert upcoming.title in client.get("/have-your-say/?status=upcoming").content.decode()
    assert closed.title in client.get("/have-your-say/?status=closed").content.decode()
    bad = client.get("/have-your-say/?ward=banana")
    assert bad.status_code == 200
    assert "Choose a ward from the list" in bad.content.decode()


def test_the_list_has_pages(client: Client, make_consultation: MakeConsultation) -> None:
    for _ in range(21):
        make_consultation("open")
    first = client.get("/have-your-say/").content.decode()
    assert 'aria-label="Page 2"' in first
    second = client.get("/have-your-say/?page=2").content.decode()
    assert len(re.findall(r'href="/have-your-say/parking-\d+/"', second)) == 1


def test_a_consultation_page_shows_the_proposal_and_how_to_respond(
    client: Client, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    html = client.get(f"/have-your-say/{consultation.slug}/").content.decode()
    assert "Second paragraph." in html
    assert f'href="/have-your-say/{consultation.slug}/respond/"' in html


def test_results_count_every_response_and_never_publish_free_text(
    client: Client, resident: User, other_resident: User, make_consultation: MakeConsultation, manager: User
) -> None:
    consultation = make_consultation("open")
    assert client.get(f"/have-your-say/{consultation.slug}/results/").status_code == 404
    services.response_submit(
        consultation=consultation,
        acting_user=resident,
        answers=service_answers(consultation, support="Yes", days=("Saturday", "Sunday"), text="Private words one"),
    )
    services.response_submit(
        consultation=consultation,
        acting_user=other_resident,
        answers=service_answers(consultation, support="No", days=("Saturday",)),
    )
    services.response_submit(
        consultation=consultation, acting_user=None, answers=service_answers(consultation, support="Yes", text="Two")
    )
    services.consultation_close_early(acting_user=manager, consultation=consultation)

    results = selectors.results(consultation)
    assert results.responses == 3
    support, days, text = results.questions
    assert [(o.label, o.count, o.percent) for o in support.options] == [
        ("Yes", 2, 67),
        ("No", 1, 33),
        ("Not sure", 0, 0),
    ]
    assert support.answered == 3
    assert [(o.label, o.count) for o in days.options] == [("Weekdays", 0), ("Saturday", 2), ("Sunday", 1)]
    assert days.answered == 2
    assert (text.answered, text.options) == (2, ())

    html = client.get(f"/have-your-say/{consultation.slug}/results/").content.decode()
    assert "Private words one" not in html
    assert '<th scope="row" class="govuk-table__header">Yes</th>' in html
    assert "We are considering the responses" in html
    services.consultation_outcome_write(acting_user=manager, consultation=consultation, outcome="We listened.")
    assert "We listened." in client.get(f"/have-your-say/{consultation.slug}/results/").content.decode()
    assert "We listened." in client.get(f"/have-your-say/{consultation.slug}/").content.decode()


def test_a_withdrawn_consultation_says_so(client: Client, make_consultation: MakeConsultation, manager: User) -> None:
    consultation = make_consultation("open")
    services.consultation_withdraw(acting_user=manager, consultation=consultation)
    assert "withdrew this consultation" in client.get(f"/have-your-say/{consultation.slug}/").content.decode()
    assert client.get(f"/have-your-say/{consultation.slug}/respond/").status_code == 403
    assert client.get(f"/have-your-say/{consultation.slug}/results/").status_code == 404
