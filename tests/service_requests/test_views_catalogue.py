"""/staff/catalogue/ through HTTP: who may use it, and adding and changing categories, questions and rules."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.service_requests.models import Category, Question, RoutingRule

URL = "/staff/catalogue/"


@pytest.fixture
def admin_client(staff_client) -> Client:
    return staff_client(StaffRole.ADMINISTRATOR)


def page(response) -> str:
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def category_form_data(group, team, **changes) -> dict[str, object]:
    data = {
        "name": "Fly-tipping",
        "service_code": "fly_tipping",
        "group": group.pk,
        "description": "Rubbish dumped on public land",
        "keywords": "dumped, rubbish",
        "default_team": team.pk,
        "default_priority": "3",
        "sla_unit": "working_days",
        "sla_amount": "3",
        "duplicate_radius_m": "100",
        "handling_minutes": "40",
        "photos": "optional",
        "active": "on",
        "is_public": "on",
        "anonymous_allowed": "on",
        "council_responsible": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_urls():
    assert reverse("catalogue") == URL
    assert reverse("catalogue_category", args=[7]) == "/staff/catalogue/categories/7/"
    assert reverse("catalogue_question_create") == "/staff/catalogue/questions/new/"


def test_administrators_see_the_catalogue(admin_client, pothole):
    response = admin_client.get(URL)

    assert response.status_code == 200
    html = page(response)
    assert '<h1 class="govuk-heading-l">Service catalogue</h1>' in html
    assert "Roads and pavements" in html
    assert f'href="/staff/catalogue/categories/{pothole.pk}/">Pothole</a>' in html
    assert "5 working days" in html
    assert "and 1 ward rule" in html


@pytest.mark.parametrize("role", [role for role in StaffRole if role != StaffRole.ADMINISTRATOR])
def test_other_staff_get_not_found(role, staff_client, pothole):
    client = staff_client(role)
    question = pothole.questions.first()
    rule = RoutingRule.objects.filter(category=pothole).first()

    for path in (
        URL,
        "/staff/catalogue/categories/new/",
        f"/staff/catalogue/categories/{pothole.pk}/",
        f"/staff/catalogue/groups/{pothole.group_id}/",
        f"/staff/catalogue/questions/{question.pk}/",
        f"/staff/catalogue/routing/{rule.pk}/",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"name": "Changed"}).status_code == 404, path
    pothole.refresh_from_db()
    assert pothole.name == "Pothole"


def test_residents_get_not_found(client: Client, resident: User, pothole):
    client.force_login(resident)

    assert client.get(URL).status_code == 404
    assert client.get(f"/staff/catalogue/categories/{pothole.pk}/").status_code == 404
    assert client.post("/staff/catalogue/categories/new/", {}).status_code == 404


def test_adding_a_category(admin_client, roads, teams, borough):
    response = admin_client.get("/staff/catalogue/categories/new/")
    assert response.status_code == 200
    assert "<title>Add a category" in page(response)

    response = admin_client.post("/staff/catalogue/categories/new/", category_form_data(roads, teams.waste))

    category = Category.objects.get(service_code="fly_tipping")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/catalogue/categories/{category.pk}/"
    assert (category.name, category.sla_amount, category.duplicate_radius_m) == ("Fly-tipping", 3, 100)
    assert category.handling_minutes == 40
    assert category.active
    assert category.is_public
    assert category.council_responsible
    assert not category.pause_sla_while_waiting
    assert RoutingRule.objects.get(category=category, ward__isnull=True).team == teams.waste
    entry = AuditEntry.objects.get(action="catalogue.category.created")
    assert entry.object_id == str(category.pk)
    html = page(admin_client.get(response["Location"]))
    assert "Category Fly-tipping added" in html
    assert "Every ward (default)" in html


def test_adding_a_category_with_errors_shows_them_gov_uk_style(admin_client, roads, teams, pothole):
    data = category_form_data(
        roads, teams.waste, name="", service_code="pothole", sla_amount="soon", council_responsible=None
    )

    response = admin_client.post("/staff/catalogue/categories/new/", data)

    assert response.status_code == 200
    html = page(response)
    assert "<title>Error: Add a category" in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_name">Enter a name</a>' in html
    assert '<a href="#id_sla_amount">SLA target must be a whole number, like 5</a>' in html
    assert Category.objects.count() == 1


def test_the_service_reports_what_the_form_cannot_know(admin_client, roads, teams, pothole):
    data = category_form_data(roads, teams.waste, service_code="pothole", council_responsible=None)

    response = admin_client.post("/staff/catalogue/categories/new/", data)

    html = page(response)
    assert response.status_code == 200
    assert '<a href="#id_service_code">A category with this service code already exists</a>' in html
    assert '<a href="#id_referral_body_name">Enter who is responsible instead' in html
    assert Category.objects.count() == 1


def test_changing_a_category(admin_client, pothole, roads, teams):
    response = admin_client.get(f"/staff/catalogue/categories/{pothole.pk}/")
    html = page(response)
    assert 'value="pothole"' in html
    assert "How deep is it?" in html
    assert "Northfield" in html
    assert "Every other ward (default)" in html

    data = category_form_data(roads, teams.highways, name="Pothole or sunken road", service_code="pothole", active=None)
    response = admin_client.post(f"/staff/catalogue/categories/{pothole.pk}/", data)

    assert response.status_code == 302
    pothole.refresh_from_db()
    assert pothole.name == "Pothole or sunken road"
    assert not pothole.active
    entry = AuditEntry.objects.get(action="catalogue.category.updated")
    assert "name" in entry.reason
    assert "active" in entry.reason


def test_adding_a_list_question_with_choices(admin_client, pothole):
    response = admin_client.get(f"/staff/catalogue/questions/new/?category={pothole.pk}")
    html = page(response)
    assert re.search(rf'<option value="{pothole.pk}" selected>', html)
    assert 'value="7"' in html  # the next position after six questions

    response = admin_client.post(
        "/staff/catalogue/questions/new/",
        {
            "category": pothole.pk,
            "label": "What is the road surface?",
            "code": "surface",
            "datatype": "singlevaluelist",
            "choices": "tarmac | Tarmac\n\nCobbled street\n",
            "required": "on",
            "order": "7",
        },
    )

    assert response.status_code == 302
    question = Question.objects.get(category=pothole, code="surface")
    assert question.required
    assert [(c.key, c.name) for c in question.choices.all()] == [
        ("tarmac", "Tarmac"),
        ("cobbled_street", "Cobbled street"),
    ]
    assert AuditEntry.objects.filter(action="catalogue.question.created", object_id=str(question.pk)).exists()


def test_question_errors(admin_client, pothole):
    response = admin_client.post(
        "/staff/catalogue/questions/new/",
        {"category": pothole.pk, "label": "Again", "code": "depth", "datatype": "multivaluelist", "order": "1"},
    )

    html = page(response)
    assert '<a href="#id_choices">Enter at least one choice for a list question</a>' in html
    response = admin_client.post(
        "/staff/catalogue/questions/new/",
        {"category": pothole.pk, "label": "Again", "code": "depth", "datatype": "string", "order": "1"},
    )
    assert '<a href="#id_code">This category already has a question with this code</a>' in page(response)


def test_changing_and_deleting_a_question(admin_client, pothole):
    question = pothole.questions.get(code="depth")
    url = f"/staff/catalogue/questions/{question.pk}/"
    assert "shallow | Less than 4cm" in page(admin_client.get(url))

    response = admin_client.post(
        url,
        {
            "category": pothole.pk,
            "label": "How deep is the pothole?",
            "code": "depth",
            "datatype": "singlevaluelist",
            "choices": "shallow | Less than 4cm\ndeep | 4cm to 10cm\nvery_deep | More than 10cm",
            "order": "1",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.label == "How deep is the pothole?"
    assert not question.required
    assert question.choices.count() == 3

    response = admin_client.post(url, {"delete": "1"})
    assert "Are you sure you want to delete this question?" in page(response)
    assert Question.objects.filter(pk=question.pk).exists()
    response = admin_client.post(url, {"confirm_delete": "1"})
    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_ward_rules(admin_client, pothole, borough, teams):
    response = admin_client.post(
        "/staff/catalogue/routing/new/",
        {"category": pothole.pk, "ward": borough.southfield.pk, "team": teams.waste.pk},
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(category=pothole, ward=borough.southfield)
    assert rule.team == teams.waste

    response = admin_client.post(
        "/staff/catalogue/routing/new/",
        {"category": pothole.pk, "ward": borough.southfield.pk, "team": teams.highways.pk},
    )
    assert '<a href="#id_ward">This category already has a rule for Southfield</a>' in page(response)

    default = RoutingRule.objects.get(category=pothole, ward__isnull=True)
    html = page(admin_client.get(f"/staff/catalogue/routing/{default.pk}/"))
    assert "Change the default team" in html
    assert 'name="ward"' not in html
    assert "Delete ward rule" not in html
    admin_client.post(f"/staff/catalogue/routing/{default.pk}/", {"team": teams.waste.pk, "delete": "1"})
    default.refresh_from_db()
    assert default.team == teams.waste  # the default rule is changed, never deleted

    response = admin_client.post(f"/staff/catalogue/routing/{rule.pk}/", {"delete": "1"})
    assert response.status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_groups(admin_client):
    response = admin_client.post("/staff/catalogue/groups/new/", {"name": "Waste", "order": "20"})
    assert response.status_code == 302
    response = admin_client.post("/staff/catalogue/groups/new/", {"name": "Waste", "order": "x"})
    html = page(response)
    assert '<a href="#id_order">Position must be a whole number, like 10</a>' in html
    response = admin_client.post("/staff/catalogue/groups/new/", {"name": "Waste", "order": "3"})
    assert '<a href="#id_name">A group with this name already exists</a>' in page(response)


def test_unknown_ids_are_not_found(admin_client, db):
    for path in ("categories/999/", "groups/999/", "questions/999/", "routing/999/"):
        assert admin_client.get(URL + path).status_code == 404
    assert admin_client.get(URL + "questions/new/?category=999").status_code == 200  # nothing preselected
