"""Reads of the service catalogue and of service requests that other code needs.

Routing (`team_for`) is here because it only reads: services.service_request_create
calls it, and so will the back office when a request changes category or ward.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, NullIf

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.accounts.permissions import has_role
from townhall.places import selectors as place_selectors
from townhall.places.models import Address, Ward
from townhall.service_requests import sla
from townhall.service_requests.constants import (
    CLOSED_NOT_FIXED_STATUSES,
    CLOSED_STATUSES,
    FIXED_STATUSES,
    OPEN_STATUSES,
    Open311Status,
)
from townhall.service_requests.models import (
    AreaAlert,
    BlockedReporter,
    Category,
    CategoryGroup,
    Question,
    QuestionChoice,
    RequestAnswer,
    RequestDocument,
    RequestPhoto,
    RequestUpdate,
    ResponseTemplate,
    RoutingRule,
    SavedFilter,
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
        RequestUpdate.objects.filter(request=service_request)
        .select_related("author", "received_through")
        .order_by("created_at", "id")
    )


def categories_reportable() -> QuerySet[Category]:
    """Active categories the council handles itself, in residents' order: the Open311 service list."""
    return categories_active().filter(council_responsible=True)


def _moderated(redacted: str, original: str) -> Coalesce:
    """The redacted text where staff moderated it, else the original (SQL)."""
    return Coalesce(NullIf(redacted, Value("", output_field=TextField())), original)


def public_service_requests() -> QuerySet[ServiceRequest]:
    """Requests anyone may see: public requests in public categories, public fields only.

    Contact details, reporter, internal notes and staff assignments are deferred out of
    the query, so nothing built from these rows can leak them by accident. Each row has
    `latest_public_message`: the newest public update's message, or None (one query), and
    `public_description`. Both are the moderated text where staff redacted it: use them,
    never `description`, in anything the public sees.
    """
    latest_message = (
        RequestUpdate.objects.filter(request=OuterRef("pk"))
        .exclude(public_message="")
        .order_by("-created_at", "-id")
        .annotate(public_text=_moderated("redacted_message", "public_message"))
        .values("public_text")[:1]
    )
    return (
        ServiceRequest.objects.filter(is_public=True, category__is_public=True, awaiting_confirmation=False)
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
        .annotate(
            latest_public_message=Subquery(latest_message),
            public_description=_moderated("redacted_description", "description"),
        )
    )


