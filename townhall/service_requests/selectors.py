"""Reads of the service catalogue and of service requests that other code needs.

Routing (`team_for`) is here because it only reads: services.service_request_create
calls it, and so will the back office when a request changes category or ward.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.accounts.permissions import has_role
from townhall.places.models import Ward
from townhall.service_requests import sla
from townhall.service_requests.constants import CLOSED_STATUSES, OPEN_STATUSES, Open311Status
from townhall.service_requests.models import (
    Category,
    CategoryGroup,
    Question,
    QuestionChoice,
    RequestAnswer,
    RequestUpdate,
    RoutingRule,
    ServiceRequest,
)


class RoutingMissingError(LookupError):
    """A category has no default routing rule; services.category_create always makes one, so data was damaged."""


def category_groups() -> QuerySet[CategoryGroup]:
    return CategoryGroup.objects.order_by("order", "name")


def category_group_get(*, group_id: int) -> CategoryGroup | None:
    return CategoryGroup.objects.filter(pk=group_id).first()


def category_get(*, category_id: int) -> Category | None:
    return Category.objects.select_related("group").filter(pk=category_id).first()


def category_by_code(*, service_code: str) -> Category | None:
    return Category.objects.select_related("group").filter(service_code=service_code).first()


def categories() -> QuerySet[Category]:
    """Every category, active or not, by name: for staff pickers."""
    return Category.objects.select_related("group").order_by("name")


def categories_active() -> QuerySet[Category]:
    """Categories taking new requests, in the order residents see them (group, then name)."""
    return Category.objects.filter(active=True).select_related("group").order_by("group__order", "group__name", "name")


@dataclass(frozen=True)
class CatalogueCategoryRow:
    category: Category
    default_team: Team | None
    question_count: int
    ward_rule_count: int


@dataclass(frozen=True)
class CatalogueGroupRow:
    group: CategoryGroup
    categories: list[CatalogueCategoryRow]


def catalogue_overview() -> list[CatalogueGroupRow]:
    """Every group with its categories, default team and counts, for the staff catalogue page (fixed query count)."""
    groups = list(category_groups())
    categories = (
        Category.objects.select_related("group")
        .annotate(question_count=Count("questions", distinct=True), rule_count=Count("routing_rules", distinct=True))
        .order_by("name")
    )
    defaults = {
        rule.category_id: rule.team for rule in RoutingRule.objects.filter(ward__isnull=True).select_related("team")
    }
    by_group: dict[int, list[CatalogueCategoryRow]] = {group.pk: [] for group in groups}
    for category in categories:
        by_group[category.group_id].append(
            CatalogueCategoryRow(
                category=category,
                default_team=defaults.get(category.pk),
                question_count=category.question_count,
                ward_rule_count=max(0, category.rule_count - 1),
            )
        )
    return [CatalogueGroupRow(group=group, categories=by_group[group.pk]) for group in groups]


def category_questions(*, category: Category) -> list[Question]:
    """The category's questions in the order they are asked, with their choices."""
    return list(
        Question.objects.filter(category=category)
        .prefetch_related(Prefetch("choices", queryset=QuestionChoice.objects.order_by("order", "id")))
        .order_by("order", "id")
    )


def question_get(*, question_id: int) -> Question | None:
    return (
        Question.objects.select_related("category", "category__group")
        .prefetch_related(Prefetch("choices", queryset=QuestionChoice.objects.order_by("order", "id")))
        .filter(pk=question_id)
        .first()
    )


def category_routing_rules(*, category: Category) -> list[RoutingRule]:
    """The default rule first, then ward rules by ward name."""
    rules = RoutingRule.objects.filter(category=category).select_related("ward", "team")
    return sorted(rules, key=lambda rule: (rule.ward is not None, rule.ward.name if rule.ward else "", rule.pk))


def routing_rule_get(*, rule_id: int) -> RoutingRule | None:
    return RoutingRule.objects.select_related("category", "category__group", "ward", "team").filter(pk=rule_id).first()


def category_default_team(*, category: Category) -> Team | None:
    rule = RoutingRule.objects.select_related("team").filter(category=category, ward__isnull=True).first()
    return rule.team if rule is not None else None


def team_for(*, category: Category, ward: Ward | None) -> Team:
    """The team that handles `category` in `ward`: the ward's own rule if there is one, else the default.

    The most specific rule wins; every category has a default, so there is always an answer.
    One query: both candidate rules are fetched together.
    """
    wanted = Q(ward__isnull=True) | Q(ward=ward) if ward is not None else Q(ward__isnull=True)
    rules = list(RoutingRule.objects.select_related("team").filter(wanted, category=category))
    specific = next((rule for rule in rules if rule.ward_id is not None), None)
    default = next((rule for rule in rules if rule.ward_id is None), None)
    if specific is not None:
        return specific.team
    if default is None:
        raise RoutingMissingError(f"Category {category.service_code!r} has no default routing rule.")
    return default.team


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def wards() -> QuerySet[Ward]:
    return Ward.objects.order_by("name")


