"""Three years of service request history for the demo borough, so queues, maps and dashboards look lived in.

Deterministic in (seed, scale, as_of) alone: one `random.Random` seeded from the demo seed
plans every request, in the order of the gazetteer's UPRNs and the catalogue's service
codes, never the clock. `as_of` is "today": history runs from three years before it to the
end of the day before it, so nothing is in the future when `as_of` is today.

What it models (see `_PROFILES` and `_plan_arrivals`):
- volumes by scale (`REQUEST_TARGETS`), shared between categories by base rates, each with
  a monthly seasonal profile (potholes peak January-March after frost, grass and hedges in
  summer, street lights and dog fouling in the dark months), cold winters and storm days,
  weekday effects, a Christmas dip (and the missed-bin surge when collections catch up),
  fly-tipping after bank holidays, and random day-to-day noise;
- places: real demo addresses (point, ward, street), chosen in proportion to each ward's
  addresses with a per-category ward factor (fly-tipping hot spots);
- channels: phone giving way to web over the three years (channel shift); phone and face to
  face only in office hours on working days (urgent categories have a 24-hour phone line);
- reporters: demo residents' accounts for web reports, or contact details given without an
  account (a snapshot, as the service keeps them); assisted reports name the adviser;
- outcomes: mostly fixed, some closed not fixed, no further action, not the council's
  responsibility, internal referrals, cancellations, duplicates of an open report nearby,
  and reopened reports; SLA due times from `service_requests.sla` (so some are breached);
  first-time resolution as the status service sets it; recent requests are still open.

Why not `service_requests.services.service_request_create`: it validates, locates, routes
and numbers one request per transaction step (several queries each), which is right for
real reports and is what the tests use, but 50,000 requests would take minutes. Here rows
are planned in memory and written with `bulk_create` in batches, inside the demo's own
transaction (a failure leaves nothing). The invariants the service keeps are kept here too:
references in its format (`DB-2026-000123`), numbered per year in order of receipt, with the
year's `ReferenceCounter` moved on so later real requests never collide; routing by the
category's rule; SLA due times by `sla.due_at`; the database constraints on statuses. Not
written: audit entries (nothing real happened) and outbox messages (nothing to send).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import StaffRoleAssignment, Team, User
from townhall.core.working_days import bank_holidays, is_working_day
from townhall.demo import names
from townhall.demo.constants import DEMO_EMAIL_DOMAIN, Scale
from townhall.places.models import Address
from townhall.service_requests import selectors as request_selectors
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import (
    ASSISTED_CHANNELS,
    REFERENCE_DIGITS,
    UNRESOLVED_CLOSURES,
    Channel,
    Datatype,
    SlaUnit,
    Status,
)
from townhall.service_requests.models import (
    Category,
    ReferenceCounter,
    RequestAnswer,
    RequestUpdate,
    ServiceRequest,
)

REQUEST_TARGETS: dict[str, int] = {Scale.SMALL: 3_000, Scale.MEDIUM: 50_000, Scale.LARGE: 150_000}
HISTORY_YEARS = 3
BATCH_SIZE = 2_000
CONTACT_EMAIL_DOMAIN = f"contacts.{DEMO_EMAIL_DOMAIN}"
_LONDON = request_selectors.SLA_TIME_ZONE
_MONTHS = 12

# --- Volumes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    """A category's share of all requests and its multiplier for each month (January first)."""

    base: float
    months: tuple[float, ...] = (1.0,) * _MONTHS
    winter_sensitive: bool = False  # more in a cold winter (frost damage, ice)
    storm_sensitive: bool = False  # surges on stormy days