# The fields of public_service_requests() as plain rows (public_service_requests_search).
PUBLIC_REQUEST_FIELDS = (
    "id",
    "reference",
    "status",
    "lat",
    "lng",
    "uprn",
    "address_string",
    "received_at",
    "updated_at",
    "sla_due_at",
    "category__service_code",
    "category__name",
    "latest_public_message",
    "public_description",
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
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Public requests, newest first, at most `limit`: by reference alone when references are given (the
    other filters are then ignored, as Open311 says), else by category code, receipt time and open/closed.

    Plain rows of PUBLIC_REQUEST_FIELDS, not model instances: Open311 lists up to 1,000 at a
    time, and building instances was a quarter of its time (bench/open311_requests.py)."""
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
    return list(found.order_by("-received_at", "-id").values(*PUBLIC_REQUEST_FIELDS)[offset : offset + limit])


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
    """Requests a member of staff may open: their teams' requests, or every request for administrators.

    Anonymous reports still waiting for email confirmation are nobody's work yet.
    """
    found = ServiceRequest.objects.filter(awaiting_confirmation=False)
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
    awaiting_reporter: bool = False,
    sort: str = QUEUE_SORT_RECEIVED,
) -> QuerySet[ServiceRequest]:
    """The back-office queue: requests of one team (or all the user's teams), filtered and sorted.

    `team_id` outside the user's teams gives nothing (administrators see every team).
    `status` is a status value, or QUEUE_STATUS_OPEN / QUEUE_STATUS_CLOSED. `sla` is
    QUEUE_SLA_BREACHED or QUEUE_SLA_DUE_TODAY (open requests only). `awaiting_reporter`: only
    requests waiting for the reporter's reply to a case officer's question. Rows come with
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
    if awaiting_reporter:
        found = found.filter(awaiting_reporter_since__isnull=False)
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
            "category",
            "category__group",
            "ward",
            "street",
            "assigned_team",
            "assigned_officer",
            "duplicate_of",
            "received_through",
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


# --- Back office: saved filters, the queue map, finding a caller --------------------------------

# The queue map draws at most this many requests; the page says so and links to the list.
QUEUE_MAP_LIMIT = 500


def saved_filters(*, owner: User | AnonymousUser) -> list[SavedFilter]:
    """A member of staff's own saved queue filters, by name (nobody sees another's)."""
    if not owner.is_authenticated:
        return []
    return list(SavedFilter.objects.filter(owner_id=owner.pk).order_by("name", "id"))


def saved_filter_for_owner(*, owner: User | AnonymousUser, filter_id: int) -> SavedFilter | None:
    """One saved filter, or None when it does not exist or belongs to someone else."""
    if not owner.is_authenticated:
        return None
    return SavedFilter.objects.filter(owner_id=owner.pk, pk=filter_id).first()


def queue_map_requests(*, queue: QuerySet[ServiceRequest]) -> tuple[list[ServiceRequest], bool]:
    """The first QUEUE_MAP_LIMIT requests of a queue (already filtered and permission-checked), and
    whether there were more."""
    rows = list(queue[: QUEUE_MAP_LIMIT + 1])
    return rows[:QUEUE_MAP_LIMIT], len(rows) > QUEUE_MAP_LIMIT


def service_request_for_recorder(*, request_id: int) -> ServiceRequest | None:
    """A request just recorded, for its confirmation page (the view checks the session recorded it)."""
    return ServiceRequest.objects.select_related("category", "assigned_team").filter(pk=request_id).first()


def reporter_ids_at_postcode(*, postcode: str) -> list[int]:
    """Accounts that have reported a problem at an address in `postcode` (to find a caller who gives it)."""
    uprns = Address.objects.filter(postcode=postcode).values("uprn")
    return sorted(
        set(ServiceRequest.objects.filter(reporter__isnull=False, uprn__in=uprns).values_list("reporter_id", flat=True))
    )


# --- Resident journey: "is it one of these?", photos, subscriptions -----------------------------

_METRES_PER_DEGREE_LAT = 111_320.0
_EARTH_RADIUS_M = 6_371_000.0
NEARBY_LIMIT = 10


@dataclass(frozen=True)
class NearbyRequest:
    service_request: ServiceRequest
    distance_m: float
    photo: RequestPhoto | None


def distance_m(*, lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres: exact enough for tens of metres to a few kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearby_open_requests(*, category: Category, lat: float, lng: float) -> list[NearbyRequest]:
    """Open, public, confirmed requests in `category` within its duplicate radius of a point, nearest first.

    A lat/lng box (indexed) narrows the rows; the exact distance decides. Each comes with
    its first public photo, if any, for a thumbnail.
    """
    radius = category.duplicate_radius_m
    if radius <= 0:
        return []
    dlat = radius / _METRES_PER_DEGREE_LAT
    dlng = radius / (_METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    candidates = (
        public_service_requests()
        .filter(
            category=category,
            status__in=sorted(OPEN_STATUSES),
            lat__range=(lat - dlat, lat + dlat),
            lng__range=(lng - dlng, lng + dlng),
        )
        .prefetch_related(Prefetch("photos", queryset=RequestPhoto.objects.filter(is_public=True, update__isnull=True)))
    )
    found = []
    for row in candidates:
        distance = distance_m(lat1=lat, lng1=lng, lat2=row.lat, lng2=row.lng)
        if distance <= radius:
            photos = list(row.photos.all())
            found.append(NearbyRequest(service_request=row, distance_m=distance, photo=photos[0] if photos else None))
    found.sort(key=lambda item: (item.distance_m, item.service_request.pk))
    return found[:NEARBY_LIMIT]


def public_request_by_reference(*, reference: str) -> ServiceRequest | None:
    """A request the public may see (public, public category, confirmed), else None."""
    return (
        ServiceRequest.objects.select_related("category", "category__group", "ward", "street")
        .filter(reference=reference.strip().upper(), is_public=True, category__is_public=True)
        .filter(awaiting_confirmation=False)
        .first()
    )


def draft_photos(*, draft_key: str) -> list[RequestPhoto]:
    if not draft_key:
        return []
    return list(RequestPhoto.objects.filter(request__isnull=True, draft_key=draft_key).order_by("uploaded_at", "id"))


def request_photos(*, service_request: ServiceRequest, public_only: bool) -> list[RequestPhoto]:
    """A request's photos (the report's, then updates'), in order; `public_only` drops those staff hid."""
    found = RequestPhoto.objects.filter(request=service_request)
    if public_only:
        found = found.filter(is_public=True)
    return list(found.order_by("update_id", "order", "id"))


def request_photo_get(*, photo_id: int) -> RequestPhoto | None:
    return RequestPhoto.objects.select_related("request", "request__category").filter(pk=photo_id).first()


# --- Public reports: the list and map, feeds and area alerts (/reports/) ------------------------

PUBLIC_STATUS_OPEN = "open"
PUBLIC_STATUS_FIXED = "fixed"
PUBLIC_STATUS_CLOSED = "closed"  # closed without being fixed
PUBLIC_STATUSES = {
    PUBLIC_STATUS_OPEN: OPEN_STATUSES,
    PUBLIC_STATUS_FIXED: FIXED_STATUSES,
    PUBLIC_STATUS_CLOSED: CLOSED_NOT_FIXED_STATUSES,
}
PUBLIC_SORT_NEWEST = "newest"
PUBLIC_SORT_OLDEST = "oldest"
PUBLIC_SORT_UPDATED = "updated"
PUBLIC_SORTS = {
    PUBLIC_SORT_NEWEST: ("-received_at", "-id"),
    PUBLIC_SORT_OLDEST: ("received_at", "id"),
    PUBLIC_SORT_UPDATED: ("-updated_at", "-id"),
}
# What a public list, map, feed or alert may show of a request: never the reporter, contact
# details, description (not moderated), exact address, notes or staff assignments.
_PUBLIC_REPORT_FIELDS = (
    "id",
    "reference",
    "status",
    "lat",
    "lng",
    "easting",
    "northing",
    "received_at",
    "updated_at",
    "category__service_code",
    "category__name",
    "ward__name",
    "ward__code",
    "street__name",
)


def public_reports(
    *, ward: Ward | None = None, category: Category | None = None, status: str = "", sort: str = PUBLIC_SORT_NEWEST
) -> QuerySet[ServiceRequest]:
    """Public reports (never sensitive, non-public-category or unconfirmed ones), public fields only.

    `status` is one of PUBLIC_STATUSES (open, fixed, closed without fixing) or empty for all;
    rows come with category, ward and street, so listing them costs no further queries.
    """
    found = (
        public_service_requests()
        .filter(awaiting_confirmation=False)
        .select_related("category", "ward", "street")
        .only(*_PUBLIC_REPORT_FIELDS)
    )
    if ward is not None:
        found = found.filter(ward=ward)
    if category is not None:
        found = found.filter(category=category)
    if status in PUBLIC_STATUSES:
        found = found.filter(status__in=sorted(PUBLIC_STATUSES[status]))
    return found.order_by(*PUBLIC_SORTS.get(sort, PUBLIC_SORTS[PUBLIC_SORT_NEWEST]))


def categories_public() -> QuerySet[Category]:
    """Categories whose reports may be listed publicly, by name (for filters, feeds and alerts)."""
    return Category.objects.filter(is_public=True).select_related("group").order_by("name")


def category_public_by_code(*, service_code: str) -> Category | None:
    return categories_public().filter(service_code=service_code).first()


def ward_by_code(*, code: str) -> Ward | None:
    return Ward.objects.filter(code=code).first()


def ward_outlines_geojson() -> dict[str, object]:
    """Every ward as a GeoJSON FeatureCollection (WGS84) with its name and GSS code, for maps."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": ward.name, "code": ward.code},
            "geometry": json.loads(ward.boundary_geojson),
        }
        for ward in Ward.objects.order_by("name").only("name", "code", "boundary_geojson")
    ]
    return {"type": "FeatureCollection", "features": features}


def postcode_centre(*, postcode: str) -> tuple[float, float] | None:
    """The mean (lat, lng) of a postcode's addresses in the gazetteer, or None when it has none.

    Raises InvalidPostcodeError (a ValueError) when `postcode` is not in UK format.
    """
    points = list(place_selectors.addresses_for_postcode(postcode=postcode).values_list("lat", "lng"))
    if not points:
        return None
    return sum(lat for lat, _ in points) / len(points), sum(lng for _, lng in points) / len(points)


def area_alert_reports(*, alert: AreaAlert, since: dt.datetime, until: dt.datetime) -> list[ServiceRequest]:
    """Public reports received in [since, until) that an area alert is about, oldest first.

    A ward alert matches reports located in the ward; a radius alert matches reports whose
    British National Grid point lies within `radius_m` metres of the alert's centre (a
    bounding box in SQL, then the exact distance).
    """
    found = public_reports(category=alert.category, sort=PUBLIC_SORT_OLDEST).filter(
        received_at__gte=since, received_at__lt=until
    )
    if alert.ward_id is not None:
        return list(found.filter(ward_id=alert.ward_id))
    if alert.centre_lat is None or alert.centre_lng is None or alert.radius_m is None:
        return []
    easting, northing = place_selectors.grid_reference(lng=alert.centre_lng, lat=alert.centre_lat)
    radius = float(alert.radius_m)
    boxed = found.filter(
        easting__gte=easting - radius,
        easting__lte=easting + radius,
        northing__gte=northing - radius,
        northing__lte=northing + radius,
    )
    return [row for row in boxed if math.dist((row.easting, row.northing), (easting, northing)) <= radius]


def area_alerts_due() -> QuerySet[AreaAlert]:
    """Confirmed alerts that are still wanted: the ones area_alerts_send looks at."""
    return AreaAlert.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True).order_by("id")


def area_alert_get(*, alert_id: int) -> AreaAlert | None:
    return AreaAlert.objects.select_related("ward", "category").filter(pk=alert_id).first()


# --- Back office: the request page's documents, response templates and blocked reporters ----------


def request_documents(*, service_request: ServiceRequest) -> list[RequestDocument]:
    return list(
        RequestDocument.objects.filter(request=service_request)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )


def request_document_get(*, service_request: ServiceRequest, document_id: int) -> RequestDocument | None:
    """One of this request's documents (None for another request's, so ids cannot be guessed across requests)."""
    return RequestDocument.objects.select_related("request").filter(request=service_request, pk=document_id).first()


def request_update_get(*, service_request: ServiceRequest, update_id: int) -> RequestUpdate | None:
    return RequestUpdate.objects.select_related("request").filter(request=service_request, pk=update_id).first()


def response_templates() -> QuerySet[ResponseTemplate]:
    """Every template, active ones first, for the administrators' editor."""
    return ResponseTemplate.objects.select_related("category").order_by("-active", "title", "id")


def response_template_get(*, template_id: int) -> ResponseTemplate | None:
    return ResponseTemplate.objects.select_related("category").filter(pk=template_id).first()


def response_templates_for(*, category: Category, status: str = "") -> list[ResponseTemplate]:
    """Active templates that fit: the category's own and those for the chosen status first, then general ones.

    Before a status is chosen, templates for any status are offered.
    """
    found = ResponseTemplate.objects.filter(active=True).filter(Q(category=category) | Q(category__isnull=True))
    if status:
        found = found.filter(Q(status=status) | Q(status=""))
    return sorted(found, key=lambda t: (t.category_id is None, t.status == "", t.title.lower(), t.pk))


def _blocks_on(*, user: User | None, email: str) -> QuerySet[BlockedReporter]:
    """Blocks in force on an account or an email address (the account's own address counts too)."""
    emails = sorted({address.strip().lower() for address in (email, user.email if user is not None else "") if address})
    wanted = Q(email__in=emails) if emails else Q(pk__in=[])
    if user is not None:
        wanted |= Q(user=user)
    return BlockedReporter.objects.filter(wanted, lifted_at__isnull=True)


def reporter_block_active(*, user: User | None, email: str = "") -> BlockedReporter | None:
    return _blocks_on(user=user, email=email).first()


def reporter_blocks_for(*, service_request: ServiceRequest) -> list[BlockedReporter]:
    """Blocks in force on this request's reporter (their account or the email address they gave)."""
    if service_request.reporter_id is None and not service_request.contact_email:
        return []
    blocks = _blocks_on(user=service_request.reporter, email=service_request.contact_email)
    return list(blocks.select_related("blocked_by"))


# --- a resident's own reports, for MyAccount ---------------------------------------------


def requests_reported_by(*, user: User) -> QuerySet[ServiceRequest]:
    """Every report this account made, newest first (drafts are not requests, so none appear)."""
    return ServiceRequest.objects.filter(reporter=user).select_related("category", "ward")


def requests_awaiting_reply(*, user: User) -> list[ServiceRequest]:
    """This account's open reports on which a case officer asked them a question they have not answered yet,
    longest waiting first (MyAccount's "needs your attention")."""
    return list(
        requests_reported_by(user=user)
        .filter(awaiting_reporter_since__isnull=False, status__in=sorted(OPEN_STATUSES))
        .order_by("awaiting_reporter_since", "id")
    )


def reporter_question_pending(*, service_request: ServiceRequest) -> RequestUpdate | None:
    """The question the request is waiting on (the latest one asked), or None when it waits for nobody.

    For the reporter's own view only: the question is never public."""
    if service_request.awaiting_reporter_since is None:
        return None
    return (
        RequestUpdate.objects.filter(request=service_request)
        .exclude(reporter_question="")
        .order_by("-created_at", "-id")
        .first()
    )


def public_updates_on_requests_of(*, user: User) -> QuerySet[RequestUpdate]:
    """Updates the reporter may see on their own reports: status changes and public messages.

    Internal notes never leave the back office; `shown_message` is the moderated public
    text (the redaction where staff made one).
    """
    return (
        RequestUpdate.objects.filter(request__reporter=user)
        .filter(~Q(public_message="") | ~Q(status_to=""))
        .select_related("request", "request__category")
        .annotate(shown_message=_moderated("redacted_message", "public_message"))
        .defer("internal_note")
        .order_by("-created_at", "-id")
    )


def public_requests_closed_since(*, since: dt.datetime, limit: int) -> list[ServiceRequest]:
    """Public reports fixed or closed since `since`, newest first, with their category group."""
    return list(
        public_service_requests()
        .filter(closed_at__gte=since)
        .select_related("category__group", "ward")
        .only(
            "id",
            "reference",
            "status",
            "closed_at",
            "address_string",
            "ward__name",
            "category__name",
            "category__group__name",
            "category__group_id",
        )
        .order_by("-closed_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class RequestFact:
    """What Insight's rollups need from one request: when, where, how it came in and how it ended.

    Carries no text and no person, so aggregate statistics are built from these alone.
    """

    received_at: dt.datetime
    closed_at: dt.datetime | None
    category_id: int
    ward_id: int
    team_id: int | None
    channel: str
    status: str
    first_time_resolved: bool | None
    repeat_reported: bool
    sla_effective_due: dt.datetime


def request_facts(*, start: dt.datetime, end: dt.datetime) -> Iterator[RequestFact]:
    """Requests received, or currently closed, in [start, end), streamed in id order.

    `repeat_reported` is true when another report was marked as a duplicate of this one
    (a repeat contact about the same problem); `sla_effective_due` adds completed pauses.
    """
    in_window = Q(received_at__gte=start, received_at__lt=end) | Q(closed_at__gte=start, closed_at__lt=end)
    rows = (
        ServiceRequest.objects.filter(in_window)
        .annotate(repeat_reported=Exists(ServiceRequest.objects.filter(duplicate_of_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list(
            "received_at",
            "closed_at",
            "category_id",
            "ward_id",
            "assigned_team_id",
            "channel",
            "status",
            "first_time_resolved",
            "repeat_reported",
            "sla_due_at",
            "sla_paused_seconds",
        )
    )
    for row in rows.iterator(chunk_size=5000):
        yield RequestFact(*row[:9], sla_effective_due=row[9] + dt.timedelta(seconds=row[10]))


@dataclass(frozen=True)
class RequestChanges:
    """Where requests changed: the London days touched, and the high-water marks to start from next time."""

    days: set[dt.date]
    latest_change: dt.datetime | None
    latest_id: int | None


def requests_changed_since(*, since: dt.datetime, after_id: int) -> RequestChanges:
    """London days on which requests changed after `since`, or created after id `after_id`, were received or closed.

    New requests are found by id because a request's updated_at starts at its receipt
    time, which may be long ago (assisted or back-dated reports). Insight rebuilds the
    rollups of those days.
    """
    london = ZoneInfo("Europe/London")
    days: set[dt.date] = set()
    latest, latest_id = None, None
    changed = ServiceRequest.objects.filter(Q(updated_at__gt=since) | Q(pk__gt=after_id)).values_list(
        "pk", "received_at", "closed_at", "updated_at"
    )
    for pk, received_at, closed_at, updated_at in changed.iterator(chunk_size=5000):
        days.add(received_at.astimezone(london).date())
        if closed_at is not None:
            days.add(closed_at.astimezone(london).date())
        latest = updated_at if latest is None or updated_at > latest else latest
        latest_id = pk if latest_id is None or pk > latest_id else latest_id
    return RequestChanges(days, latest, latest_id)


def requests_time_span() -> tuple[dt.datetime | None, dt.datetime | None, dt.datetime | None, int | None]:
    """Earliest receipt, latest receipt or closure, latest change and highest id of any request (Nones if none)."""
    span = ServiceRequest.objects.aggregate(
        first=Min("received_at"),
        last_received=Max("received_at"),
        last_closed=Max("closed_at"),
        changed=Max("updated_at"),
        last_id=Max("pk"),
    )
    last = max((t for t in (span["last_received"], span["last_closed"]) if t is not None), default=None)
    return span["first"], last, span["changed"], span["last_id"]