def service_request_by_reference(*, reference: str) -> ServiceRequest | None:
    return (
        ServiceRequest.objects.select_related("category", "category__group", "ward", "street", "assigned_team")
        .filter(reference=reference.strip().upper())
        .first()
    )


def service_request_answers(*, service_request: ServiceRequest) -> list[RequestAnswer]:
    return list(RequestAnswer.objects.filter(request=service_request).order_by("id"))


def service_request_history(*, service_request: ServiceRequest) -> list[RequestUpdate]:
    """Every update, oldest first, internal notes included: for staff views only."""
    return list(
        RequestUpdate.objects.filter(request=service_request).select_related("author").order_by("created_at", "id")
    )


def categories_reportable() -> QuerySet[Category]:
    """Active categories the council handles itself, in residents' order: the Open311 service list."""
    return categories_active().filter(council_responsible=True)


def public_service_requests() -> QuerySet[ServiceRequest]:
    """Requests anyone may see: public requests in public categories, public fields only.

    Contact details, reporter, internal notes and staff assignments are deferred out of
    the query, so nothing built from these rows can leak them by accident. Each row has
    `latest_public_message`: the newest public update's message, or None (one query).
    """
    latest_message = (
        RequestUpdate.objects.filter(request=OuterRef("pk"))
        .exclude(public_message="")
        .order_by("-created_at", "-id")
        .values("public_message")[:1]
    )
    return (
        ServiceRequest.objects.filter(is_public=True, category__is_public=True)
        .select_related("category")
        .only(
            "id",
            "reference",
            "status",
            "description",
            "lat",
            "lng",
            "uprn",
            "address_string",
            "received_at",
            "updated_at",
            "sla_due_at",
            "category__service_code",
            "category__name",
        )
        .annotate(latest_public_message=Subquery(latest_message))
    )


def category_ids_with_questions() -> set[int]:
    """Ids of categories that ask extra questions (Open311 `metadata`), in one query."""
    return set(Question.objects.values_list("category_id", flat=True).distinct())


def public_service_requests_search(
    *,
    references: list[str] | None = None,
    service_codes: list[str] | None = None,
    received_from: dt.datetime | None = None,
    received_to: dt.datetime | None = None,
    open311_statuses: list[str] | None = None,
    limit: int = 1000,
) -> list[ServiceRequest]:
    """Public requests, newest first, at most `limit`: by reference alone when references are given (the
    other filters are then ignored, as Open311 says), else by category code, receipt time and open/closed."""
    found = public_service_requests()
    if references:
        found = found.filter(reference__in=[reference.strip().upper() for reference in references])
    else:
        if service_codes:
            found = found.filter(category__service_code__in=service_codes)
        if received_from is not None:
            found = found.filter(received_at__gte=received_from)
        if received_to is not None:
            found = found.filter(received_at__lte=received_to)
        if open311_statuses:
            statuses: set[str] = set()
            if Open311Status.OPEN in open311_statuses:
                statuses |= OPEN_STATUSES
            if Open311Status.CLOSED in open311_statuses:
                statuses |= CLOSED_STATUSES
            found = found.filter(status__in=sorted(statuses))
    return list(found.order_by("-received_at", "-id")[:limit])


# --- Back office: the queue and the request page (/staff/requests/) ------------------------------

QUEUE_SORT_RECEIVED = "received"
QUEUE_SORT_SLA_DUE = "sla_due"
QUEUE_SLA_BREACHED = "breached"
QUEUE_SLA_DUE_TODAY = "due_today"
QUEUE_STATUS_OPEN = "open_all"
QUEUE_STATUS_CLOSED = "closed_all"


def _sees_every_team(acting_user: User | AnonymousUser) -> bool:
    return has_role(acting_user, StaffRole.ADMINISTRATOR)


def staff_team_ids(*, acting_user: User | AnonymousUser) -> list[int]:
    """Ids of the teams the member of staff belongs to (one query)."""
    if not acting_user.is_authenticated:
        return []
    return list(Team.objects.filter(members=acting_user).order_by("name").values_list("pk", flat=True))


def staff_queue_teams(*, acting_user: User | AnonymousUser) -> QuerySet[Team]:
    """The teams whose queues this member of staff may filter by: their own, or every team for administrators."""
    if _sees_every_team(acting_user):
        return teams()
    return (
        Team.objects.filter(members=acting_user).order_by("name")
        if acting_user.is_authenticated
        else Team.objects.none()
    )


def staff_visible_requests(*, acting_user: User | AnonymousUser) -> QuerySet[ServiceRequest]:
    """Requests a member of staff may open: their teams' requests, or every request for administrators."""
    found = ServiceRequest.objects.all()
    if _sees_every_team(acting_user):
        return found
    return found.filter(assigned_team_id__in=staff_team_ids(acting_user=acting_user))


