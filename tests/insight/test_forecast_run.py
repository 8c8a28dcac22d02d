"""`townhall insight forecast`: backtest, choice and stored forecast from the rollups (issue 8, check 2 plumbing).

The accuracy of the methods themselves is tested in test_forecasting.py and measured on
the demo borough by bench/forecast_backtest.py; here, the job reads the rollups, keeps only
whole weeks, stores a forecast with its backtest scores, and the forecasts page shows both.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.template.defaultfilters import floatformat

from tests.service_requests.conftest import Borough, Teams, borough, pothole, roads, teams  # noqa: F401 - fixtures
from tests.service_requests.test_backoffice_queue import make_staff, signed_in
from townhall.accounts.constants import StaffRole
from townhall.insight import selectors, services
from townhall.insight.models import ForecastPoint, ForecastRun, RequestDay, RequestWardDay
from townhall.service_requests.models import Category

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # a Wednesday: the last whole week ended on Sunday 22 November


def _three_years_of_rollups(category: Category, ward_id: int) -> None:
    """Daily counts with a yearly cycle (more in winter) and a weekly one (fewer at weekends)."""
    first = TODAY - dt.timedelta(days=3 * 365)
    rows = []
    for n in range((TODAY - first).days + 1):
        day = first + dt.timedelta(days=n)
        level = 6 + 4 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)
        received = round(level * (0.4 if day.weekday() >= 5 else 1.0))
        rows.append(RequestDay(day=day, category=category, ward_id=ward_id, channel="web", received=received))
    RequestDay.objects.bulk_create(rows)
    RequestWardDay.objects.bulk_create(
        RequestWardDay(day=row.day, ward_id=ward_id, channel="web", received=row.received) for row in rows
    )


def test_forecast_job_stores_whole_week_forecasts_with_their_backtest(pothole: Category, borough: Borough) -> None:  # noqa: F811
    _three_years_of_rollups(pothole, borough.northfield.pk)

    run = services.forecast_run(horizon_weeks=12, today=TODAY)

    assert run is not None
    # Two wards: each is its own area (with four or more they are grouped west to east); only one has requests.
    assert set(run.backtest["series"]) == {"pothole", "all", "area:Northfield"}
    area_points = ForecastPoint.objects.filter(run=run, series="area:Northfield")
    assert area_points.count() == 12
    score = run.backtest["series"]["pothole"]
    assert score["mase"] is not None
    assert score["baseline_mase"] is not None
    weeks = sorted(set(ForecastPoint.objects.filter(run=run, series="pothole").values_list("week_start", flat=True)))
    assert weeks[0] == dt.date(2026, 11, 23), "the forecast starts with the week after the last whole one"
    assert len(weeks) == 12
    assert all(w.weekday() == 0 for w in weeks)
    for point in ForecastPoint.objects.filter(run=run):
        assert 0 <= point.lower <= point.mean <= point.upper
    summary = selectors.forecast_accuracy_summary(run=run)
    assert summary["series"] == 3
    assert summary["beats"] == sum(1 for s in run.backtest["series"].values() if s["beats_baseline"])


def test_forecast_page_shows_accuracy_and_officer_hours(pothole: Category, borough: Borough) -> None:  # noqa: F811
    _three_years_of_rollups(pothole, borough.northfield.pk)
    pothole.handling_minutes = 45
    pothole.save(update_fields=["handling_minutes"])
    run = services.forecast_run(horizon_weeks=12, today=TODAY)
    assert run is not None
    first = ForecastPoint.objects.filter(run=run, series="pothole").order_by("week_start").first()
    assert first is not None

    html = signed_in(make_staff("m@example.gov.uk", StaffRole.TEAM_MANAGER)).get("/staff/insight/forecasts/").content
    text = html.decode()

    assert "Backtest: MASE" in text
    assert f">{floatformat(first.mean * 45 / 60, 1)}<" in text, "officer hours = forecast x 45 minutes"
    # The borough and each area are drawn (band and line); the categories are tables only.
    charts = re.findall(r'data-chart-spec="(forecast-\d+-spec)"', text)
    assert len(charts) == 2, "one chart for the borough, one for the Northfield area"
    spec = json.loads(re.search(rf'<script id="{charts[0]}" type="application/json">(.*?)</script>', text, re.S)[1])
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]
    assert len(spec["data"]["values"]) == 12


def test_too_little_history_stores_nothing(pothole: Category, borough: Borough) -> None:  # noqa: F811
    RequestDay.objects.create(day=TODAY, category=pothole, ward=borough.northfield, channel="web", received=3)

    assert services.forecast_run(today=TODAY) is None
    call_command("insight", "forecast")
    assert not ForecastRun.objects.exists()


def test_wards_are_grouped_into_four_areas_west_to_east(db: None) -> None:
    from shapely.geometry import box

    from townhall.places import services as place_services
    from townhall.places.models import Ward

    place_services.wards_create(
        wards=[
            place_services.WardSpec(
                name=f"Ward {n}", code=f"E0509999{n}", boundary=box(-1.5 + n * 0.05, 54.5, -1.46 + n * 0.05, 54.54)
            )
            for n in range(6)
        ]
    )

    areas = selectors.ward_areas()
    names = {ward.name: areas[ward.pk] for ward in Ward.objects.all()}

    assert names["Ward 0"] == "West"
    assert names["Ward 5"] == "East"
    assert sorted(set(names.values())) == sorted(selectors.AREA_NAMES)


def test_forecast_if_missing_leaves_a_stored_forecast_alone(borough: Borough) -> None:  # noqa: F811
    services.forecast_store(method="AutoETS", horizon_weeks=1, history_weeks=104, backtest={"series": {}}, points=[])
    out = StringIO()

    call_command("insight", "forecast", "--if-missing", stdout=out)

    assert "already stored" in out.getvalue()
    assert ForecastRun.objects.count() == 1


def test_forecast_if_missing_runs_when_there_is_none(borough: Borough) -> None:  # noqa: F811
    out = StringIO()

    call_command("insight", "forecast", "--if-missing", stdout=out)

    assert "Not enough history" in out.getvalue(), "it tried: without requests there is nothing to forecast"
    assert ForecastRun.objects.count() == 0
