"""Catalogue services: validation, audit entries, who may change it, and routing specificity."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.service_requests.conftest import make_category
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Datatype, SlaUnit
from townhall.service_requests.models import Category, Question, QuestionChoice, RoutingRule
from townhall.service_requests.selectors import RoutingMissingError
from townhall.service_requests.services import CategoryDetails, ChoiceSpec, QuestionDetails


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def details(category: Category, **changes: object) -> CategoryDetails:
    values = {name: getattr(category, name) for name in CategoryDetails.__dataclass_fields__}
    values.update(changes)
    return CategoryDetails(**values)  # type: ignore[arg-type]


def test_create_category_makes_its_default_rule_and_is_audited(roads, teams, staff_by_role):
    admin = staff_by_role[StaffRole.ADMINISTRATOR]
    category = services.category_create(
        acting_user=admin,
        details=CategoryDetails(
            service_code=" Fly_Tipping ", name=" Fly-tipping ", group=roads, keywords="dumped ,, rubbish, "
        ),
        default_team=teams.waste,
    )

    assert category.service_code == "fly_tipping"
    assert category.name == "Fly-tipping"
    assert category.keywords == "dumped, rubbish"
    rule = RoutingRule.objects.get(category=category)
    assert rule.ward is None
    assert rule.team == teams.waste
    [entry] = entries("catalogue.category.created")
    assert entry.actor_id == admin.pk
    assert entry.actor_role == "administrator"
    assert entry.object_type == "service_requests.category"
    assert entry.object_id == str(category.pk)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"service_code": "Pot Hole!"}, "service_code", "Use only lower case letters"),
        ({"name": ""}, "name", "This field cannot be blank."),
        ({"sla_unit": SlaUnit.HOURS, "sla_amount": 24 * 15}, "sla_amount", "336 hours or fewer"),
        ({"sla_amount": 261}, "sla_amount", "260 days or fewer"),
        ({"council_responsible": False}, "referral_body_name", "Enter who is responsible instead"),
        ({"council_responsible": False}, "referral_message", "Enter the message residents see"),
        ({"duplicate_radius_m": 5001}, "duplicate_radius_m", "less than or equal to 5000"),
    ],
)
def test_invalid_categories_are_refused_by_field(roads, teams, changes, field, message):
    fields = {"service_code": "pothole", "name": "Pothole", "group": roads, **changes}

    with pytest.raises(ValidationError) as caught:
        services.category_create(acting_user=None, details=CategoryDetails(**fields), default_team=teams.highways)

    assert any(message in text for text in caught.value.message_dict[field]), caught.value.message_dict
    assert not Category.objects.exists()
    assert not RoutingRule.objects.exists()
    assert entries("catalogue.category.created") == []


def test_service_codes_are_unique(pothole, roads, teams):
    with pytest.raises(ValidationError) as caught:
        make_category(roads, teams.waste, name="Another pothole")

    assert caught.value.message_dict["service_code"] == ["A category with this service code already exists"]


def test_update_records_the_names_of_the_fields_changed(pothole, teams, staff_by_role):
    admin = staff_by_role[StaffRole.ADMINISTRATOR]

    services.category_update(
        acting_user=admin,
        category=pothole,
        details=details(pothole, name="Pothole or sunken road", sla_amount=3),
        default_team=teams.waste,
    )

    pothole.refresh_from_db()
    assert pothole.name == "Pothole or sunken road"
    assert pothole.sla_amount == 3
    assert selectors.category_default_team(category=pothole) == teams.waste
    [entry] = entries("catalogue.category.updated")
    assert entry.reason == "Changed: name, sla_amount, default_team."


def test_an_update_that_changes_nothing_is_not_audited(pothole, teams):
    services.category_update(acting_user=None, category=pothole, details=details(pothole), default_team=teams.highways)

    assert entries("catalogue.category.updated") == []


@pytest.mark.parametrize("role", [role for role in StaffRole if role != StaffRole.ADMINISTRATOR])
def test_only_administrators_change_the_catalogue(role, roads, teams, pothole, staff_by_role, resident):
    for person in (staff_by_role[role], resident):
        with pytest.raises(PermissionDenied):
            make_category(roads, teams.waste, service_code="litter", acting_user=person)
        with pytest.raises(PermissionDenied):
            services.category_update(acting_user=person, category=pothole, details=details(pothole, name="X"))
        with pytest.raises(PermissionDenied):
            services.question_delete(acting_user=person, question=pothole.questions.first())
    assert not Category.objects.filter(service_code="litter").exists()


def test_questions_keep_their_choices_in_order_and_updates_replace_them(pothole, staff_by_role):
    admin = staff_by_role[StaffRole.ADMINISTRATOR]
    question = services.question_create(
        acting_user=admin,
        category=pothole,
        details=QuestionDetails(
            code="Surface",
            label="What surface?",
            datatype=Datatype.SINGLEVALUELIST,
            choices=(ChoiceSpec("tarmac", "Tarmac"), ChoiceSpec(" COBBLES ", "Cobbles")),
        ),
    )
    assert question.code == "surface"
    assert [(c.key, c.name, c.order) for c in question.choices.all()] == [
        ("tarmac", "Tarmac", 1),
        ("cobbles", "Cobbles", 2),
    ]

    services.question_update(
        acting_user=admin,
        question=question,
        details=QuestionDetails(
            code="surface",
            label="What is the surface?",
            datatype=Datatype.MULTIVALUELIST,
            choices=(ChoiceSpec("cobbles", "Cobbles"), ChoiceSpec("gravel", "Gravel")),
        ),
    )

    question.refresh_from_db()
    assert question.datatype == Datatype.MULTIVALUELIST
    assert list(question.choices.values_list("key", flat=True)) == ["cobbles", "gravel"]
    [entry] = entries("catalogue.question.updated")
    assert entry.reason == "Changed: label, datatype, choices."


@pytest.mark.parametrize(
    ("question", "field", "message"),
    [
        (QuestionDetails(code="colour", label="Colour?", datatype=Datatype.SINGLEVALUELIST), "choices", "at least one"),
        (
            QuestionDetails(code="colour", label="Colour?", choices=(ChoiceSpec("red", "Red"),)),
            "choices",
            "Only list questions have choices",
        ),
        (
            QuestionDetails(
                code="colour",
                label="Colour?",
                datatype=Datatype.MULTIVALUELIST,
                choices=(ChoiceSpec("red", "Red"), ChoiceSpec("red", "Rouge")),
            ),
            "choices",
            "different key",
        ),
        (QuestionDetails(code="depth", label="Again?"), "code", "already has a question with this code"),
        (QuestionDetails(code="two words", label="Bad code"), "code", "Use only lower case letters"),
        (QuestionDetails(code="colour", label="Colour?", datatype="colour"), "datatype", "not a valid choice"),
    ],
)
def test_invalid_questions_are_refused(pothole, question, field, message):
    before = Question.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.question_create(acting_user=None, category=pothole, details=question)

    assert any(message in text for text in caught.value.message_dict[field]), caught.value.message_dict
    assert Question.objects.count() == before


def test_deleting_a_question_takes_its_choices_and_is_audited(pothole):
    question = pothole.questions.get(code="depth")

    services.question_delete(acting_user=None, question=question)

    assert not Question.objects.filter(pk=question.pk).exists()
    assert not QuestionChoice.objects.filter(question_id=question.pk).exists()
    [entry] = entries("catalogue.question.deleted")
    assert entry.object_id == str(question.pk)
    assert entry.actor_role == "system"


def test_the_most_specific_routing_rule_wins(pothole, borough, teams):
    assert selectors.team_for(category=pothole, ward=borough.northfield) == teams.highways_north
    assert selectors.team_for(category=pothole, ward=borough.southfield) == teams.highways
    assert selectors.team_for(category=pothole, ward=None) == teams.highways


def test_a_ward_rule_can_be_moved_changed_and_deleted(pothole, borough, teams):
    rule = RoutingRule.objects.get(category=pothole, ward=borough.northfield)

    services.routing_rule_update(acting_user=None, rule=rule, ward=borough.southfield, team=teams.waste)
    assert selectors.team_for(category=pothole, ward=borough.southfield) == teams.waste
    assert selectors.team_for(category=pothole, ward=borough.northfield) == teams.highways

    services.routing_rule_delete(acting_user=None, rule=rule)
    assert selectors.team_for(category=pothole, ward=borough.southfield) == teams.highways
    assert [e.action for e in AuditEntry.objects.filter(object_type="service_requests.routing_rule")] == [
        "catalogue.routing_rule.created",
        "catalogue.routing_rule.updated",
        "catalogue.routing_rule.deleted",
    ]


def test_one_rule_per_ward(pothole, borough, teams):
    with pytest.raises(ValidationError) as caught:
        services.routing_rule_create(acting_user=None, category=pothole, ward=borough.northfield, team=teams.waste)

    assert caught.value.message_dict == {"ward": ["This category already has a rule for Northfield"]}


def test_the_default_rule_stays(pothole, borough, teams):
    default = RoutingRule.objects.get(category=pothole, ward__isnull=True)

    with pytest.raises(ValidationError, match="default rule cannot be deleted"):
        services.routing_rule_delete(acting_user=None, rule=default)
    with pytest.raises(ValidationError, match="applies to every ward"):
        services.routing_rule_update(acting_user=None, rule=default, ward=borough.southfield, team=teams.waste)

    services.routing_rule_update(acting_user=None, rule=default, team=teams.waste)
    assert selectors.team_for(category=pothole, ward=borough.southfield) == teams.waste


def test_routing_without_a_default_rule_is_a_clear_error(pothole, borough):
    RoutingRule.objects.filter(category=pothole, ward__isnull=True).delete()  # damaged data

    with pytest.raises(RoutingMissingError, match="'pothole' has no default routing rule"):
        selectors.team_for(category=pothole, ward=borough.southfield)


def test_groups_are_created_and_renamed_with_an_audit_entry(roads, staff_by_role):
    admin = staff_by_role[StaffRole.ADMINISTRATOR]

    services.category_group_update(acting_user=admin, group=roads, name="Roads", description="", order=5)

    roads.refresh_from_db()
    assert (roads.name, roads.order) == ("Roads", 5)
    assert [e.reason for e in entries("catalogue.group.updated")] == ["Changed: name, order."]
    with pytest.raises(ValidationError) as caught:
        services.category_group_create(acting_user=admin, name="Roads")
    assert caught.value.message_dict == {"name": ["A group with this name already exists"]}


def test_catalogue_overview_lists_groups_with_counts(pothole, roads, teams, django_assert_num_queries):
    services.category_group_create(acting_user=None, name="Empty group", order=20)
    make_category(roads, teams.waste, service_code="litter", name="Litter")

    with django_assert_num_queries(3):
        overview = selectors.catalogue_overview()

    assert [row.group.name for row in overview] == ["Roads and pavements", "Empty group"]
    assert [
        (item.category.name, item.default_team.name, item.question_count, item.ward_rule_count)
        for item in overview[0].categories
    ] == [
        ("Litter", "Waste and Recycling", 0, 0),
        ("Pothole", "Highways", 6, 1),
    ]
    assert overview[1].categories == []
