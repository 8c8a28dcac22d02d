"""Issue 8, check 4: every Insight dashboard and the public performance page in real Chromium.

Each page passes axe (no serious or critical issue), has the page furniture and reflows
at 320 CSS pixels; with JavaScript off the charts are still drawn (server-side SVG) and
every figure is in a table.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.insight import conftest as insight_fixtures
from tests.service_requests import conftest as service_fixtures
from townhall.accounts.models import User
from townhall.insight import services
from townhall.insight.models import AlertRule

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole
history = insight_fixtures.history

RANGE = "date_from=2026-01-01&date_to=2026-03-31"
STAFF_INSIGHT_PAGES = [
    pytest.param(f"/staff/insight/?{RANGE}", id="overview"),
    pytest.param(f"/staff/insight/?{RANGE}&grain=month&channel=web", id="overview-filtered"),
    pytest.param("/staff/insight/?date_from=2026-02-30", id="overview-filter-error"),
    pytest.param("/staff/insight/areas/{group}/?" + RANGE, id="service-area"),
    pytest.param("/staff/insight/metrics/", id="metric-catalogue"),
    pytest.param(f"/staff/insight/metrics/?metric=sla_compliance&by=team&{RANGE}", id="metric"),
    pytest.param("/staff/insight/metrics/?metric=active_residents", id="metric-without-dimensions"),
    pytest.param("/staff/insight/forecasts/", id="forecasts-none-yet"),
    pytest.param("/staff/insight/alerts/", id="alerts"),
]


@pytest.fixture
def insight_world(history: insight_fixtures.History, staff_with_mfa: User) -> insight_fixtures.History:
    services.metric_pin(user=staff_with_mfa, metric_key="online_share")
    services.alert_rule_create(
        owner=staff_with_mfa, metric_key="sla_compliance", kind=AlertRule.Kind.BELOW, threshold=Decimal(80)
    )
    services.forecast_store(
        method="AutoETS",
        horizon_weeks=2,
        history_weeks=104,
        backtest={
            "series": {
                "pothole": {
                    "mase": 0.8,
                    "smape": 30.0,
                    "baseline_mase": 1.1,
                    "baseline_smape": 40.0,
                    "beats_baseline": True,
                }
            }
        },
        points=[
            ("pothole", dt.date(2026, 4, 6), 10.0, 6.0, 14.0),
            ("pothole", dt.date(2026, 4, 13), 11.0, 6.5, 15.5),
        ],
    )
    return history


@pytest.mark.parametrize("path", STAFF_INSIGHT_PAGES)
def test_staff_insight_page(signed_in_context, staff_with_mfa: User, insight_world, path: str) -> None:  # type: ignore[no-untyped-def]
    path = path.format(group=insight_world.pothole.group_id)
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), path)
    check_page(page)


def test_forecast_page_with_a_forecast(signed_in_context, staff_with_mfa: User, insight_world) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), "/staff/insight/forecasts/")
    assert "Better than seasonal naive" in page.locator("main").inner_text()
    check_page(page)


def test_public_performance_page(signed_in_context, insight_world) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(None), "/performance/")
    check_page(page)
    details = page.locator("details", has_text="Requests received, by month: the figures as a table")
    assert not details.locator("table").is_visible()
    details.locator("summary").click()
    assert details.locator("table").is_visible()


def test_dashboards_work_without_javascript(signed_in_context, staff_with_mfa: User, insight_world) -> None:  # type: ignore[no-untyped-def]
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False)
    page = support.open_page(context, f"/staff/insight/?{RANGE}")
    figures = page.locator("figure.insight-figure")
    assert figures.count() >= 4
    for index in range(figures.count()):
        figure = figures.nth(index)
        assert figure.locator("svg").count() >= 1, "the chart is drawn on the server"
        assert figure.locator("table tbody tr").count() >= 1, "its figures are in a table"
    page.locator("main").get_by_label("Channel", exact=True).select_option("phone")
    page.locator("main").get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**channel=phone**")
    assert "Requests received" in page.locator("main").inner_text()


def test_charts_are_redrawn_in_the_page_when_javascript_runs(
    signed_in_context, staff_with_mfa: User, insight_world
) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), f"/staff/insight/?{RANGE}")
    holders = page.locator("[data-chart-spec]")
    assert holders.count() >= 4
    page.wait_for_function(
        "document.querySelectorAll('.insight-chart--interactive').length"
        " === document.querySelectorAll('[data-chart-spec]').length"
    )
    for index in range(holders.count()):
        holder = holders.nth(index)
        assert holder.get_attribute("aria-hidden") == "true", "the table stays the accessible version"
        assert holder.locator("svg").count() == 1, "the server's drawing is replaced, not doubled"
        assert holder.locator("svg.marks").count() == 1, "drawn by Vega in the page"
    received = page.locator("figure", has_text="Requests received").first
    received.locator("svg.marks .mark-rect path").first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible")
    assert "Requests received" in tooltip.inner_text()
    check_page(page)
