"""The Open311 GeoReport v2 server (/open311/v2/): parse, call service_requests' services and selectors, render.

Every endpoint answers in JSON or XML by its suffix. Only public requests in public
categories are listed, and only public fields: never the reporter's name, email, phone
or account, internal notes, or staff assignments. `jurisdiction_id` is accepted and
ignored: one Townhall is one council.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from townhall.open311 import selectors as open311_selectors
from townhall.open311.forms import MAX_RESULTS, CreateRequestForm, RequestsQueryForm, attributes, form_errors
from townhall.open311.renderers import XML, render, render_errors, w3c_datetime
from townhall.places import selectors as place_selectors
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Channel, open311_status
from townhall.service_requests.models import Category, Question, ServiceRequest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this server's Open311 behaviour last changed (discovery's changeset).
CHANGESET = "2026-11-30T00:00:00+00:00"
SERVICE_TYPE = "realtime"  # service_request_create returns the request at once


def _service_row(category: Category, *, has_questions: bool) -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": has_questions,
        "type": SERVICE_TYPE,
        "keywords": ",".join(category.keyword_list()) or None,
        "group": category.group.name,
    }


def _attribute_row(question: Question) -> dict[str, Any]:
    row: dict[str, Any] = {
        "variable": True,
        "code": question.code,
        "datatype": question.datatype,
        "required": question.required,
        "datatype_description": question.hint or None,
        "order": question.order,
        "description": question.label,
    }
    row["values"] = [{"key": choice.key, "name": choice.name} for choice in question.choices.all()]
    return row


def _request_row(service_request: ServiceRequest) -> dict[str, Any]:
    """Public fields only (see selectors.public_service_requests)."""
    description = service_request.description[:4000] or None
    return {
        "service_request_id": service_request.reference,
        "status": open311_status(service_request.status).value,
        "status_notes": getattr(service_request, "latest_public_message", None) or None,
        "service_name": service_request.category.name,
        "service_code": service_request.category.service_code,
        "description": description,
        "agency_responsible": settings.TOWNHALL_BRANDING.council_name,
        "service_notice": None,
        "requested_datetime": w3c_datetime(service_request.received_at),
        "updated_datetime": w3c_datetime(service_request.updated_at),
        "expected_datetime": w3c_datetime(service_request.sla_due_at),
        "address": service_request.address_string or None,
        "address_id": str(service_request.uprn) if service_request.uprn is not None else None,
        "zipcode": None,
        "lat": service_request.lat,
        "long": service_request.lng,
        "media_url": None,
    }


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    body = {
        "changeset": CHANGESET,
        "contact": settings.TOWNHALL_BRANDING.council_name,
        "key_service": "Ask the council for an API key to submit requests.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = list(selectors.categories_reportable())
    with_questions = selectors.category_ids_with_questions()
    rows = [_service_row(category, has_questions=category.pk in with_questions) for category in categories]
    return render(fmt, "services", rows)


@require_GET
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    category = selectors.categories_reportable().filter(service_code=service_code).first()
    if category is None:
        return render_errors(fmt, 404, [f"Service code {service_code} not found"])
    questions = selectors.category_questions(category=category)
    body = {"service_code": category.service_code, "attributes": [_attribute_row(q) for q in questions]}
    return render(fmt, "service_definition", body)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    form = RequestsQueryForm(request.GET)
    if not form.is_valid():
        return render_errors(fmt, 400, form_errors(form))
    wanted = form.request_filter(now=timezone.now())
    found = selectors.public_service_requests_search(
        references=wanted.references,
        service_codes=wanted.service_codes,
        received_from=wanted.start,
        received_to=wanted.end,
        open311_statuses=wanted.statuses,
        limit=MAX_RESULTS,
    )
    rows = [_request_row(item) for item in found]
    return render(fmt, "service_requests", rows)


@require_GET
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    found = selectors.public_service_requests().filter(reference=service_request_id.strip().upper()).first()
    if found is None:
        return render_errors(fmt, 404, [f"Service request {service_request_id} not found"])
    return render(fmt, "service_requests", [_request_row(found)])


@require_GET
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    found = open311_selectors.token_get(token=token)
    if found is None:
        return render_errors(fmt, 404, [f"Token {token} not found"])
    reference = found.service_request.reference if found.service_request is not None else None
    return render(fmt, "service_requests", [{"service_request_id": reference, "token": found.token}])


def not_found(request: HttpRequest, path: str) -> HttpResponse:
    fmt = XML if path.endswith(".xml") else "json"
    return render_errors(fmt, 404, ["No such Open311 endpoint"])


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    form = CreateRequestForm(request.POST)
    raw_key = request.POST.get("api_key", "")
    api_key = open311_selectors.api_key_for(raw_key=raw_key) if raw_key else None
    if raw_key and (api_key is None or api_key.is_revoked):
        return render_errors(fmt, 403, ["Invalid api_key"])
    if not form.is_valid():
        return render_errors(fmt, 400, form_errors(form))
    data = form.cleaned_data
    category = selectors.categories_reportable().filter(service_code=data["service_code"]).first()
    if category is None:
        return render_errors(fmt, 400, [f"service_code: {data['service_code']} is not a service"])
    # Clients send their own extra attributes too (FixMyStreet: fixmystreet_id, title,
    # report_url, easting, northing...): only the category's questions are answers.
    uprn = data["address_id"]
    if uprn is None and data["lat"] is None and data["address_string"]:
        # Only an address: place the request at it when it names exactly one address in the gazetteer.
        matches = place_selectors.address_search(query=data["address_string"], limit=2)
        if len(matches) != 1:
            return render_errors(
                fmt, 400, ["address_string: no single address in the borough matches; send lat and long instead"]
            )
        uprn = matches[0].uprn
    codes = {question.code for question in selectors.category_questions(category=category)}
    answers = {code: values if len(values) > 1 else values[0] for code, values in attributes(request.POST).items()}
    try:
        created = services.service_request_create(
            acting_user=None,
            category=category,
            description=data["description"],
            channel=Channel.OPEN311,
            lat=data["lat"],
            lng=data["long"],
            uprn=uprn,
            address_string=data["address_string"],
            answers={code: value for code, value in answers.items() if code in codes},
            contact=services.ReporterContact(name=form.contact_name, email=data["email"], phone=data["phone"]),
        )
    except ValidationError as error:
        return render_errors(fmt, 400, _service_errors(error))
    except PermissionDenied as error:
        return render_errors(fmt, 403, [str(error)])
    row = {"service_request_id": created.reference, "service_notice": None, "account_id": None}
    return render(fmt, "service_requests", [row])


def _service_errors(error: ValidationError) -> list[str]:
    lines = []
    for name, problems in error.message_dict.items():
        for message in problems:
            lines.append(message if name == "__all__" else f"{name}: {message}")
    return lines
