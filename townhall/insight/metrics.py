"""The metric registry: every figure Insight shows is defined once here.

A metric names its unit, owner, the dimensions it can be split by and whether it is
published on /performance/, and says how to compute its value from `Totals`: the sums
of one slice of the daily rollups (or of the account and dashboard-usage tables). The
selectors do the summing; a metric only does arithmetic, so the figure on a card, in a
chart, in its table and in its CSV is the same number.

Other apps register their metrics with `register()` from their AppConfig.ready().
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from townhall.service_requests.constants import Channel


class Unit(enum.StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    POUNDS = "pounds"
    DAYS = "days"


class Source(enum.StrEnum):
    """Which summed table a metric reads."""

    REQUESTS = "requests"
    ACCOUNTS = "accounts"
    DASHBOARDS = "dashboards"
    OPEN_DATA = "open_data"
    DATA_QUALITY = "data_quality"


# Dimensions a request metric can be split by; time grains are offered for every metric.
REQUEST_DIMENSIONS = ("ward", "category", "team", "channel")
GRAINS = ("day", "week", "month")

# Channels where the resident completed the transaction themselves, online.
ONLINE_CHANNELS: frozenset[str] = frozenset({Channel.WEB, Channel.OPEN311, Channel.API})

# Cost of one transaction by channel, in pounds. Digital, telephone and face to face are
# SOCITM's Channel Value Benchmark figures; email and kiosk are Townhall's assumptions
# (an emailed request is keyed in by an adviser, like a call; a kiosk is self-service
# but the council pays for the machine and its upkeep). Override with the
# TOWNHALL_UNIT_COSTS setting, e.g. "email=3.10,kiosk=0.50".
DEFAULT_UNIT_COSTS: Mapping[str, Decimal] = {
    Channel.WEB: Decimal("0.15"),
    Channel.OPEN311: Decimal("0.15"),
    Channel.API: Decimal("0.15"),
    Channel.PHONE: Decimal("2.83"),
    Channel.FACE_TO_FACE: Decimal("8.62"),
    Channel.EMAIL: Decimal("2.83"),
    Channel.KIOSK: Decimal("0.50"),
}
PHONE_UNIT_COST_KEY = Channel.PHONE


def unit_costs() -> dict[str, Decimal]:
    """The configured cost per transaction for every channel (settings override the defaults)."""
    costs = dict(DEFAULT_UNIT_COSTS)
    costs.update({str(k): Decimal(str(v)) for k, v in getattr(settings, "TOWNHALL_UNIT_COSTS", {}).items()})
    return costs


@dataclass
class Totals:
    """Sums over one slice: request measures (see models.RequestDay), received by channel, and counts."""

    measures: dict[str, int] = field(default_factory=dict)
    received_by_channel: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> int:
        return self.measures.get(name, 0)


Compute = Callable[[Totals], Decimal | None]


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    description: str
    unit: Unit
    owner: str
    source: Source
    compute: Compute
    dimensions: tuple[str, ...] = ()
    public: bool = False
    higher_is_better: bool | None = True
    # The count a rate rests on, so public cells built on fewer than 5 requests are withheld.
    base: Callable[[Totals], int] = lambda totals: 0
    # False for counts of things, not people (datasets), which need no small-count withholding.
    about_people: bool = True


_REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> None:
    if metric.key in _REGISTRY:
        raise ValueError(f"Metric {metric.key!r} is registered twice.")
    _REGISTRY[metric.key] = metric


def metric(key: str) -> Metric | None:
    return _REGISTRY.get(key)


def metrics(*, public_only: bool = False) -> list[Metric]:
    return [m for m in _REGISTRY.values() if m.public or not public_only]


def _ratio(numerator: int | Decimal, denominator: int | Decimal, scale: int = 100) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator) * scale / Decimal(denominator)


def _count(name: str) -> Compute:
    return lambda totals: Decimal(totals.get(name))


def online_share(totals: Totals) -> Decimal | None:
    online = sum(n for channel, n in totals.received_by_channel.items() if channel in ONLINE_CHANNELS)
    return _ratio(online, sum(totals.received_by_channel.values()))


def cost_per_transaction(totals: Totals) -> Decimal | None:
    """Mean cost of one request at the configured unit cost of the channel it came through."""
    costs = unit_costs()
    count = sum(totals.received_by_channel.values())
    spent = sum(costs.get(channel, Decimal(0)) * n for channel, n in totals.received_by_channel.items())
    return _ratio(spent, count, scale=1)


def saving_against_all_phone(totals: Totals) -> Decimal | None:
    """What the same requests would have cost had every one come by phone, minus what they cost."""
    costs = unit_costs()
    count = sum(totals.received_by_channel.values())
    spent = sum(costs.get(channel, Decimal(0)) * n for channel, n in totals.received_by_channel.items())
    return costs[PHONE_UNIT_COST_KEY] * count - spent


def _received(totals: Totals) -> int:
    return sum(totals.received_by_channel.values())


def _mean_days_to_close(totals: Totals) -> Decimal | None:
    return _ratio(totals.get("close_seconds"), totals.get("closed_resolved") * 86400, scale=1)


SERVICE_OWNER = "Head of Customer Services"

for _metric in (
    Metric(
        key="requests_received",
        name="Requests received",
        description="Service requests received, by whatever channel they came in.",
        unit=Unit.COUNT,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=lambda totals: Decimal(_received(totals)),
        dimensions=REQUEST_DIMENSIONS,
        public=True,
        higher_is_better=None,
        base=_received,
    ),
    Metric(
        key="requests_closed",
        name="Requests closed",
        description="Service requests closed, whether fixed, closed without a fix, or closed as a duplicate.",
        unit=Unit.COUNT,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=_count("closed"),
        dimensions=REQUEST_DIMENSIONS,
        public=True,
        higher_is_better=None,
        base=lambda totals: totals.get("closed"),
    ),
    Metric(
        key="online_share",
        name="Requests made online",
        description=(
            "Share of requests the resident made themselves online (the website, and apps using the Open311 "
            "or Townhall API) rather than by phone, email, kiosk or in person: channel shift."
        ),
        unit=Unit.PERCENT,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=online_share,
        dimensions=("ward", "category", "team"),
        public=True,
        base=_received,
    ),
    Metric(
        key="phone_requests",
        name="Requests made by phone",
        description="Service requests an adviser recorded during a phone call.",
        unit=Unit.COUNT,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=lambda totals: Decimal(totals.received_by_channel.get(Channel.PHONE, 0)),
        dimensions=("ward", "category", "team"),
        public=True,
        higher_is_better=False,
        base=lambda totals: totals.received_by_channel.get(Channel.PHONE, 0),
    ),
    Metric(
        key="cost_per_transaction",
        name="Cost per transaction",
        description=(
            "Average cost of taking one request, using a unit cost per channel: SOCITM's £0.15 online, "
            "£2.83 by phone and £8.62 face to face; £2.83 for email and £0.50 for the kiosk are our assumptions."
        ),
        unit=Unit.POUNDS,
        owner="Head of Finance",
        source=Source.REQUESTS,
        compute=cost_per_transaction,
        dimensions=("ward", "category", "team", "channel"),
        public=True,
        higher_is_better=False,
        base=_received,
    ),
    Metric(
        key="saving_against_phone",
        name="Saving against taking every request by phone",
        description=(
            "What the requests would have cost had every one been a phone call, minus what they cost "
            "through the channels residents actually used."
        ),
        unit=Unit.POUNDS,
        owner="Head of Finance",
        source=Source.REQUESTS,
        compute=saving_against_all_phone,
        dimensions=("ward", "category", "team", "channel"),
        public=True,
        base=_received,
    ),
    Metric(
        key="sla_compliance",
        name="Closed within target time",
        description=(
            "Share of requests closed with an outcome (not duplicates or cancellations) on or before their "
            "target time, with time the clock was paused for the resident's reply added."
        ),
        unit=Unit.PERCENT,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=lambda totals: _ratio(totals.get("sla_met"), totals.get("closed_resolved")),
        dimensions=REQUEST_DIMENSIONS,
        public=True,
        base=lambda totals: totals.get("closed_resolved"),
    ),
    Metric(
        key="first_time_resolution",
        name="Fixed first time",
        description=(
            "Share of fixed requests that were fixed without being reopened and without anyone reporting "
            "the same problem again (a repeat report marked as its duplicate)."
        ),
        unit=Unit.PERCENT,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=lambda totals: _ratio(totals.get("fixed_first_time"), totals.get("fixed")),
        dimensions=REQUEST_DIMENSIONS,
        public=True,
        base=lambda totals: totals.get("fixed"),
    ),
    Metric(
        key="time_to_close",
        name="Average time to close",
        description="Mean time from receipt to closure, in days, of requests closed with an outcome.",
        unit=Unit.DAYS,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=_mean_days_to_close,
        dimensions=REQUEST_DIMENSIONS,
        public=True,
        higher_is_better=False,
        base=lambda totals: totals.get("closed_resolved"),
    ),
    Metric(
        key="reopened_rate",
        name="Reopened",
        description="Share of requests closed with an outcome that had been reopened at least once before.",
        unit=Unit.PERCENT,
        owner=SERVICE_OWNER,
        source=Source.REQUESTS,
        compute=lambda totals: _ratio(totals.get("reopened"), totals.get("closed_resolved")),
        dimensions=REQUEST_DIMENSIONS,
        public=True,
        higher_is_better=False,
        base=lambda totals: totals.get("closed_resolved"),
    ),
    Metric(
        key="account_signups",
        name="New resident accounts",
        description="Resident accounts opened (staff accounts are not counted).",
        unit=Unit.COUNT,
        owner="Head of Digital",
        source=Source.ACCOUNTS,
        compute=_count("signups"),
        public=True,
        higher_is_better=True,
        base=lambda totals: totals.get("signups"),
    ),
    Metric(
        key="active_residents",
        name="Residents using their account",
        description="Different residents who signed in to their account at least once in the period.",
        unit=Unit.COUNT,
        owner="Head of Digital",
        source=Source.ACCOUNTS,
        compute=_count("active"),
        public=True,
        base=lambda totals: totals.get("active"),
    ),
    Metric(
        key="manager_dashboard_use",
        name="Managers using dashboards",
        description="Share of team managers who opened an Insight dashboard at least once in the period.",
        unit=Unit.PERCENT,
        owner="Head of Digital",
        source=Source.DASHBOARDS,
        compute=lambda totals: _ratio(totals.get("managers_viewing"), totals.get("managers")),
        public=True,
        base=lambda totals: totals.get("managers"),
    ),
    Metric(
        key="datasets_published",
        name="Open datasets published",
        description="Datasets the council published on its open data portal for the first time in the period.",
        unit=Unit.COUNT,
        owner="Head of Digital",
        source=Source.OPEN_DATA,
        compute=_count("published"),
        public=True,
        base=lambda totals: totals.get("published"),
        about_people=False,
    ),
    Metric(
        key="data_quality_issues_open",
        name="Data quality issues open",
        description=(
            "Problems found in the records of the council's systems (missing or invalid values, likely "
            "duplicates, conflicts between systems) not yet corrected at the end of the period."
        ),
        unit=Unit.COUNT,
        owner="Head of Data and Insight",
        source=Source.DATA_QUALITY,
        compute=_count("open"),
        public=True,
        higher_is_better=False,
        base=lambda totals: totals.get("open"),
        about_people=False,
    ),
    Metric(
        key="data_quality_time_to_correct",
        name="Time to correct data quality issues",
        description="Mean days from finding a data quality issue to correcting it, for issues corrected in the period.",
        unit=Unit.DAYS,
        owner="Head of Data and Insight",
        source=Source.DATA_QUALITY,
        compute=lambda totals: _ratio(totals.get("correction_seconds"), totals.get("corrected") * 86400, scale=1),
        public=True,
        higher_is_better=False,
        base=lambda totals: totals.get("corrected"),
        about_people=False,
    ),
):
    register(_metric)