# fmt: off
_PROFILES: dict[str, _Profile] = {
    "pothole": _Profile(12, (2.2, 2.6, 2.2, 1.4, 0.9, 0.7, 0.6, 0.6, 0.7, 0.9, 1.1, 1.5), winter_sensitive=True),
    "damaged_pavement": _Profile(5, (1.2, 1.2, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0)),
    "blocked_drain": _Profile(4, (1.1, 1.0, 0.9, 0.7, 0.7, 0.8, 0.9, 0.9, 1.0, 1.5, 1.6, 1.3), storm_sensitive=True),
    "road_flooding": _Profile(1, (1.3, 1.2, 0.9, 0.6, 0.5, 0.7, 0.9, 0.9, 1.0, 1.3, 1.5, 1.4), storm_sensitive=True),
    "damaged_road_sign": _Profile(2),
    "worn_road_markings": _Profile(1.5, (0.7, 0.7, 0.9, 1.1, 1.2, 1.2, 1.2, 1.1, 1.1, 1.0, 0.9, 0.8)),
    "damaged_street_furniture": _Profile(1.5),
    "gritting": _Profile(1.5, (3.0, 2.2, 0.6, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01, 0.2, 1.4, 2.6),
                         winter_sensitive=True),
    "street_light_out": _Profile(8, (1.5, 1.3, 1.0, 0.7, 0.5, 0.4, 0.5, 0.6, 0.9, 1.3, 1.6, 1.7)),
    "street_light_damaged": _Profile(0.7, storm_sensitive=True),
    "illuminated_sign": _Profile(0.8, (1.3, 1.2, 1.0, 0.8, 0.7, 0.7, 0.7, 0.8, 0.9, 1.2, 1.3, 1.4)),
    "missed_bin": _Profile(20, (1.0, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2, 1.2, 1.1, 1.0, 0.9, 1.0)),
    "overflowing_litter_bin": _Profile(4, (0.7, 0.7, 0.8, 1.0, 1.2, 1.4, 1.5, 1.5, 1.1, 0.9, 0.7, 0.8)),
    "litter": _Profile(6, (0.8, 0.7, 0.8, 0.9, 1.0, 1.1, 1.1, 1.1, 1.0, 1.5, 1.7, 1.0)),  # leaf fall in autumn
    "dead_animal": _Profile(2, (0.7, 0.7, 0.9, 1.2, 1.3, 1.3, 1.2, 1.1, 1.0, 1.0, 0.9, 0.8)),
    "needles": _Profile(0.6),
    "fly_tipping": _Profile(10, (0.8, 0.8, 1.0, 1.2, 1.2, 1.1, 1.1, 1.1, 1.0, 0.9, 0.8, 0.9)),
    "graffiti": _Profile(3, (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2, 1.2, 1.0, 1.0, 0.9, 0.8)),
    "offensive_graffiti": _Profile(0.4),
    "dog_fouling": _Profile(3, (1.4, 1.4, 1.2, 1.0, 0.8, 0.7, 0.7, 0.7, 0.9, 1.1, 1.2, 1.3)),
    "abandoned_vehicle": _Profile(3),
    "fly_posting": _Profile(1),
    "overgrown_hedge": _Profile(4, (0.2, 0.2, 0.4, 0.8, 1.6, 2.2, 2.3, 2.0, 1.4, 0.6, 0.3, 0.2)),
    "play_equipment": _Profile(1, (0.5, 0.5, 0.7, 1.1, 1.3, 1.5, 1.7, 1.7, 1.0, 0.9, 0.6, 0.5)),
    "grass_cutting": _Profile(3, (0.05, 0.05, 0.3, 1.0, 2.2, 2.8, 2.6, 2.0, 1.2, 0.4, 0.05, 0.05)),
    "dangerous_tree": _Profile(1, (1.4, 1.3, 1.0, 0.7, 0.6, 0.7, 0.8, 0.8, 0.9, 1.3, 1.5, 1.4),
                               storm_sensitive=True),
}
# fmt: on
_DEFAULT_PROFILE = _Profile(1)
# Monday first. Bins are collected on weekdays, so missed bins are reported on weekdays.
_WEEKDAY = (1.22, 1.12, 1.05, 1.0, 0.95, 0.62, 0.55)
_WEEKDAY_MISSED_BIN = (1.45, 1.3, 1.2, 1.15, 1.1, 0.25, 0.1)
_DAY_NOISE_SIGMA = 0.3
_STORM_DAYS_PER_YEAR = 4

# --- Channels -----------------------------------------------------------------------------------

# Share of each channel at the start and the end of the three years (channel shift).
_CHANNEL_SHIFT: dict[str, tuple[float, float]] = {
    Channel.WEB: (0.36, 0.62),
    Channel.PHONE: (0.42, 0.20),
    Channel.EMAIL: (0.08, 0.04),
    Channel.FACE_TO_FACE: (0.04, 0.015),
    Channel.KIOSK: (0.03, 0.02),
    Channel.OPEN311: (0.05, 0.075),
    Channel.API: (0.02, 0.03),
}
# Hour of the day (0-23), for residents' own channels: evenings are busiest.
_SELF_SERVICE_HOURS = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3.5, 4, 4, 4, 4, 4, 3.8, 3.6, 3.6, 4, 4.5, 5, 5, 4.5, 3, 2)
_OFFICE_HOURS = tuple(3.0 if 9 <= hour <= 16 else (1.0 if hour == 8 else 0.0) for hour in range(24))
_OUT_OF_HOURS_LINE = tuple(1.0 if hour < 8 or hour >= 17 else 3.0 for hour in range(24))
# Without an account, how often residents report on each self-service channel (where allowed).
_ANONYMOUS_SHARE: dict[str, float] = {Channel.WEB: 0.4, Channel.KIOSK: 0.7, Channel.OPEN311: 1.0, Channel.API: 0.6}

# --- Outcomes -----------------------------------------------------------------------------------

_OUTCOMES = (
    Status.FIXED,
    Status.CLOSED,
    Status.NO_FURTHER_ACTION,
    Status.NOT_COUNCILS_RESPONSIBILITY,
    Status.DUPLICATE,
    Status.INTERNAL_REFERRAL,
    Status.CANCELLED,
)
_DEFAULT_OUTCOME_WEIGHTS = (0.80, 0.035, 0.045, 0.025, 0.06, 0.015, 0.02)
_OUTCOME_WEIGHTS: dict[str, tuple[float, ...]] = {
    "pothole": (0.74, 0.03, 0.10, 0.03, 0.08, 0.01, 0.01),  # NFA: below the intervention depth
    "missed_bin": (0.78, 0.03, 0.10, 0.01, 0.02, 0.01, 0.05),  # NFA: not out on time
    "fly_tipping": (0.745, 0.035, 0.045, 0.08, 0.06, 0.015, 0.02),  # private land
    "overgrown_hedge": (0.65, 0.035, 0.045, 0.175, 0.06, 0.015, 0.02),  # a private garden
    "abandoned_vehicle": (0.53, 0.035, 0.30, 0.035, 0.06, 0.02, 0.02),  # taxed and moved on
}
_REOPEN_SHARE = 0.04
_DUPLICATE_WINDOW = dt.timedelta(days=10)