def _london_day_end(now: dt.datetime) -> dt.datetime:
    london = now.astimezone(ZoneInfo("Europe/London"))
    next_day = dt.datetime.combine(london.date() + dt.timedelta(days=1), dt.time(), tzinfo=london.tzinfo)
    return next_day - dt.timedelta(microseconds=1)


def _sla_condition(found: QuerySet[ServiceRequest], *, sla: str, now: dt.datetime) -> Q:
    """Open requests whose effective due time (pauses added) is past (`breached`) or falls later today.

    Unpaused requests are decided in the database; the few that were ever paused have
    their due time moved by the pause, so those candidates are checked one by one.
    """
    end_of_today = _london_day_end(now)
    never_paused = Q(sla_paused_seconds=0, sla_paused_since__isnull=True)
    if sla == QUEUE_SLA_BREACHED:
        plain = never_paused & Q(sla_due_at__lt=now)
        candidates = found.filter(~never_paused, sla_due_at__lt=now)
    else:
        plain = never_paused & Q(sla_due_at__gte=now, sla_due_at__lte=end_of_today)
        candidates = found.filter(~never_paused, sla_due_at__lte=end_of_today)
    paused_ids = []
    for row in candidates.only("pk", "sla_due_at", "sla_paused_seconds", "sla_paused_since"):
        due = row.sla_effective_due(now=now)
        if (sla == QUEUE_SLA_BREACHED and due < now) or (sla != QUEUE_SLA_BREACHED and now <= due <= end_of_today):
            paused_ids.append(row.pk)
    return plain | Q(pk__in=paused_ids)


def service_request_queue(
    *,
    acting_user: User | AnonymousUser,
    now: dt.datetime,
    team_id: int | None = None,
    category_id: int | None = None,
    ward_id: int | None = None,
    status: str = "",
    priority: int | None = None,
    sla: str = "",
    assigned_to_me: bool = False,
    sort: str = QUEUE_SORT_RECEIVED,
) -> QuerySet[ServiceRequest]:
    """The back-office queue: requests of one team (or all the user's teams), filtered and sorted.

    `team_id` outside the user's teams gives nothing (administrators see every team).
    `status` is a status value, or QUEUE_STATUS_OPEN / QUEUE_STATUS_CLOSED. `sla` is
    QUEUE_SLA_BREACHED or QUEUE_SLA_DUE_TODAY (open requests only). Rows come with
    category, ward, street, team and officer, so listing them costs no further queries.
    """
    found = staff_visible_requests(acting_user=acting_user)
    if team_id is not None:
        found = found.filter(assigned_team_id=team_id)
    if category_id is not None:
        found = found.filter(category_id=category_id)
    if ward_id is not None:
        found = found.filter(ward_id=ward_id)
    if status == QUEUE_STATUS_OPEN:
        found = found.filter(status__in=sorted(OPEN_STATUSES))
    elif status == QUEUE_STATUS_CLOSED:
        found = found.filter(status__in=sorted(CLOSED_STATUSES))
    elif status:
        found = found.filter(status=status)
    if priority is not None:
        found = found.filter(priority=priority)
    if assigned_to_me:
        found = found.filter(assigned_officer_id=acting_user.pk)
    if sla in {QUEUE_SLA_BREACHED, QUEUE_SLA_DUE_TODAY}:
        found = found.filter(status__in=sorted(OPEN_STATUSES))
        found = found.filter(_sla_condition(found, sla=sla, now=now))
    ordering = ["sla_due_at", "id"] if sort == QUEUE_SORT_SLA_DUE else ["-received_at", "-id"]
    return found.select_related("category", "ward", "street", "assigned_team", "assigned_officer").order_by(*ordering)


def service_request_for_staff(*, acting_user: User | AnonymousUser, request_id: int) -> ServiceRequest | None:
    """One request with everything the request page shows, or None when it is outside the user's teams."""
    return (
        staff_visible_requests(acting_user=acting_user)
        .select_related(
            "category", "category__group", "ward", "street", "assigned_team", "assigned_officer", "duplicate_of"
        )
        .filter(pk=request_id)
        .first()
    )


def staff_assignable_officers(*, acting_user: User | AnonymousUser) -> QuerySet[User]:
    """Members of the teams this member of staff can assign to (for the officer picker)."""
    return (
        User.objects.filter(teams__in=staff_queue_teams(acting_user=acting_user), is_active=True)
        .distinct()
        .order_by("given_name", "family_name", "email")
    )


# The council's clock for SLAs, for other apps that plan or display due times.
SLA_TIME_ZONE = sla.COUNCIL_TIME_ZONE


def sla_due_at(*, received_at: dt.datetime, unit: str, amount: int) -> dt.datetime:
    """The due time `service_request_create` would set, for apps that write requests in bulk (the demo)."""
    return sla.due_at(received_at=received_at, unit=unit, amount=amount)
