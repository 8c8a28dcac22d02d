"""The report journey's map: a point chosen on the location step's map (or the browser's location).

The location page (report_views.location) offers the map only when JavaScript runs
(assets/js/map.js); its hidden lat/lng form posts here. The point must fall inside one of
the council's wards, like a chosen address, and is stored in the draft the same way (no
UPRN; the nearest street names it).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from townhall.places import selectors as place_selectors
from townhall.service_requests import services
from townhall.service_requests.public_forms import MapPointForm
from townhall.service_requests.report_forms import PostcodeForm
from townhall.service_requests.report_views import Draft, _back, _draft_step

NO_POINT = "Choose a place on the map, or enter a postcode"


def point_description(*, street: str, ward: str) -> str:
    """How a map point reads in "check your answers" and on the request: "Near Station Road, Northfield"."""
    return f"Near {street}, {ward}" if street else f"A place on the map in {ward}"


@require_POST
@_draft_step("location")
def location_point(request: HttpRequest, draft: Draft) -> HttpResponse:
    form = MapPointForm(request.POST)
    error = NO_POINT
    if form.is_valid():
        lat, lng = form.cleaned_data["lat"], form.cleaned_data["lng"]
        ward = place_selectors.ward_for_point(lat=lat, lng=lng)
        if ward is None:
            error = services.outside_borough_message()
        else:
            street = place_selectors.nearest_street(lat=lat, lng=lng)
            draft.save(
                location={
                    "uprn": None,
                    "lat": lat,
                    "lng": lng,
                    "address": point_description(street=street.name if street else "", ward=ward.name),
                    "ward": ward.name,
                }
            )
            return redirect(draft.next_url(draft.category))
    return render(
        request,
        "service_requests/report/location.html",
        {
            "form": PostcodeForm(initial={"postcode": draft.data.get("postcode", "")}),
            "draft": draft,
            "back_url": _back(draft, "location"),
            "point_error": error,
            "page_has_errors": True,
        },
    )
