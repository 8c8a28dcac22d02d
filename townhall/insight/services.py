"""Every write Insight makes: rollup refreshes, usage records, pins, alert rules and stored forecasts."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role, roles_of
from townhall.insight import metrics as metric_registry
from townhall.insight import selectors
from townhall.insight.models import (
    AlertRule,
    DashboardView,
    ForecastPoint,
    ForecastRun,
    PinnedMetric,
    RequestDay,
    RequestWardDay,
    RollupState,
    SignInDay,
)
from townhall.notify import services as notify_services
from townhall.service_requests import selectors as request_selectors
from townhall.service_requests.constants import FIXED_STATUSES, UNRESOLVED_CLOSURES

REQUESTS_ROLLUP = "requests"
# Days always rebuilt by a refresh, whatever changed: a request reopened within this window
# has left the day it was first closed on, which its own row no longer names.
REFRESH_WINDOW_DAYS = 35
# Changes are re-read from this long before the last one seen (transactions commit late).
LATE_COMMIT_MARGIN = dt.timedelta(minutes=15)


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(selectors.LONDON).date()


def request_days_rebuild(*, first_day: dt.date, last_day: dt.date) -> int:
    """Recompute the rollup rows of every London day in [first_day, last_day]; returns rows written.

    Rows are built from request facts and swapped in one transaction, so a dashboard
    reads either the old or the new figures for those days, never a half-written mix.
    """
    start = selectors.london_midnight(first_day)
    end = selectors.london_midnight(last_day + dt.timedelta(days=1))
    cells: dict[tuple[dt.date, int, int, int | None, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(selectors.MEASURES, 0)
    )
    for fact in request_selectors.request_facts(start=start, end=end):
        dims = (fact.category_id, fact.ward_id, fact.team_id, fact.channel)
        if start <= fact.received_at < end:
            cells[(_day(fact.received_at), *dims)]["received"] += 1
        if fact.closed_at is not None and start <= fact.closed_at < end:
            cell = cells[(_day(fact.closed_at), *dims)]
            cell["closed"] += 1
            if fact.status in UNRESOLVED_CLOSURES:
                continue
            cell["closed_resolved"] += 1
            cell["close_seconds"] += max(0, int((fact.closed_at - fact.received_at).total_seconds()))
            if fact.closed_at <= fact.sla_effective_due:
                cell["sla_met"] += 1
            if fact.first_time_resolved is False:
                cell["reopened"] += 1
            if fact.status in FIXED_STATUSES:
                cell["fixed"] += 1
                if fact.first_time_resolved and not fact.repeat_reported:
                    cell["fixed_first_time"] += 1
    rows = [
        RequestDay(day=day, category_id=category, ward_id=ward, team_id=team, channel=channel, **measures)
        for (day, category, ward, team, channel), measures in cells.items()
    ]
    ward_cells: dict[tuple[dt.date, int, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(selectors.MEASURES, 0)
    )
    for (day, _category, ward, _team, channel), measures in cells.items():
        summed = ward_cells[(day, ward, channel)]
        for name, value in measures.items():
            summed[name] += value
    ward_rows = [
        RequestWardDay(day=day, ward_id=ward, channel=channel, **measures)
        for (day, ward, channel), measures in ward_cells.items()
    ]
    with transaction.atomic():
        for model in (RequestDay, RequestWardDay):
            model.objects.filter(day__gte=first_day, day__lte=last_day).delete()
        RequestDay.objects.bulk_create(rows, batch_size=2000)
        RequestWardDay.objects.bulk_create(ward_rows, batch_size=2000)
    return len(rows)


def _day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days grouped into (first, last) runs, so each run is one rebuild."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def rollups_refresh(*, now: dt.datetime | None = None, full: bool = False) -> int:
    """Bring the request rollups up to date; returns rows written.

    The first run (or `full`) rebuilds every day that has requests. Later runs rebuild the
    last REFRESH_WINDOW_DAYS days plus the days on which any request created or changed
    since the previous run was received or closed. Changes are looked for from a little
    before the last one seen, so a transaction that committed late is not missed.
    """
    now = now or timezone.now()
    state, _ = RollupState.objects.get_or_create(name=REQUESTS_ROLLUP)
    first, last, latest_change, latest_id = request_selectors.requests_time_span()
    if first is None or last is None:
        RequestDay.objects.all().delete()
        RequestWardDay.objects.all().delete()
        state.refreshed_at, state.source_watermark, state.source_max_id = now, None, None
        state.save()
        return 0
    if full or state.source_watermark is None or state.source_max_id is None:
        runs = [(_day(first), max(_day(last), _day(now)))]
        RequestDay.objects.filter(day__lt=runs[0][0]).delete()
        RequestWardDay.objects.filter(day__lt=runs[0][0]).delete()
        watermark, max_id = latest_change, latest_id
    else:
        changes = request_selectors.requests_changed_since(
            since=state.source_watermark - LATE_COMMIT_MARGIN, after_id=state.source_max_id
        )
        today = _day(now)
        window = {today - dt.timedelta(days=n) for n in range(REFRESH_WINDOW_DAYS)}
        runs = _day_runs(changes.days | window)
        watermark = max(state.source_watermark, changes.latest_change or state.source_watermark)
        max_id = max(state.source_max_id, changes.latest_id or 0)
    written = sum(request_days_rebuild(first_day=a, last_day=b) for a, b in runs)
    state.refreshed_at, state.source_watermark, state.source_max_id = now, watermark, max_id
    state.save()
    return written


def sign_in_record(*, user: User, at: dt.datetime | None = None) -> None:
    """Note that a resident signed in today (staff sign-ins are not "residents using their account")."""
    if roles_of(user) or user.is_superuser:
        return
    SignInDay.objects.get_or_create(user=user, day=_day(at or timezone.now()))


def dashboard_view_record(*, user: User, dashboard: str) -> None:
    DashboardView.objects.create(
        user=user,
        dashboard=dashboard[:60],
        viewed_at=timezone.now(),
        as_manager=StaffRole.TEAM_MANAGER in roles_of(user),
    )


def metric_pin(*, user: User, metric_key: str) -> PinnedMetric:
    if metric_registry.metric(metric_key) is None:
        raise ValidationError({"metric": "There is no such metric."})
    pin, _ = PinnedMetric.objects.get_or_create(user=user, metric=metric_key, defaults={"pinned_at": timezone.now()})
    return pin


def metric_unpin(*, user: User, metric_key: str) -> bool:
    deleted, _ = PinnedMetric.objects.filter(user=user, metric=metric_key).delete()
    return bool(deleted)


def alert_rule_create(*, owner: User, metric_key: str, kind: str, threshold: Decimal | None) -> AlertRule:
    if metric_registry.metric(metric_key) is None:
        raise ValidationError({"metric": "There is no such metric."})
    if kind == AlertRule.Kind.OUTSIDE_FORECAST and metric_key != "requests_received":
        raise ValidationError({"kind": "Only requests received has a forecast to compare with."})
    rule = AlertRule(
        owner=owner,
        metric=metric_key,
        kind=kind,
        threshold=None if kind == AlertRule.Kind.OUTSIDE_FORECAST else threshold,
        created_at=timezone.now(),
    )
    rule.full_clean()
    rule.save()
    return rule


def alert_rule_delete(*, owner: User, rule_id: int) -> bool:
    deleted, _ = AlertRule.objects.filter(owner=owner, pk=rule_id).delete()
    return bool(deleted)


def _alert_message(rule: AlertRule, value: Decimal | None, detail: str) -> str:
    metric = metric_registry.metric(rule.metric)
    name = metric.name if metric else rule.metric
    shown = "no value" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{name} {detail}: {shown}.\n\nSee the Insight dashboards for the detail."


def alerts_check(*, today: dt.date | None = None) -> int:
    """Compare yesterday (thresholds) or last week (forecasts) with each active rule; email owners once a day.

    Messages go through notify's outbox, so a mail server that is down loses nothing.
    """
    today = today or timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    fired = 0
    for rule in AlertRule.objects.filter(active=True).select_related("owner"):
        if rule.last_fired_on == today or not has_role(rule.owner, *StaffRole.values):
            continue
        metric = metric_registry.metric(rule.metric)
        if metric is None:
            continue
        detail = ""
        if rule.kind == AlertRule.Kind.OUTSIDE_FORECAST:
            week_start = today - dt.timedelta(days=today.weekday() + 7)
            point = selectors.forecast_point_for_week(series="all", week_start=week_start)
            if point is None:
                continue
            value = selectors.metric_value(
                metric, selectors.Filters(start=week_start, end=week_start + dt.timedelta(days=6))
            )
            if value is not None and not (point.lower <= float(value) <= point.upper):
                detail = f"was outside the forecast range {point.lower:.0f} to {point.upper:.0f} last week"
        else:
            value = selectors.metric_value(metric, selectors.Filters(start=yesterday, end=yesterday))
            threshold = rule.threshold
            if value is not None and threshold is not None:
                if rule.kind == AlertRule.Kind.ABOVE and value > threshold:
                    detail = f"went above {threshold.normalize()} yesterday"
                elif rule.kind == AlertRule.Kind.BELOW and value < threshold:
                    detail = f"fell below {threshold.normalize()} yesterday"
        if not detail:
            continue
        with transaction.atomic():
            notify_services.email_enqueue(
                to=rule.owner.email,
                subject=f"Insight alert: {metric.name}",
                text=_alert_message(rule, value, detail),
                idempotency_key=f"insight-alert-{rule.pk}-{today.isoformat()}",
                related_type="insight.alertrule",
                related_id=rule.pk,
            )
            rule.last_fired_on = today
            rule.save(update_fields=["last_fired_on"])
        fired += 1
    return fired


def forecast_store(
    *,
    method: str,
    horizon_weeks: int,
    history_weeks: int,
    backtest: dict[str, object],
    points: Iterable[tuple[str, dt.date, float, float, float]],
) -> ForecastRun:
    """Keep one forecast run and its points (series, week start, mean, lower, upper) together or not at all."""
    with transaction.atomic():
        run = ForecastRun.objects.create(
            created_at=timezone.now(),
            method=method,
            horizon_weeks=horizon_weeks,
            history_weeks=history_weeks,
            backtest=backtest,
        )
        ForecastPoint.objects.bulk_create(
            ForecastPoint(run=run, series=s, week_start=w, mean=m, lower=lo, upper=hi) for s, w, m, lo, hi in points
        )
    return run


def forecast_run(*, horizon_weeks: int = 12, today: dt.date | None = None) -> ForecastRun | None:
    """Backtest the candidate methods on the rollups' weekly history, choose one, store its forecast.

    Only whole weeks up to the last complete one are used (a part week would look like a
    fall in demand). Series too short for the backtest are left out; None when none is long
    enough. The backtest's scores per series are stored beside the forecast, so every page
    showing a forecast can show how accurate the method was and whether it beat the
    seasonal-naive baseline.
    """
    from townhall.insight import forecasting  # pandas and statsforecast load only for this job

    today = today or timezone.localdate()
    last_sunday = today - dt.timedelta(days=today.weekday() + 1)
    series = forecasting.weekly_series(selectors.daily_received_series(), end=last_sunday)
    lengths = series.groupby("unique_id").size()
    long_enough = lengths[lengths >= forecasting.history_needed(horizon=horizon_weeks)].index
    series = series[series["unique_id"].isin(long_enough)]
    if series.empty:
        return None
    subdivision = settings.TOWNHALL_HOLIDAY_SUBDIVISION
    result = forecasting.backtest(series, horizon=horizon_weeks, subdivision=subdivision)
    method = forecasting.model_choose(result)
    scores = forecasting.accuracy(result, method)
    predicted = forecasting.forecast(series, method=method, horizon=horizon_weeks, level=80, subdivision=subdivision)
    return forecast_store(
        method=method,
        horizon_weeks=horizon_weeks,
        history_weeks=int(lengths.max()),
        backtest={
            "series": {
                str(row.unique_id): {
                    "mase": _finite(row.mase),
                    "smape": _finite(row.smape),
                    "baseline_mase": _finite(row.baseline_mase),
                    "baseline_smape": _finite(row.baseline_smape),
                    "beats_baseline": bool(row.beats_baseline),
                }
                for row in scores.itertuples()
            }
        },
        points=[
            (str(row.unique_id), row.ds.date(), float(row.forecast), float(row.lo_80), float(row.hi_80))
            for row in predicted.itertuples()
        ],
    )


def _finite(value: float) -> float | None:
    """NaN (a series with no seasonal-naive error to scale by) is stored as null."""
    return float(value) if math.isfinite(value) else None


def sign_in_days_add(*, days: Iterable[tuple[int, dt.date]]) -> int:
    """Record past sign-in days in bulk (the demo borough's history; imports from an older portal)."""
    rows = [SignInDay(user_id=user_id, day=day) for user_id, day in days]
    SignInDay.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)
