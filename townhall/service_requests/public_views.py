"""/reports/: the public list and map of reports, ward outlines, and email alerts for an area.

Only what the tracking page shows ever leaves here: reference, category, status, street,
ward and dates. Never the reporter, contact details, description, exact address or notes;
sensitive, non-public-category and unconfirmed reports are never listed
(selectors.public_reports decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.models import User
from townhall.core.pagination import pagination_context
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Resolution, resolution
from townhall.service_requests.models import ServiceRequest
from townhall.service_requests.public_forms import AreaAlertForm, ReportFilterForm, ReportFilters
from townhall.service_requests.report_views import public_status_label

PAGE_SIZE = 20
ALERT_EMAIL_SESSION_KEY = "area_alert_email"


@dataclass(frozen=True)
class PublicReportRow:
    reference: str
    title: str
    ward: str
    status: str
    kind: str  # open, fixed or closed: the marker and tag colour
    received_at: Any
    url: str
    lat: float
    lng: float


def report_title(report: ServiceRequest) -> str:
    """ "Pothole on Station Road": the category and the street (never the exact address)."""
    street = report.street.name if report.street is not None else ""
    return f"{report.category.name} on {street}" if street else report.category.name


def _kind(status: str) -> str:
    found = resolution(status)
    return {Resolution.FIXED: "fixed", Resolution.CLOSED_NOT_FIXED: "closed"}.get(found, "open")


def _row(report: ServiceRequest) -> PublicReportRow:
    return PublicReportRow(
        reference=report.reference,
        title=report_title(report),
        ward=report.ward.name,
        status=public_status_label(report.status),
        kind=_kind(report.status),
        received_at=report.received_at,
        url=reverse("report:track", args=[report.reference]),
        lat=report.lat,
        lng=report.lng,
    )


def _feed(filters: ReportFilters) -> tuple[str, str]:
    """The Atom feed matching the filters (ward first, then category, else all reports), and its title."""
    if filters.ward is not None:
        return reverse("public_reports:feed_ward", args=[filters.ward.code]), f"New reports in {filters.ward.name}"
    if filters.category is not None:
        url = reverse("public_reports:feed_category", args=[filters.category.service_code])
        return url, f"New reports: {filters.category.name}"
    return reverse("public_reports:feed_all"), "All new reports"


@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET, wards=list(selectors.wards()), categories=list(selectors.categories_public()))
    filters = form.filters()
    found = selectors.public_reports(
        ward=filters.ward, category=filters.category, status=filters.status, sort=filters.sort
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(report) for report in page.object_list]
    markers = [
        {
            "lat": row.lat,
            "lng": row.lng,
            "label": f"{row.title} ({row.reference})",
            "url": row.url,
            "kind": row.kind,
            "detail": f"{row.status}. {row.ward}. Reported {row.received_at:%d/%m/%Y}.",
        }
        for row in rows
    ]
    feed_url, feed_title = _feed(filters)
    return render(
        request,
        "service_requests/public/reports.html",
        {
            "filters": form,
            "rows": rows,
            "markers": markers,
            "page": page,
            "total": page.paginator.count,
            "filtered": any((filters.ward, filters.category, filters.status)),
            "feed_url": feed_url,
            "feed_title": feed_title,
            **pagination_context(page, request.GET),
        },
    )


@require_GET
@cache_control(public=True, max_age=3600)
def wards_geojson(request: HttpRequest) -> JsonResponse:
    """Every ward's outline for maps, as GeoJSON (public boundary data)."""
    return JsonResponse(selectors.ward_outlines_geojson(), content_type="application/geo+json")


# --- email alerts ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def alerts(request: HttpRequest) -> HttpResponse:
    user = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    form = AreaAlertForm(
        request.POST if request.method == "POST" else None,
        initial={"email": user.email if user is not None else ""},
        wards=list(selectors.wards()),
        categories=list(selectors.categories_public()),
    )
    if request.method == "POST" and form.is_valid():
        try:
            alert = services.area_alert_create(user=user, **form.service_arguments())
        except ValidationError as error:
            for name, problems in error.error_dict.items():
                field = {"radius_m": "radius"}.get(name, name)
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            request.session[ALERT_EMAIL_SESSION_KEY] = alert.email
            return redirect("public_reports:alert_sent")
    return render(request, "service_requests/public/alerts.html", {"form": form})


@require_GET
def alert_sent(request: HttpRequest) -> HttpResponse:
    email = request.session.get(ALERT_EMAIL_SESSION_KEY)
    if not email:
        return redirect("public_reports:alerts")
    return render(request, "service_requests/public/alert_sent.html", {"email": email})


@require_http_methods(["GET", "POST"])
def alert_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (so a mail scanner following links confirms nothing); POST confirms."""
    if request.method == "GET":
        return render(request, "service_requests/public/alert_confirm.html", {"token": token})
    try:
        alert = services.area_alert_confirm(token=token)
    except services.AreaAlertTokenError:
        return render(request, "service_requests/public/alert_link_invalid.html", status=400)
    return render(request, "service_requests/public/alert_confirmed.html", {"alert": alert})


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST carries no CSRF token
@require_http_methods(["GET", "POST"])
def alert_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button; POST (that button, or a mail client's RFC 8058 one-click request) unsubscribes."""
    try:
        alert = services.area_alert_for_unsubscribe(token=token)
    except services.AreaAlertTokenError:
        return render(request, "service_requests/public/alert_link_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "service_requests/public/alert_unsubscribe.html", {"alert": alert, "token": token})
    services.area_alert_unsubscribe(token=token)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse(status=200)
    return render(request, "service_requests/public/alert_unsubscribed.html", {"alert": alert})
