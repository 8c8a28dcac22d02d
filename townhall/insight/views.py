"""Staff dashboards under /staff/insight/: overview, service areas, metrics, forecasts and alerts.

Every staff role may read the dashboards (they hold counts, never a person); the
StaffAreaMiddleware has already required sign-in with MFA. Each page works without
JavaScript: the chart is a server-drawn SVG, the figures are in a table under it, and
the table downloads as CSV.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.insight import charts, presentation, selectors, services
from townhall.insight import metrics as metric_registry
from townhall.insight.forms import AlertRuleForm, InsightFilterForm
from townhall.insight.metrics import Metric
from townhall.insight.selectors import Filters
from townhall.service_requests import selectors as request_selectors

OVERVIEW_CARDS = (
    "requests_received",
    "requests_closed",
    "online_share",
    "cost_per_transaction",
    "saving_against_phone",
    "sla_compliance",
    "first_time_resolution",
    "time_to_close",
    "reopened_rate",
    "account_signups",
    "active_residents",
    "manager_dashboard_use",
)
AREA_CARDS = (
    "requests_received",
    "requests_closed",
    "online_share",
    "sla_compliance",
    "first_time_resolution",
    "time_to_close",
    "reopened_rate",
)
DIMENSION_HEADINGS = {"ward": "Ward", "category": "Category", "team": "Team", "channel": "Channel"}


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the staff middleware signs people in first
        raise Http404("Page not found")
    return user


def _metric_or_404(key: str) -> Metric:
    metric = metric_registry.metric(key)
    if metric is None:
        raise Http404("No such metric")
    return metric


def _query(request: HttpRequest, **extra: str) -> str:
    params = {k: v for k, v in request.GET.items() if k in InsightFilterForm.base_fields and v}
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


def _csv_href(request: HttpRequest, metric: Metric, view: str, **extra: str) -> str:
    return f"{reverse('insight:csv')}?{_query(request, metric=metric.key, view=view, **extra)}"


def _series_figure(
    request: HttpRequest,
    metric: Metric,
    filters: Filters,
    grain: str,
    fig_id: str,
    points: list[selectors.Point] | None = None,
) -> presentation.Figure:
    """A metric over time; pass `points` when they were computed together with other series."""
    points = points if points is not None else selectors.metric_series(metric, filters, grain=grain)
    title = f"{metric.name} by {grain}"
    return presentation.figure(
        id=fig_id,
        title=title,
        metric=metric,
        spec=charts.series_spec(metric, points, grain=grain, title=title),
        points=points,
        csv_href=_csv_href(request, metric, "series", grain=grain),
        key_heading=grain.capitalize(),
    )


def _breakdown_figure(
    request: HttpRequest, metric: Metric, filters: Filters, dimension: str, fig_id: str
) -> presentation.Figure:
    points = selectors.metric_breakdown(metric, filters, dimension=dimension)
    title = f"{metric.name} by {dimension}"
    return presentation.figure(
        id=fig_id,
        title=title,
        metric=metric,
        spec=charts.breakdown_spec(metric, points, title=title),
        points=points,
        csv_href=_csv_href(request, metric, "breakdown", by=dimension),
        key_heading=DIMENSION_HEADINGS[dimension],
    )


def _ward_map_figure(request: HttpRequest, metric: Metric, filters: Filters) -> presentation.Figure:
    points = selectors.metric_breakdown(metric, filters, dimension="ward")
    codes: dict[object, str] = {w.pk: w.code for w in request_selectors.wards()}
    values = {codes.get(p.key, ""): (None if p.value is None else float(p.value)) for p in points}
    title = f"{metric.name} by ward (map)"
    spec = charts.choropleth_spec(metric, request_selectors.ward_outlines_geojson(), values, title=title)
    return presentation.figure(
        id="ward-map",
        title=title,
        metric=metric,
        spec=spec,
        points=points,
        csv_href=_csv_href(request, metric, "breakdown", by="ward"),
        key_heading="Ward",
    )


def _dashboard_context(
    request: HttpRequest, form: InsightFilterForm, filters: Filters, cards: tuple[str, ...]
) -> dict[str, Any]:
    metrics = [m for key in cards if (m := metric_registry.metric(key)) is not None]
    return {
        "form": form,
        "filters": filters,
        "grain": form.chosen_grain(),
        "filtered": form.is_filtered(),
        "cards": presentation.card_views(selectors.metric_cards(metrics, filters)),
        "query": _query(request),
        "filter_action": request.path,
        "cards_csv_href": f"{reverse('insight:csv')}?{_query(request)}",
    }


@staff_role_required()
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = InsightFilterForm(request.GET or None)
    filters = form.filters()
    grain = form.chosen_grain()
    context = _dashboard_context(request, form, filters, OVERVIEW_CARDS)
    received, online, sla = (_metric_or_404(k) for k in ("requests_received", "online_share", "sla_compliance"))
    series = selectors.metric_series_many([received, online, sla], filters, grain=grain)
    pinned = [m for key in selectors.pinned_metric_keys(user=user) if (m := metric_registry.metric(key)) is not None]
    context.update(
        title="Insight overview",
        pinned=presentation.card_views(selectors.metric_cards(pinned, filters)) if pinned else [],
        figures=[
            _series_figure(request, received, filters, grain, "received", series[received.key]),
            _series_figure(request, online, filters, grain, "online", series[online.key]),
            _series_figure(request, sla, filters, grain, "sla", series[sla.key]),
            _breakdown_figure(request, received, filters, "channel", "channels"),
            _ward_map_figure(request, received, filters),
        ],
        areas=request_selectors.category_groups(),
        refreshed=selectors.rollup_refreshed_at(),
    )
    services.dashboard_view_record(user=user, dashboard="overview")
    return render(request, "insight/dashboard.html", context)


@staff_role_required()
@require_http_methods(["GET"])
def area(request: HttpRequest, group_id: int) -> HttpResponse:
    group = request_selectors.category_group_get(group_id=group_id)
    if group is None:
        raise Http404("No such service area")
    form = InsightFilterForm(request.GET or None)
    filters = form.filters(group_id=group.pk)
    grain = form.chosen_grain()
    context = _dashboard_context(request, form, filters, AREA_CARDS)
    received, sla = _metric_or_404("requests_received"), _metric_or_404("sla_compliance")
    series = selectors.metric_series_many([received, sla], filters, grain=grain)
    context.update(
        title=f"{group.name}: service dashboard",
        group=group,
        figures=[
            _series_figure(request, received, filters, grain, "received", series[received.key]),
            _series_figure(request, sla, filters, grain, "sla", series[sla.key]),
            _breakdown_figure(request, received, filters, "category", "categories"),
            _breakdown_figure(request, _metric_or_404("sla_compliance"), filters, "team", "teams"),
            _ward_map_figure(request, received, filters),
        ],
        areas=request_selectors.category_groups(),
        refreshed=selectors.rollup_refreshed_at(),
    )
    services.dashboard_view_record(user=_user(request), dashboard=f"area-{group.pk}")
    return render(request, "insight/dashboard.html", context)


@staff_role_required()
@require_http_methods(["GET"])
def metrics_page(request: HttpRequest) -> HttpResponse:
    """Without `metric`: the catalogue of every metric. With it: that metric over time and split."""
    key = request.GET.get("metric", "")
    if not key:
        return render(request, "insight/metric_list.html", {"metrics": metric_registry.metrics()})
    metric = _metric_or_404(key)
    form = InsightFilterForm(request.GET)
    filters = form.filters()
    grain = form.chosen_grain()
    dimension = request.GET.get("by", "")
    if dimension not in metric.dimensions:
        dimension = metric.dimensions[0] if metric.dimensions else ""
    figures = [_series_figure(request, metric, filters, grain, "series")]
    if dimension:
        figures.append(_breakdown_figure(request, metric, filters, dimension, "breakdown"))
    user = _user(request)
    services.dashboard_view_record(user=user, dashboard=f"metric-{metric.key}")
    return render(
        request,
        "insight/metric_detail.html",
        {
            "metric": metric,
            "form": form,
            "filtered": form.is_filtered(),
            "figures": figures,
            "card": presentation.card_views(selectors.metric_cards([metric], filters))[0],
            "filters": filters,
            "dimension": dimension,
            "dimension_links": [
                (d, DIMENSION_HEADINGS[d], f"?{_query(request, metric=metric.key, by=d)}") for d in metric.dimensions
            ],
            "pinned": metric.key in selectors.pinned_metric_keys(user=user),
            "return_to": request.get_full_path(),
        },
    )


@staff_role_required()
@require_http_methods(["GET"])
def metrics_csv(request: HttpRequest) -> HttpResponse:
    """CSV of a chart's data (`metric` and `view`), or of every metric's card when no metric is named."""
    form = InsightFilterForm(request.GET)
    filters = form.filters()
    key = request.GET.get("metric", "")
    if not key:
        cards = selectors.metric_cards(metric_registry.metrics(), filters)
        body = presentation.csv_text(
            ["metric", "name", "unit", "value", "previous_period", "same_period_last_year", "from", "to"],
            (
                [
                    c.metric.key,
                    c.metric.name,
                    c.metric.unit,
                    presentation.csv_value(c.value),
                    presentation.csv_value(c.previous),
                    presentation.csv_value(c.last_year),
                    filters.start.isoformat(),
                    filters.end.isoformat(),
                ]
                for c in cards
            ),
        )
        filename = f"insight-{filters.start}-{filters.end}.csv"
    else:
        metric = _metric_or_404(key)
        if request.GET.get("view") == "breakdown":
            dimension = request.GET.get("by", "")
            if dimension not in metric.dimensions:
                raise Http404("This metric cannot be split that way")
            points = selectors.metric_breakdown(metric, filters, dimension=dimension)
            body = presentation.points_csv(metric, points, key_heading=dimension)
            filename = f"{metric.key}-by-{dimension}-{filters.start}-{filters.end}.csv"
        else:
            grain = form.chosen_grain()
            points = selectors.metric_series(metric, filters, grain=grain)
            body = presentation.points_csv(metric, points, key_heading=grain)
            filename = f"{metric.key}-by-{grain}-{filters.start}-{filters.end}.csv"
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_role_required()
@require_POST
def pin_toggle(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    key = request.POST.get("metric", "")
    metric = _metric_or_404(key)
    if request.POST.get("action") == "unpin":
        services.metric_unpin(user=user, metric_key=key)
        messages.success(request, f"{metric.name} is no longer pinned to your overview")
    else:
        services.metric_pin(user=user, metric_key=key)
        messages.success(request, f"{metric.name} is pinned to the top of your overview")
    back = request.POST.get("return_to", "")
    return redirect(back if back.startswith("/staff/insight/") else reverse("insight:overview"))


@staff_role_required()
@require_http_methods(["GET", "POST"])
def alerts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AlertRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_rule_create(
                owner=user,
                metric_key=form.cleaned_data["metric"],
                kind=form.cleaned_data["kind"],
                threshold=form.cleaned_data.get("threshold"),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, "Alert set up. We will email you when it fires, at most once a day.")
            return redirect("insight:alerts")
    rules = [(rule, metric_registry.metric(rule.metric)) for rule in selectors.alert_rules_for(owner=user)]
    return render(request, "insight/alerts.html", {"form": form, "rules": rules})


@staff_role_required()
@require_POST
def alert_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    if not services.alert_rule_delete(owner=_user(request), rule_id=rule_id):
        raise Http404("No such alert")
    messages.success(request, "Alert removed")
    return redirect("insight:alerts")


@staff_role_required()
@require_http_methods(["GET"])
def forecasts(request: HttpRequest) -> HttpResponse:
    run = selectors.forecast_latest()
    context: dict[str, Any] = {"run": run}
    if run is not None:
        overview = selectors.forecast_overview(run=run)
        context["summary"] = overview["summary"]
        context["rows"] = presentation.forecast_rows_charted(
            overview["rows"],
            charted=lambda series: series == selectors.ALL_SERIES or series.startswith(selectors.AREA_PREFIX),
        )
    services.dashboard_view_record(user=_user(request), dashboard="forecasts")
    return render(request, "insight/forecasts.html", context)
