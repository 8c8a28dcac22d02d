"""The demo borough's catalogue: realistic, complete, valid through the services, and the same every time."""

from __future__ import annotations

from townhall.demo.service_requests import CATEGORIES, demo_catalogue_create
from townhall.service_requests import selectors
from townhall.service_requests.constants import SlaUnit
from townhall.service_requests.models import Category, CategoryGroup, Question, RoutingRule


def catalogue_rows() -> list[tuple]:
    """Everything the generator wrote, without database ids."""
    rows: list[tuple] = [tuple(CategoryGroup.objects.order_by("order").values_list("name", "description", "order"))]
    for category in Category.objects.select_related("group").order_by("service_code"):
        rows.append(
            (
                category.service_code,
                category.name,
                category.group.name,
                category.sla_unit,
                category.sla_amount,
                category.default_priority,
                category.council_responsible,
                category.referral_body_name,
                tuple(
                    (q.code, q.label, q.datatype, q.required, q.order, tuple(q.choices.values_list("key", "name")))
                    for q in selectors.category_questions(category=category)
                ),
                tuple(
                    (rule.ward.code if rule.ward else "", rule.team.name)
                    for rule in selectors.category_routing_rules(category=category)
                ),
            )
        )
    return rows


def test_about_twenty_five_categories_across_the_groups(borough):
    assert demo_catalogue_create() == len(CATEGORIES)

    assert 24 <= Category.objects.count() <= 30
    assert CategoryGroup.objects.count() == 6
    assert all(group.categories.exists() for group in CategoryGroup.objects.all())
    assert Question.objects.count() >= 20
    # Every category can be routed, and its questions' choices are complete.
    for category in Category.objects.all():
        assert RoutingRule.objects.filter(category=category, ward__isnull=True).exists(), category.service_code
    for question in Question.objects.filter(datatype__in=["singlevaluelist", "multivaluelist"]):
        assert question.choices.exists(), question.code


def test_urgent_categories_count_hours_and_others_are_referred(borough):
    demo_catalogue_create()

    hours = set(Category.objects.filter(sla_unit=SlaUnit.HOURS).values_list("service_code", flat=True))
    assert {"street_light_out", "street_light_damaged", "offensive_graffiti", "dangerous_tree"} <= hours
    assert "graffiti" not in hours
    referred = {c.service_code: c for c in Category.objects.filter(council_responsible=False)}
    assert set(referred) == {"motorway_trunk_road", "water_leak"}
    assert referred["motorway_trunk_road"].referral_body_name == "National Highways"
    assert "nationalhighways.co.uk" in referred["motorway_trunk_road"].referral_message
    assert not Category.objects.get(service_code="missed_bin").is_public


def test_routing_goes_to_the_demo_teams(borough):
    demo_catalogue_create()

    def team(code: str) -> str:
        category = Category.objects.get(service_code=code)
        return selectors.team_for(category=category, ward=borough.northfield).name

    assert team("pothole") == team("street_light_out") == team("blocked_drain") == "Highways"
    assert team("missed_bin") == team("fly_tipping") == team("play_equipment") == "Waste and Recycling"


def test_the_catalogue_is_the_same_every_time(borough):
    demo_catalogue_create()
    first = catalogue_rows()
    RoutingRule.objects.all().delete()
    Question.objects.all().delete()
    Category.objects.all().delete()
    CategoryGroup.objects.all().delete()

    demo_catalogue_create()

    assert catalogue_rows() == first
