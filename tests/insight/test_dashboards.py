"""Staff dashboards and the public performance page over HTTP (issue 8, checks 1, 4 and 6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.insight.conftest import History, at
from tests.service_requests.test_backoffice_queue import make_staff, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.insight import metrics as registry
from townhall.insight import selectors, services
from townhall.insight.models import DashboardView, ForecastRun, SignInDay
from townhall.notify.models import OutboxMessage
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import ServiceRequest

pytestmark = pytest.mark.django_db

LONDON_RANGE = {"date_from": "2026-01-01", "date_to": "2026-03-31"}


@pytest.fixture
def manager(history: History) -> User:
    return make_staff("manager@example.gov.uk", StaffRole.TEAM_MANAGER)


def _metric(key: str) -> registry.Metric:
    metric = registry.metric(key)
    assert metric is not None
    return metric


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _table_rows(html: str, caption: str) -> dict[str, str]:
    """{row heading: first cell} of the table with this caption."""
    table = re.search(rf"<caption[^>]*>\s*{re.escape(caption)}.*?</table>", html, re.S)
    assert table, f"no table captioned {caption!r}"
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">(.*?)</th>\s*<td[^>]*>(.*?)</td>', table.group(0), re.S
    )
    return {label.strip(): value.strip() for label, value in rows}


def _received_in(ward_id: int | None = None, channel: str = "") -> int:
    rows = ServiceRequest.objects.filter(
        received_at__gte=at(dt.date(2026, 1, 1), 0), received_at__lt=at(dt.date(2026, 4, 1), 0)
    )
    if ward_id:
        rows = rows.filter(ward_id=ward_id)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.count()


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="everything"),
        pytest.param({"channel": Channel.WEB}, id="web"),
        pytest.param({"channel": Channel.PHONE}, id="phone"),
    ],
)
def test_ward_breakdown_table_and_csv_match_the_database(
    history: History, manager: User, extra: dict[str, str]
) -> None:
    client = signed_in(manager)
    query = {**LONDON_RANGE, **extra, "metric": "requests_received", "by": "ward"}

    page = client.get("/staff/insight/metrics/", query)
    table = _table_rows(page.content.decode(), "Requests received by ward: the figures")
    rows = _csv(client.get("/staff/insight/metrics/csv/", {**query, "view": "breakdown"}))

    for ward in (history.borough.northfield, history.borough.southfield):
        expected = _received_in(ward.pk, extra.get("channel", ""))
        assert table[ward.name] == f"{expected:,}"
        assert next(r for r in rows if r["ward"] == ward.name)["requests_received"] == str(expected)
    assert sum(int(r["requests_received"]) for r in rows) == _received_in(channel=extra.get("channel", ""))


def test_monthly_series_csv_matches_the_database(history: History, manager: User) -> None:
    client = signed_in(manager)
    rows = _csv(
        client.get(
            "/staff/insight/metrics/csv/",
            {
                **LONDON_RANGE,
                "metric": "requests_received",
                "view": "series",
                "grain": "month",
                "ward": history.borough.northfield.pk,
            },
        )
    )

    assert [r["key"] for r in rows] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    for row, month in zip(rows, (1, 2, 3), strict=True):
        start = at(dt.date(2026, month, 1), 0)
        end = at(dt.date(2026, month + 1, 1), 0)
        expected = ServiceRequest.objects.filter(
            ward=history.borough.northfield, received_at__gte=start, received_at__lt=end
        ).count()
        assert row["requests_received"] == str(expected)


def test_cards_csv_holds_every_metric_with_comparisons(history: History, manager: User) -> None:
    rows = _csv(signed_in(manager).get("/staff/insight/metrics/csv/", LONDON_RANGE))

    by_key = {r["metric"]: r for r in rows}
    assert by_key["requests_received"]["value"] == str(_received_in())
    assert by_key["requests_received"]["previous_period"] == "0"  # nothing before 1 January
    online = ServiceRequest.objects.filter(channel__in=[Channel.WEB, Channel.OPEN311]).count()
    assert Decimal(by_key["online_share"]["value"]) == (Decimal(online) * 100 / _received_in()).quantize(
        Decimal("0.0001")
    )


def test_overview_and_area_pages_work_without_javascript(history: History, manager: User) -> None:
    client = signed_in(manager)
    for path in ("/staff/insight/", f"/staff/insight/areas/{history.pothole.group_id}/"):
        html = client.get(path, LONDON_RANGE).content.decode()
        figures = html.count('class="insight-figure"')
        assert figures >= 4, path
        assert html.count("<svg") >= figures, "every chart is drawn on the server"
        assert html.count("<table") >= figures, "every chart has a table"
        assert html.count("Download these figures (CSV)") == figures
        assert "INVALID_TEMPLATE_VARIABLE" not in html


def test_an_unknown_service_area_or_metric_is_not_found(history: History, manager: User) -> None:
    client = signed_in(manager)
    assert client.get("/staff/insight/areas/999999/").status_code == 404
    assert client.get("/staff/insight/metrics/?metric=nope").status_code == 404
    assert client.get("/staff/insight/metrics/csv/?metric=requests_received&view=breakdown&by=nope").status_code == 404


def test_bad_dates_are_explained_and_the_default_range_is_kept(history: History, manager: User) -> None:
    response = signed_in(manager).get("/staff/insight/", {"date_from": "2026-02-30", "date_to": "2026-01-01"})

    assert response.status_code == 200
    assert "From must be a real date" in response.content.decode()


def test_residents_cannot_reach_insight(history: History, resident: User) -> None:
    client = Client()
    client.force_login(resident)
    for path in (
        "/staff/insight/",
        "/staff/insight/metrics/",
        "/staff/insight/metrics/csv/",
        "/staff/insight/forecasts/",
    ):
        assert client.get(path).status_code == 404, path


def test_pinning_puts_a_metric_on_the_managers_own_overview(history: History, manager: User) -> None:
    client = signed_in(manager)
    client.post("/staff/insight/pins/", {"metric": "sla_compliance", "return_to": "/staff/insight/"})

    html = client.get("/staff/insight/").content.decode()
    pinned = html.split("Your pinned metrics")[1].split("Key figures")[0]
    assert "Closed within target time" in pinned

    client.post("/staff/insight/pins/", {"metric": "sla_compliance", "action": "unpin"})
    assert "Your pinned metrics" not in client.get("/staff/insight/").content.decode()
    assert client.post("/staff/insight/pins/", {"metric": "nope"}).status_code == 404


def test_dashboard_use_by_managers_is_measured(history: History, manager: User) -> None:
    officer = make_staff("case@example.gov.uk", StaffRole.CASE_OFFICER)
    make_staff("other.manager@example.gov.uk", StaffRole.TEAM_MANAGER)
    signed_in(manager).get("/staff/insight/")
    signed_in(officer).get("/staff/insight/")

    assert DashboardView.objects.filter(as_manager=True).count() == 1
    today = timezone.localdate()
    metric = selectors.metric_value(
        _metric("manager_dashboard_use"),
        selectors.Filters(start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1)),
    )
    assert metric == Decimal(50)  # one of two managers


def test_a_resident_signing_in_counts_as_active_once_a_day(resident: User) -> None:
    client = Client()
    client.force_login(resident)
    client.force_login(resident)

    assert SignInDay.objects.filter(user=resident).count() == 1


def test_threshold_alert_emails_its_owner_once_a_day(history: History, manager: User) -> None:
    client = signed_in(manager)
    response = client.post("/staff/insight/alerts/", {"metric": "requests_received", "kind": "above", "threshold": "0"})
    assert response.status_code == 302
    yesterday = dt.date(2026, 3, 15)
    assert selectors.metric_value(_metric("requests_received"), selectors.Filters(start=yesterday, end=yesterday)), (
        "the fixture must have a request that day"
    )

    assert services.alerts_check(today=yesterday + dt.timedelta(days=1)) == 1
    assert services.alerts_check(today=yesterday + dt.timedelta(days=1)) == 0
    message = OutboxMessage.objects.get(destination=manager.email)
    assert "Requests received went above 0 yesterday" in message.payload["text"]


def test_alert_form_explains_a_missing_threshold(history: History, manager: User) -> None:
    response = signed_in(manager).post("/staff/insight/alerts/", {"metric": "requests_received", "kind": "below"})

    assert response.status_code == 200
    assert "Enter the threshold" in response.content.decode()


def test_someone_elses_alert_cannot_be_removed(history: History, manager: User) -> None:
    other = make_staff("other@example.gov.uk", StaffRole.TEAM_MANAGER)
    rule = services.alert_rule_create(owner=other, metric_key="requests_received", kind="above", threshold=Decimal(1))

    assert signed_in(manager).post(f"/staff/insight/alerts/{rule.pk}/").status_code == 404


def test_public_page_withholds_ward_counts_under_five(history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    """March 2026 is "last month" on 1 April: wards with 1 to 4 reports show "Fewer than 5"."""
    import townhall.insight.public_views as public_views

    monkeypatch.setattr(public_views.timezone, "localdate", lambda: dt.date(2026, 4, 1))
    in_march = {"received_at__gte": at(dt.date(2026, 3, 1), 0), "received_at__lt": at(dt.date(2026, 4, 1), 0)}
    south = ServiceRequest.objects.filter(ward=history.borough.southfield, **in_march).order_by("pk")
    ServiceRequest.objects.filter(pk__in=list(south.values_list("pk", flat=True)[3:])).delete()
    services.rollups_refresh(full=True, now=at(dt.date(2026, 4, 1)))
    march = {
        ward: ServiceRequest.objects.filter(ward=ward, **in_march).count()
        for ward in (history.borough.northfield, history.borough.southfield)
    }
    assert march[history.borough.southfield] == 3
    assert march[history.borough.northfield] >= 5

    html = Client().get("/performance/").content.decode()
    wards = _table_rows(html, "Reports received in each ward")
    assert wards["Southfield"] == "Fewer than 5"
    assert wards["Northfield"] == f"{march[history.borough.northfield]:,}"
    assert f">{march[history.borough.southfield]}<" not in html.split("Reports received in each ward")[1]

    payload = json.loads(Client().get("/performance/measures.json").content)
    for figure in payload["figures"]:
        if figure["withheld"]:
            assert figure["value"] is None
    rows = list(csv.DictReader(io.StringIO(Client().get("/performance/measures.csv").content.decode())))
    assert {r["month"] for r in rows} >= {"2026-01", "2026-03"}
    received = {r["month"]: r["value"] for r in rows if r["metric"] == "requests_received"}
    assert received["2026-03"] == str(sum(march.values()))


def test_public_page_lists_measures_it_cannot_compute() -> None:
    html = Client().get("/performance/").content.decode()

    assert "Reduced number of data breaches</strong>: not measured by this system" in html
    assert html.count("not measured by this system") >= 10


def test_forecast_alert_fires_when_last_week_left_the_forecast_range(history: History, manager: User) -> None:
    """Week of 16 March 2026: a forecast of 0.5 to 1 requests; the fixture received more than that."""
    week = dt.date(2026, 3, 16)
    received = selectors.metric_value(
        _metric("requests_received"), selectors.Filters(start=week, end=week + dt.timedelta(days=6))
    )
    assert received is not None
    assert received > 1
    run = services.forecast_store(
        method="arima_fourier", horizon_weeks=1, history_weeks=104, backtest={}, points=[("all", week, 0.8, 0.5, 1.0)]
    )
    ForecastRun.objects.filter(pk=run.pk).update(created_at=at(week - dt.timedelta(days=2)))
    services.alert_rule_create(owner=manager, metric_key="requests_received", kind="outside_forecast", threshold=None)

    assert services.alerts_check(today=week + dt.timedelta(days=8)) == 1
    message = OutboxMessage.objects.get(destination=manager.email)
    assert "outside the forecast range 0 to 1 last week" in message.payload["text"]


def test_counts_of_datasets_are_not_withheld_like_counts_of_people(monkeypatch: pytest.MonkeyPatch) -> None:
    """One dataset published in March: the public figure says 1, where 1 report would say "Fewer than 5"."""
    import townhall.insight.public_views as public_views
    from tests.opendata.ckan_fixtures import make_catalogue
    from townhall.opendata.models import Dataset

    make_catalogue()
    Dataset.objects.update(published_at=None)
    Dataset.objects.filter(name="street-trees").update(published_at=at(dt.date(2026, 3, 10)))
    monkeypatch.setattr(public_views.timezone, "localdate", lambda: dt.date(2026, 4, 1))

    payload = json.loads(Client().get("/performance/measures.json").content)
    march = next(f for f in payload["figures"] if f["metric"] == "datasets_published" and f["month"] == "2026-03")

    assert march["value"] == 1
    assert march["withheld"] is False