_MESSAGES: dict[str, tuple[str, ...]] = {
    Status.INVESTIGATING: (
        "An inspector will look at this.",
        "Thank you for your report. We are looking into it.",
        "We have passed this to our team to inspect.",
    ),
    Status.ACTION_SCHEDULED: (
        "We have inspected this and booked the work.",
        "Work to put this right has been scheduled.",
    ),
    Status.IN_PROGRESS: ("Our team is working on this now.", "Work has started."),
    Status.FIXED: (
        "This has been fixed. Thank you for telling us about it.",
        "Our team has dealt with this today.",
        "Fixed. Thank you for reporting it.",
    ),
    Status.CLOSED: (
        "We have closed this report without further work: it is part of a wider scheme planned for next year.",
        "We could not find the problem when we visited, so we have closed this report.",
    ),
    Status.NO_FURTHER_ACTION: (
        "We inspected this and it does not need work at the moment. We will keep an eye on it.",
        "No further action is needed: it is within our safety standards.",
    ),
    Status.NOT_COUNCILS_RESPONSIBILITY: (
        "This is on private land, so the owner is responsible. We have written to them.",
        "This is not something the council looks after. We have passed it to the right organisation.",
    ),
    Status.INTERNAL_REFERRAL: ("We have passed this to another council team, who will deal with it.",),
    Status.CANCELLED: ("This report was withdrawn at the resident's request.",),
    Status.REOPENED: ("The resident told us the problem is back, so we have reopened this report.",),
}
_NOTES = (
    "Checked on site.",
    "Crew booked for next available slot.",
    "Contractor instructed.",
    "Photos reviewed; no safety risk.",
)

_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "pothole": (
        "Large pothole on {street}, cars are swerving round it.",
        "Pothole near the junction of {street}. It has got much worse since the frost.",
        "Several potholes along {street}, one is quite deep.",
    ),
    "damaged_pavement": ("Loose paving slab on {street}, someone nearly tripped.", "Raised kerb outside {number}."),
    "blocked_drain": ("Drain blocked with leaves on {street}, water pools after rain.", "Gully smells on {street}."),
    "road_flooding": ("Deep water across {street} after the rain.",),
    "damaged_road_sign": ("Street name plate for {street} is missing.", "Sign knocked over on {street}."),
    "worn_road_markings": ("Give way lines at the end of {street} have almost gone.",),
    "damaged_street_furniture": ("Bench on {street} is broken.", "Bollard knocked over on {street}."),
    "gritting": ("{street} is like an ice rink, it has not been gritted.", "Grit bin on {street} is empty."),
    "street_light_out": ("Street light outside {number} is off at night.", "Light flickering on {street}."),
    "street_light_damaged": ("Lamp post leaning badly on {street} after a car hit it.",),
    "illuminated_sign": ("Lit bollard on the island on {street} is out.",),
    "missed_bin": ("Our bin was not emptied today.", "Bin missed again on {street}.", "Missed collection."),
    "overflowing_litter_bin": ("Litter bin on {street} overflowing.", "Dog bin by the park on {street} is full."),
    "litter": ("Lots of litter along {street}.", "Broken glass on the pavement on {street}."),
    "dead_animal": ("Dead fox in the road on {street}.", "Dead cat on the pavement outside {number}."),
    "needles": ("Needles in the alley behind {street}.",),
    "fly_tipping": (
        "Mattress and bags dumped on {street}.",
        "Builders rubble dumped in the back lane off {street}.",
        "Sofa left on the verge on {street}.",
    ),
    "graffiti": ("Graffiti on the bus shelter on {street}.", "Tags sprayed on the wall on {street}."),
    "offensive_graffiti": ("Offensive graffiti on a wall on {street}.",),
    "dog_fouling": ("Dog mess all along {street}.", "Dog fouling on the path by the school on {street}."),
    "abandoned_vehicle": ("Car with flat tyres has not moved for weeks on {street}.",),
    "fly_posting": ("Posters stuck on every lamp post on {street}.",),
    "overgrown_hedge": ("Hedge on {street} is blocking half the pavement.", "Branches over the path on {street}."),
    "play_equipment": ("Swing chain broken in the play area near {street}.",),
    "grass_cutting": ("Grass verge on {street} is very long.", "Grass on the green off {street} needs cutting."),
    "dangerous_tree": ("Large branch down across {street}.", "Tree leaning over the road on {street}."),
}
_LEAF_FALL = ("Wet leaves all over the pavement on {street}, it is slippery.", "Leaves blocking the path on {street}.")
_AUTUMN_MONTHS = frozenset({10, 11})

_REGISTRATION_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
_VEHICLES = ("silver Ford Focus", "blue Vauxhall Corsa", "white Transit van", "black BMW 3 Series", "red Fiat 500")
_PARKS = ("Albert Park", "Victoria Gardens", "Stewart Park", "Riverside Green", "Church Lane play area")
_WHEN = ("Early mornings", "Evenings, mostly", "Every day", "Weekends")


# --- What the plan is made of ------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    uprn: int
    lat: float
    lng: float
    easting: float
    northing: float
    ward_id: int
    street_id: int | None
    street_name: str
    number: str
    single_line: str


@dataclass(frozen=True)
class _Question:
    id: int
    code: str
    label: str
    datatype: str
    required: bool
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Category:
    id: int
    code: str
    sla_unit: str
    sla_amount: int
    priority: int
    is_public: bool
    anonymous_allowed: bool
    team_id: int
    questions: tuple[_Question, ...]


