"""Insight's own tables: daily rollups the dashboards read, stored forecasts, pins, alerts and usage.

Dashboards never scan service requests: `rollups.py` folds them into one row per day,
category, ward, team and channel, and every metric is a sum over those rows. Rollups
hold counts only, no person.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from townhall.accounts.models import Team, User
from townhall.places.models import Ward
from townhall.service_requests.models import Category


class RequestMeasures(models.Model):
    """The counts every request rollup holds, whatever it is split by."""

    received = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0, help_text="Closed that day, in any closing status.")
    closed_resolved = models.PositiveIntegerField(
        default=0, help_text="Closed that day with an outcome (fixed or not), excluding duplicates and cancellations."
    )
    fixed = models.PositiveIntegerField(default=0)
    fixed_first_time = models.PositiveIntegerField(
        default=0, help_text="Fixed, never reopened and with no repeat report marked as its duplicate."
    )
    reopened = models.PositiveIntegerField(default=0, help_text="Closed that day after having been reopened.")
    sla_met = models.PositiveIntegerField(default=0, help_text="Closed that day on or before the due time.")
    close_seconds = models.PositiveBigIntegerField(default=0, help_text="Sum of received-to-closed times.")

    class Meta:
        abstract = True


class RequestDay(RequestMeasures):
    """Service requests on one London day for one category, ward, team and channel.

    Received measures count requests received that day; closed measures count requests
    whose current closure falls on that day (a reopened request leaves its old closing
    day when the rollup for that day is refreshed).
    """

    day = models.DateField()
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=20)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["day", "category", "ward", "team", "channel"], name="insight_request_day_unique"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["day"], name="insight_request_day_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.category_id}/{self.ward_id}/{self.channel}"


class RequestWardDay(RequestMeasures):
    """The same measures summed over categories and teams: one row per day, ward and channel.

    About 20 times fewer rows than RequestDay, so the borough-wide and ward views (the
    overview, the public page) read this one; category and team views read RequestDay.
    """

    day = models.DateField()
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["day", "ward", "channel"], name="insight_request_ward_day_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["day"], name="insight_request_ward_day_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.ward_id}/{self.channel}"


class SignInDay(models.Model):
    """That a resident signed in on a day (one row per person per day), for "active users".

    Deleted with the account (see personal_data.py); only the daily count leaves this table.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["user", "day"], name="insight_sign_in_day_unique")]
        indexes: ClassVar = [models.Index(fields=["day"], name="insight_sign_in_day_day")]

    def __str__(self) -> str:
        return f"user {self.user_id} on {self.day}"


class RollupState(models.Model):
    """How far the rollups have been brought up to date (a single row per rollup)."""

    name = models.CharField(max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    source_watermark = models.DateTimeField(
        null=True, blank=True, help_text="Latest source change already folded in (service requests' updated_at)."
    )
    source_max_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Highest service request id already folded in (new requests are found by id)."
    )

    def __str__(self) -> str:
        return f"{self.name} refreshed {self.refreshed_at}"


class DashboardView(models.Model):
    """One staff member opening one dashboard: usage of dashboards is itself a metric."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    dashboard = models.CharField(max_length=60)
    viewed_at = models.DateTimeField()
    as_manager = models.BooleanField(default=False, help_text="The viewer held the team manager role.")

    class Meta:
        indexes: ClassVar = [models.Index(fields=["viewed_at"], name="insight_dashboard_view_at")]

    def __str__(self) -> str:
        return f"{self.dashboard} at {self.viewed_at}"


class PinnedMetric(models.Model):
    """A metric a member of staff pinned to their own dashboard."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=60)
    pinned_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["pinned_at", "pk"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["user", "metric"], name="insight_pin_unique")]

    def __str__(self) -> str:
        return f"{self.metric} pinned by {self.user_id}"


class AlertRule(models.Model):
    """Tell the owner when a metric crosses a threshold or leaves its forecast interval."""

    class Kind(models.TextChoices):
        ABOVE = "above", "Goes above the threshold"
        BELOW = "below", "Falls below the threshold"
        OUTSIDE_FORECAST = "outside_forecast", "Leaves the forecast interval"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=60)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    threshold = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    last_fired_on = models.DateField(null=True, blank=True, help_text="So one breach raises one message a day.")

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(kind="outside_forecast") | models.Q(threshold__isnull=False),
                name="insight_alert_threshold_needed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.kind} {self.threshold}"


class ForecastRun(models.Model):
    """One run of the weekly demand forecast, with the backtest that justifies it."""

    created_at = models.DateTimeField()
    method = models.CharField(max_length=60)
    horizon_weeks = models.PositiveSmallIntegerField()
    history_weeks = models.PositiveSmallIntegerField()
    backtest = models.JSONField(
        default=dict, help_text="Per series: MASE and sMAPE of the method and of seasonal naive."
    )

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.method} at {self.created_at}"


class ForecastPoint(models.Model):
    """One week's forecast for one series (a category, or a category in a ward group)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="points")
    series = models.CharField(max_length=120)
    week_start = models.DateField()
    mean = models.FloatField()
    lower = models.FloatField()
    upper = models.FloatField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "series", "week_start"], name="insight_forecast_point_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.week_start}: {self.mean:.1f}"