@dataclass(frozen=True)
class _Context:
    """Everything the plan depends on, read from the database in a stable order."""

    categories: tuple[_Category, ...]
    places_by_ward: dict[int, tuple[_Place, ...]]
    resident_ids: tuple[int, ...]
    adviser_ids: tuple[int, ...]
    officers_by_team: dict[int, tuple[int, ...]]
    reference_prefix: str
    counters: dict[int, int]  # year -> last number already given out


@dataclass
class _Update:
    created_at: dt.datetime
    author_id: int | None
    status_from: str = ""
    status_to: str = ""
    public_message: str = ""
    internal_note: str = ""


@dataclass
class PlannedRequest:
    """One request of the history, as it stands at the end of the day before `as_of`."""

    reference: str
    category: _Category
    place: _Place
    description: str
    channel: str
    received_at: dt.datetime
    sla_due_at: dt.datetime
    reporter_id: int | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    recorded_by_id: int | None = None
    status: str = Status.OPEN
    assigned_officer_id: int | None = None
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    first_time_resolved: bool | None = None
    duplicate_of: int | None = None  # index of the original in the plan
    answers: list[tuple[_Question, Any, str]] = field(default_factory=list)
    updates: list[_Update] = field(default_factory=list)


# --- Reading the borough ------------------------------------------------------------------------


def _single_line(row: dict[str, Any]) -> tuple[str, str]:
    number = f"{row['pao_number']}{row['pao_suffix']}" if row["pao_number"] is not None else ""
    first = ", ".join(part for part in (row["sao"], row["pao_name"]) if part)
    street_line = f"{number} {row['street__name']}".strip()
    lines = [line for line in (first, street_line, row["locality"], row["town"]) if line]
    return ", ".join([*lines, row["postcode"]]), (number or row["pao_name"] or row["street__name"])


def _context_load() -> _Context:
    places: dict[int, list[_Place]] = {}
    rows = Address.objects.filter(ward__isnull=False).order_by("uprn")
    fields = ("uprn", "lat", "lng", "easting", "northing", "ward_id", "street__id", "street__name", "sao")
    more = ("pao_name", "pao_number", "pao_suffix", "locality", "town", "postcode")
    for row in rows.values(*fields, *more):
        single_line, number = _single_line(row)
        places.setdefault(row["ward_id"], []).append(
            _Place(
                uprn=row["uprn"],
                lat=row["lat"],
                lng=row["lng"],
                easting=round(row["easting"], 2),
                northing=round(row["northing"], 2),
                ward_id=row["ward_id"],
                street_id=row["street__id"],
                street_name=row["street__name"],
                number=f"{number} {row['street__name']}" if number != row["street__name"] else number,
                single_line=single_line,
            )
        )
    categories = []
    for category in (
        Category.objects.filter(active=True, council_responsible=True)
        .prefetch_related("questions__choices")
        .order_by("service_code")
    ):
        questions = tuple(
            _Question(
                id=question.pk,
                code=question.code,
                label=question.label,
                datatype=question.datatype,
                required=question.required,
                choices=tuple((choice.key, choice.name) for choice in question.choices.all()),
            )
            for question in category.questions.all()
        )
        categories.append(
            _Category(
                id=category.pk,
                code=category.service_code,
                sla_unit=category.sla_unit,
                sla_amount=category.sla_amount,
                priority=category.default_priority,
                is_public=category.is_public,
                anonymous_allowed=category.anonymous_allowed,
                # Routing as the service does it; the demo catalogue routes by category alone.
                team_id=request_selectors.team_for(category=category, ward=None).pk,
                questions=questions,
            )
        )
    staff_ids = set(StaffRoleAssignment.objects.values_list("user_id", flat=True))
    officer_roles = (StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER)
    officers_by_team = {
        team.pk: tuple(
            team.members.filter(role_assignments__role__in=officer_roles).order_by("id").values_list("id", flat=True)
        )
        for team in Team.objects.order_by("id")
    }
    return _Context(
        categories=tuple(categories),
        places_by_ward={ward_id: tuple(ward_places) for ward_id, ward_places in sorted(places.items())},
        resident_ids=tuple(
            user_id for user_id in User.objects.order_by("id").values_list("id", flat=True) if user_id not in staff_ids
        ),
        adviser_ids=tuple(
            StaffRoleAssignment.objects.filter(role=StaffRole.CUSTOMER_SERVICE_ADVISER)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        ),
        officers_by_team=officers_by_team,
        reference_prefix=request_services.reference_prefix(),
        counters=dict(ReferenceCounter.objects.values_list("year", "last_number")),
    )


# --- Planning (no database) ---------------------------------------------------------------------


def history_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days of the history: three years up to the day before `as_of`."""
    try:
        start = as_of.replace(year=as_of.year - HISTORY_YEARS)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - HISTORY_YEARS, day=28)
    return start, as_of - dt.timedelta(days=1)


def _local(day: dt.date, seconds: int) -> dt.datetime:
    """`seconds` after London midnight on `day`, in UTC (whole seconds, so digests are exact)."""
    moment = dt.datetime.combine(day, dt.time.min, tzinfo=_LONDON) + dt.timedelta(seconds=seconds)
    return moment.astimezone(dt.UTC)


def _special_day_factor(code: str, day: dt.date, holidays: Any) -> float:
    """Christmas dip, bank holidays, and what follows them."""
    christmas = (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)
    after_holiday = any(day - dt.timedelta(days=back) in holidays for back in range(1, 5))
    factor = 1.0
    if code == "missed_bin":
        if christmas:
            factor *= 0.8
        elif day.month == 1 and day.day <= 10:
            factor *= 2.2  # collections catch up after Christmas: many missed bins
        if after_holiday:
            factor *= 1.5  # collection days slip after a bank holiday
        return factor
    if christmas:
        factor *= 0.45
    elif day in holidays:
        factor *= 0.6
    if code == "fly_tipping" and (after_holiday or day in holidays):
        factor *= 1.9  # long weekends clearing out sheds and gardens
    return factor


def _plan_arrivals(
    *, rng: random.Random, context: _Context, start: dt.date, end: dt.date, target: int
) -> list[tuple[dt.date, _Category]]:
    """How many requests arrive on each day in each category, summing to about `target`."""
    days = [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]
    # Asked day by day: iterating the calendar would list only the years it has loaded so far.
    calendar = bank_holidays()
    before = [start - dt.timedelta(days=back) for back in range(1, 5)]
    holidays = {day for day in [*before, *days] if day in calendar}
    winters = {year: rng.lognormvariate(0, 0.3) for year in range(start.year, end.year + 2)}
    storms: set[dt.date] = set()
    stormy = [day for day in days if day.month in (10, 11, 12, 1, 2, 3)]
    for _ in range(_STORM_DAYS_PER_YEAR * HISTORY_YEARS):
        storm = rng.choice(stormy)
        storms |= {storm, storm + dt.timedelta(days=1)}
    cells: list[tuple[dt.date, _Category, float]] = []
    for day in days:
        winter = winters[day.year + 1 if day.month >= 10 else day.year]
        for category in context.categories:
            profile = _PROFILES.get(category.code, _DEFAULT_PROFILE)
            weight = profile.base * profile.months[day.month - 1]
            weight *= (_WEEKDAY_MISSED_BIN if category.code == "missed_bin" else _WEEKDAY)[day.weekday()]
            weight *= _special_day_factor(category.code, day, holidays)
            if profile.winter_sensitive and day.month in (11, 12, 1, 2, 3):
                weight *= winter
            if profile.storm_sensitive and day in storms:
                weight *= 4.0
            weight *= rng.lognormvariate(0, _DAY_NOISE_SIGMA)
            cells.append((day, category, weight))
    total = sum(weight for _, _, weight in cells) or 1.0
    arrivals = []
    carry = rng.random()  # systematic rounding: the counts add up to the target
    for day, category, weight in cells:
        carry += target * weight / total
        count = int(carry)
        carry -= count
        arrivals.extend([(day, category)] * count)
    return arrivals


def _channel_for(rng: random.Random, *, progress: float, working_day: bool, urgent: bool) -> str:
    channels = []
    weights = []
    for channel, (first, last) in _CHANNEL_SHIFT.items():
        if channel in ASSISTED_CHANNELS and not working_day and not (urgent and channel == Channel.PHONE):
            continue
        channels.append(channel)
        weights.append(first + (last - first) * progress)
    return rng.choices(channels, weights)[0]


def _seconds_in_day(rng: random.Random, *, channel: str, working_day: bool) -> int:
    if channel in ASSISTED_CHANNELS:
        hours = _OFFICE_HOURS if working_day else _OUT_OF_HOURS_LINE
    else:
        hours = _SELF_SERVICE_HOURS
    hour = rng.choices(range(24), hours)[0]
    if hours is _OFFICE_HOURS and hour == 8:
        return hour * 3600 + rng.randrange(1800, 3600)  # the phone lines open at 08:30
    return hour * 3600 + rng.randrange(3600)


def _contact(rng: random.Random, *, channel: str) -> tuple[str, str, str]:
    given, family = rng.choice(names.GIVEN_NAMES), rng.choice(names.FAMILY_NAMES)
    local = "".join(ch for ch in f"{given}.{family}".lower() if ch.isalpha() or ch == ".")
    email = f"{local}{rng.randrange(1, 1000)}@{CONTACT_EMAIL_DOMAIN}"
    # Ofcom's numbers for drama: 01632 960000-960999 and 07700 900000-900999.
    phone = rng.choice((f"01632 960{rng.randrange(1000):03d}", f"07700 900{rng.randrange(1000):03d}"))
    if channel == Channel.PHONE:
        return f"{given} {family}", "" if rng.random() < 0.5 else email, phone
    if channel == Channel.FACE_TO_FACE:
        return f"{given} {family}", "", phone if rng.random() < 0.7 else ""
    if channel == Channel.EMAIL:
        return f"{given} {family}", email, ""
    return (f"{given} {family}" if rng.random() < 0.8 else ""), email, ""


def _answer(rng: random.Random, question: _Question, *, received: dt.datetime) -> tuple[Any, str] | None:
    """A plausible answer, as `services.answers_clean` would store it (value, display value)."""
    if question.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
        choices = question.choices
        if not choices:
            return None
        weights = [1.0] * len(choices)
        if question.code == "bin_type":
            # Garden waste is collected fortnightly from March to November only: missed in summer.
            month = received.astimezone(_LONDON).month
            garden = {6: 2.5, 7: 2.5, 8: 2.2, 5: 1.8, 9: 1.5, 4: 1.0, 10: 0.8, 3: 0.4, 11: 0.3}.get(month, 0.0)
            weights = [
                {"general": 3.0, "recycling": 2.0, "garden": garden, "food": 0.8}.get(k, 1.0) for k, _ in choices
            ]
        if question.datatype == Datatype.SINGLEVALUELIST:
            key, name = rng.choices(choices, weights)[0]
            return key, name
        picked = {rng.choices(range(len(choices)), weights)[0] for _ in range(rng.choice((1, 1, 2)))}
        ordered = [choices[index] for index in sorted(picked)]
        return [key for key, _ in ordered], ", ".join(name for _, name in ordered)
    text: str | None = None
    if question.code == "column_number":
        text = str(rng.randrange(1, 150))
    elif question.code == "registration":
        letters = "".join(rng.choice(_REGISTRATION_LETTERS) for _ in range(5))
        text = f"{letters[:2]}{rng.randrange(10, 75)} {letters[2:]}"
    elif question.code == "make_colour":
        text = rng.choice(_VEHICLES)
    elif question.code == "play_area":
        text = rng.choice(_PARKS)
    elif question.code == "when":
        text = rng.choice(_WHEN)
    elif question.datatype == Datatype.NUMBER:
        text = str(rng.randrange(1, 12))
    elif question.datatype == Datatype.DATETIME:
        day = received.astimezone(_LONDON).date() - dt.timedelta(days=rng.randrange(7, 60))
        moment = dt.datetime.combine(day, dt.time.min, tzinfo=_LONDON)
        return moment.astimezone(dt.UTC).isoformat(), f"{moment.day} {moment:%B %Y %H:%M}"
    return None if text is None else (text, text)


class _SlaClock:
    """`sla.due_at`, remembered per London date for working-day targets (they depend on nothing else)."""

    def __init__(self) -> None:
        self._working_days: dict[tuple[dt.date, int], dt.datetime] = {}

    def due(self, category: _Category, received: dt.datetime) -> dt.datetime:
        if category.sla_unit == SlaUnit.HOURS:
            return request_selectors.sla_due_at(received_at=received, unit=SlaUnit.HOURS, amount=category.sla_amount)
        key = (received.astimezone(_LONDON).date(), category.sla_amount)
        if key not in self._working_days:
            self._working_days[key] = request_selectors.sla_due_at(
                received_at=received, unit=SlaUnit.WORKING_DAYS, amount=category.sla_amount
            )
        return self._working_days[key]


def _office_time(rng: random.Random, moment: dt.datetime, *, after: dt.datetime) -> dt.datetime:
    """Staff close working-day requests in working hours: move `moment` into 08:00-17:30 if it can be."""
    local = moment.astimezone(_LONDON)
    if 8 <= local.hour < 18:
        return moment
    day = local.date() + (dt.timedelta(days=1) if local.hour >= 18 else dt.timedelta())
    moved = _local(day, 8 * 3600 + rng.randrange(int(9.5 * 3600)))
    return moved if moved > after else moment


def _resolution_ratio(rng: random.Random) -> float:
    """Time to close as a share of the SLA: most in time, some late (breached), a few very late."""
    draw = rng.random()
    if draw < 0.82:
        return rng.uniform(0.05, 0.95)
    if draw < 0.97:
        return rng.uniform(1.0, 2.5)
    return rng.uniform(2.5, 8.0)


def _message(rng: random.Random, status: str) -> str:
    return rng.choice(_MESSAGES[status])


def _progress_through(
    planned: PlannedRequest, *, steps: Sequence[tuple[dt.datetime, str, int | None, str]], cutoff: dt.datetime
) -> None:
    """Apply steps (time, status, author, public message) in order up to `cutoff`, as the status service would."""
    for moment, status, author_id, message in steps:
        if moment >= cutoff:
            break
        source = planned.status
        planned.updates.append(
            _Update(
                created_at=moment, author_id=author_id, status_from=source, status_to=status, public_message=message
            )
        )
        planned.status = status
        planned.updated_at = moment
        if status == Status.REOPENED:
            planned.closed_at = None
            planned.first_time_resolved = False
        elif status in _OUTCOMES:
            planned.closed_at = moment
            if status not in UNRESOLVED_CLOSURES and planned.first_time_resolved is None:
                planned.first_time_resolved = True


def _plan_outcome(
    rng: random.Random,
    planned: PlannedRequest,
    *,
    context: _Context,
    cutoff: dt.datetime,
    original: int | None,
    original_reference: str,
) -> None:
    category, received = planned.category, planned.received_at
    officers = context.officers_by_team.get(category.team_id, ())
    officer = rng.choice(officers) if officers else None
    span = (planned.sla_due_at - received).total_seconds()
    office_hours = category.sla_unit == SlaUnit.WORKING_DAYS

    def after(ratio: float) -> dt.datetime:
        moment = received + dt.timedelta(seconds=max(600, int(span * ratio)))
        return _office_time(rng, moment, after=received) if office_hours else moment

    weights = _OUTCOME_WEIGHTS.get(category.code, _DEFAULT_OUTCOME_WEIGHTS)
    outcome = rng.choices(_OUTCOMES, weights)[0]
    if outcome == Status.DUPLICATE and original is None:
        outcome = Status.FIXED
    steps: list[tuple[dt.datetime, str, int | None, str]] = []
    if outcome == Status.DUPLICATE:
        message = f"This problem has already been reported as {original_reference}; we will deal with it there."
        steps.append((after(rng.uniform(0.02, 0.3)), Status.DUPLICATE, officer, message))
        planned.duplicate_of = original
    elif outcome in (Status.CANCELLED, Status.NOT_COUNCILS_RESPONSIBILITY, Status.INTERNAL_REFERRAL):
        steps.append((after(rng.uniform(0.05, 0.6)), outcome, officer, _message(rng, outcome)))
    else:
        closed = after(_resolution_ratio(rng))
        total = (closed - received).total_seconds()
        if rng.random() < 0.6:
            moment = received + dt.timedelta(seconds=int(total * rng.uniform(0.05, 0.3)))
            steps.append((moment, Status.INVESTIGATING, officer, _message(rng, Status.INVESTIGATING)))
        if outcome == Status.FIXED and rng.random() < 0.5:
            status = rng.choice((Status.ACTION_SCHEDULED, Status.IN_PROGRESS))
            moment = received + dt.timedelta(seconds=int(total * rng.uniform(0.4, 0.85)))
            steps.append((moment, status, officer, _message(rng, status)))
        steps.append((closed, outcome, officer, _message(rng, outcome)))
        if rng.random() < _REOPEN_SHARE:
            reopened = closed + dt.timedelta(seconds=rng.randrange(3600, 20 * 86400))
            steps.append((reopened, Status.REOPENED, planned.reporter_id, _message(rng, Status.REOPENED)))
            again = reopened + dt.timedelta(seconds=max(600, int(span * rng.uniform(0.1, 1.0))))
            steps.append((again, Status.FIXED, officer, _message(rng, Status.FIXED)))
    _progress_through(planned, steps=steps, cutoff=cutoff)
    if planned.status != Status.DUPLICATE:
        planned.duplicate_of = None  # to be marked as a duplicate after the cutoff: not yet
    if planned.status != Status.OPEN:
        planned.assigned_officer_id = officer
    if planned.updates and rng.random() < 0.1 and planned.status != Status.OPEN:
        first = planned.updates[0].created_at
        note_at = received + dt.timedelta(seconds=int((first - received).total_seconds()) // 2)
        planned.updates.insert(0, _Update(created_at=note_at, author_id=officer, internal_note=rng.choice(_NOTES)))


def plan_request_history(
    *, seed: int, as_of: dt.date, target: int, context: _Context | None = None
) -> list[PlannedRequest]:
    """The history as it stands at London midnight starting `as_of`, oldest first (reads, never writes)."""
    context = context or _context_load()
    rng = random.Random(f"townhall-demo:{seed}:request-history")  # noqa: S311 (seeded on purpose: determinism)
    start, end = history_window(as_of)
    cutoff = _local(as_of, 0)
    ward_ids = list(context.places_by_ward)
    if not ward_ids or not context.categories:
        return []
    ward_sizes = [len(context.places_by_ward[ward_id]) for ward_id in ward_ids]
    # Hot spots: each category's reports lean towards some wards (fly-tipping, graffiti).
    ward_weights = {
        category.code: [size * rng.lognormvariate(0, 0.35) for size in ward_sizes] for category in context.categories
    }
    arrivals = _plan_arrivals(rng=rng, context=context, start=start, end=end, target=target)
    window_days = (end - start).days + 1
    clock = _SlaClock()
    timed: list[tuple[dt.datetime, int, _Category, _Place, str, bool]] = []
    for number, (day, category) in enumerate(arrivals):
        working_day = is_working_day(day)
        channel = _channel_for(
            rng,
            progress=(day - start).days / window_days,
            working_day=working_day,
            urgent=category.sla_unit == SlaUnit.HOURS,
        )
        received = _local(day, _seconds_in_day(rng, channel=channel, working_day=working_day))
        ward_id = rng.choices(ward_ids, ward_weights[category.code])[0]
        place = rng.choice(context.places_by_ward[ward_id])
        timed.append((received, number, category, place, channel, working_day))
    timed.sort(key=lambda item: (item[0], item[1]))

    numbers = dict(context.counters)
    planned_all: list[PlannedRequest] = []
    recent: dict[tuple[str, int], list[int]] = {}
    for received, _number, category, place, channel, _working in timed:
        year = received.astimezone(_LONDON).year
        numbers[year] = numbers.get(year, 0) + 1
        reference = f"{context.reference_prefix}-{year}-{numbers[year]:0{REFERENCE_DIGITS}d}"
        descriptions = _DESCRIPTIONS.get(category.code, ("Please look at this on {street}.",))
        if category.code == "litter" and received.astimezone(_LONDON).month in _AUTUMN_MONTHS:
            descriptions = descriptions + _LEAF_FALL * 2
        description = rng.choice(descriptions).format(street=place.street_name, number=place.number)
        planned = PlannedRequest(
            reference=reference,
            category=category,
            place=place,
            description=description,
            channel=channel,
            received_at=received,
            sla_due_at=clock.due(category, received),
            updated_at=received,
        )
        if channel in ASSISTED_CHANNELS:
            planned.contact_name, planned.contact_email, planned.contact_phone = _contact(rng, channel=channel)
            planned.recorded_by_id = rng.choice(context.adviser_ids) if context.adviser_ids else None
        elif (
            category.anonymous_allowed and rng.random() < _ANONYMOUS_SHARE.get(channel, 0.5)
        ) or not context.resident_ids:
            planned.contact_name, planned.contact_email, planned.contact_phone = _contact(rng, channel=channel)
        else:
            planned.reporter_id = rng.choice(context.resident_ids)
        for question in category.questions:
            if question.required or rng.random() < 0.5:
                answer = _answer(rng, question, received=received)
                if answer is not None:
                    planned.answers.append((question, *answer))
        # A duplicate points at the latest report of the same thing in the same ward, still open then.
        key = (category.code, place.ward_id)
        original = None
        for index in reversed(recent.get(key, [])[-3:]):
            candidate = planned_all[index]
            if received - candidate.received_at > _DUPLICATE_WINDOW:
                break
            if candidate.closed_at is None or candidate.closed_at > received:
                original = index
                break
        original_reference = planned_all[original].reference if original is not None else ""
        _plan_outcome(
            rng, planned, context=context, cutoff=cutoff, original=original, original_reference=original_reference
        )
        if planned.status != Status.DUPLICATE:
            recent.setdefault(key, []).append(len(planned_all))
        planned_all.append(planned)
    return planned_all


# --- Writing ------------------------------------------------------------------------------------


def _request_row(planned: PlannedRequest, *, duplicate_of_id: int | None) -> ServiceRequest:
    place, category = planned.place, planned.category
    return ServiceRequest(
        reference=planned.reference,
        category_id=category.id,
        description=planned.description,
        lat=place.lat,
        lng=place.lng,
        easting=place.easting,
        northing=place.northing,
        ward_id=place.ward_id,
        street_id=place.street_id,
        uprn=place.uprn if category.code == "missed_bin" else None,
        address_string=place.single_line,
        channel=planned.channel,
        reporter_id=planned.reporter_id,
        contact_name=planned.contact_name,
        contact_email=planned.contact_email,
        contact_phone=planned.contact_phone,
        recorded_by_id=planned.recorded_by_id,
        status=planned.status,
        priority=category.priority,
        assigned_team_id=category.team_id,
        assigned_officer_id=planned.assigned_officer_id,
        received_at=planned.received_at,
        updated_at=planned.updated_at or planned.received_at,
        sla_due_at=planned.sla_due_at,
        closed_at=planned.closed_at,
        first_time_resolved=planned.first_time_resolved,
        is_public=category.is_public,
        duplicate_of_id=duplicate_of_id,
    )


def _batch_write(plan: Sequence[PlannedRequest], indexes: range, ids: dict[int, int]) -> None:
    # Originals are always earlier than their duplicates, so writing the batch's other
    # requests first gives every duplicate its original's id.
    for want_duplicates in (False, True):
        chosen = [index for index in indexes if (plan[index].duplicate_of is not None) == want_duplicates]
        rows = []
        for index in chosen:
            original = plan[index].duplicate_of
            rows.append(_request_row(plan[index], duplicate_of_id=None if original is None else ids[original]))
        created = ServiceRequest.objects.bulk_create(rows, batch_size=500)
        for index, row in zip(chosen, created, strict=True):
            if row.pk is None:  # pragma: no cover - every supported database returns ids
                raise RuntimeError("The database did not return the new requests' ids.")
            ids[index] = row.pk
    RequestAnswer.objects.bulk_create(
        [
            RequestAnswer(
                request_id=ids[index],
                question_id=question.id,
                question_code=question.code,
                question_label=question.label,
                datatype=question.datatype,
                value=value,
                display_value=display,
            )
            for index in indexes
            for question, value, display in plan[index].answers
        ],
        batch_size=1000,
    )
    RequestUpdate.objects.bulk_create(
        [
            RequestUpdate(
                request_id=ids[index],
                created_at=update.created_at,
                author_id=update.author_id,
                status_from=update.status_from,
                status_to=update.status_to,
                public_message=update.public_message,
                internal_note=update.internal_note,
            )
            for index in indexes
            for update in plan[index].updates
        ],
        batch_size=1000,
    )


def request_history_target(scale: Scale | str) -> int:
    return REQUEST_TARGETS[Scale(scale)]


@transaction.atomic
def request_history_create(
    *, seed: int, scale: Scale | str, as_of: dt.date, on_batch: Callable[[int], object] | None = None
) -> int:
    """Write the demo's service request history (after the gazetteer, staff, residents and catalogue); how many.

    Call it inside the demo's transaction. Reference counters end at the last number used
    in each year, so the next request created through the service gets the next number.
    """
    list(ReferenceCounter.objects.select_for_update())  # lock the counters already there while we number
    context = _context_load()
    plan = plan_request_history(seed=seed, as_of=as_of, target=request_history_target(scale), context=context)
    ids: dict[int, int] = {}
    for start in range(0, len(plan), BATCH_SIZE):
        indexes = range(start, min(start + BATCH_SIZE, len(plan)))
        _batch_write(plan, indexes, ids)
        if on_batch is not None:
            on_batch(len(indexes))
    last_numbers: dict[int, int] = {}
    for planned in plan:
        year_text, number_text = planned.reference.rsplit("-", 2)[1:]
        last_numbers[int(year_text)] = max(last_numbers.get(int(year_text), 0), int(number_text))
    for year, last_number in sorted(last_numbers.items()):
        ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": last_number})
    return len(plan)


def plan_digest_rows(plan: Sequence[PlannedRequest]) -> list[tuple[Any, ...]]:
    """The plan as plain tuples (for comparing two plans)."""
    return [
        (
            p.reference,
            p.category.code,
            p.place.uprn,
            p.channel,
            p.received_at.isoformat(),
            p.status,
            p.reporter_id,
            p.contact_email,
            p.closed_at and p.closed_at.isoformat(),
            p.first_time_resolved,
            p.duplicate_of,
            len(p.updates),
            math.floor(p.sla_due_at.timestamp()),
        )
        for p in plan
    ]
