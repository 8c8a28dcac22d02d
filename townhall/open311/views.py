"""The Open311 GeoReport v2 server (/open311/v2/): parse, call service_requests' services and selectors, render.

Every endpoint answers in JSON or XML by its suffix. Only public requests in public
categories are listed, and only public fields: never the reporter's name, email, phone
or account, internal notes, or staff assignments. `jurisdiction_id` is accepted and
ignored: one Townhall is one council.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from townhall.core.ratelimit import anonymous_limit, client_ip, hit
from townhall.open311 import selectors as open311_selectors
from townhall.open311 import services as open311_services
from townhall.open311.forms import (
    CreateRequestForm,
    CreateUpdateForm,
    RequestsQueryForm,
    UpdatesQueryForm,
    attributes,
    form_errors,
)
from townhall.open311.models import ApiKey
from townhall.open311.renderers import XML, render, render_errors, w3c_datetime
from townhall.places import selectors as place_selectors
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Channel, open311_extended_status, open311_status
from townhall.service_requests.models import Category, Question, RequestUpdate

ViewFunc = Callable[..., HttpResponse]
# FixMyStreet's multipart photo fields on POST requests and servicerequestupdates.
PHOTO_FIELDS = ("photo1", "photo2", "photo3")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this server's Open311 behaviour last changed (discovery's changeset).
CHANGESET = "2026-12-01T00:00:00+00:00"
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


def _photo_url(request: HttpRequest, reference: str, photo_ids: list[int]) -> str | None:
    """The first public photo's public address, or None."""
    if not photo_ids:
        return None
    return request.build_absolute_uri(services.public_photo_path(reference=reference, photo_id=photo_ids[0]))


def _request_row(row: dict[str, Any], *, media_url: str | None = None, extensions: bool = False) -> dict[str, Any]:
    """One public request (a row of selectors.public_service_requests_search: public fields only); with
    `extensions`, FixMyStreet's extended_attributes (the extended status and other reporter-free fields)."""
    # The moderated text where staff redacted the description.
    description = str(row["public_description"] or "")[:4000] or None
    found = {
        "service_request_id": row["reference"],
        "status": open311_status(row["status"]).value,
        "status_notes": row["latest_public_message"] or None,
        "service_name": row["category__name"],
        "service_code": row["category__service_code"],
        "description": description,
        "agency_responsible": settings.TOWNHALL_BRANDING.council_name,
        "service_notice": None,
        "requested_datetime": w3c_datetime(row["received_at"]),
        "updated_datetime": w3c_datetime(row["updated_at"]),
        "expected_datetime": w3c_datetime(row["sla_due_at"]),
        "address": row["address_string"] or None,
        "address_id": str(row["uprn"]) if row["uprn"] is not None else None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lng"],
        "media_url": media_url,
    }
    if extensions:
        found["extended_attributes"] = {
            "status": open311_extended_status(row["status"]),
            "title": row["category__name"],
            "detail": description,
        }
    return found


def rate_limited(view: ViewFunc) -> ViewFunc:
    """429 in the Open311 error format once a client passes its limit: per API key when it presents a
    valid one (the key's rate_limit_per_minute), else per IP address (OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raw_key = (request.POST if request.method == "POST" else request.GET).get("api_key", "")
        api_key = open311_selectors.api_key_for(raw_key=raw_key) if raw_key else None
        if api_key is not None and not api_key.is_revoked:
            verdict = hit(bucket=f"api-key:{api_key.pk}", limit=api_key.rate_limit_per_minute)
        else:
            verdict = hit(bucket=f"ip:{client_ip(request)}", limit=anonymous_limit())
        if not verdict.allowed:
            response = render_errors(
                kwargs.get("fmt", "json"), 429, [f"Too many requests: try again in {verdict.retry_after} seconds"]
            )
            response["Retry-After"] = str(verdict.retry_after)
            return response
        return view(request, *args, **kwargs)

    return wrapped


@rate_limited
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


@rate_limited
@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = list(selectors.categories_reportable())
    with_questions = selectors.category_ids_with_questions()
    rows = [_service_row(category, has_questions=category.pk in with_questions) for category in categories]
    return render(fmt, "services", rows)


@rate_limited
@require_GET
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    category = selectors.categories_reportable().filter(service_code=service_code).first()
    if category is None:
        return render_errors(fmt, 404, [f"Service code {service_code} not found"])
    questions = selectors.category_questions(category=category)
    body = {"service_code": category.service_code, "attributes": [_attribute_row(q) for q in questions]}
    return render(fmt, "service_definition", body)


@csrf_exempt
@rate_limited
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    form = RequestsQueryForm(request.GET)
    if not form.is_valid():
        return render_errors(fmt, 400, form_errors(form))
    wanted = form.request_filter(now=timezone.now())
    offset, limit = form.slice()
    found = selectors.public_service_requests_search(
        references=wanted.references,
        service_codes=wanted.service_codes,
        received_from=wanted.start,
        received_to=wanted.end,
        open311_statuses=wanted.statuses,
        limit=limit,
        offset=offset,
    )
    return render(fmt, "service_requests", _request_rows(request, found, extensions=form.cleaned_data["extensions"]))


def _request_rows(request: HttpRequest, found: list[dict[str, Any]], *, extensions: bool) -> list[dict[str, Any]]:
    photos = open311_selectors.public_photo_ids(request_ids=[row["id"] for row in found])
    return [
        _request_row(
            row, media_url=_photo_url(request, row["reference"], photos.get(row["id"], [])), extensions=extensions
        )
        for row in found
    ]


@rate_limited
@require_GET
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    found = selectors.public_service_requests_search(references=[service_request_id], limit=1)
    if not found:
        return render_errors(fmt, 404, [f"Service request {service_request_id} not found"])
    extensions = request.GET.get("extensions", "").strip().lower() == "true"
    return render(fmt, "service_requests", _request_rows(request, found, extensions=extensions))


@rate_limited
@require_GET
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    found = open311_selectors.token_get(token=token)
    if found is None:
        return render_errors(fmt, 404, [f"Token {token} not found"])
    waiting = found.service_request
    # The id is given once the request exists for everyone: confirmed by its reporter.
    reference = waiting.reference if waiting is not None and not waiting.awaiting_confirmation else None
    return render(fmt, "service_requests", [{"service_request_id": reference, "token": found.token}])


def not_found(request: HttpRequest, path: str) -> HttpResponse:
    fmt = XML if path.endswith(".xml") else "json"
    return render_errors(fmt, 404, ["No such Open311 endpoint"])


def _client_key(request: HttpRequest) -> ApiKey | None:
    """The POSTing client's key, if it sent one that is known and not revoked."""
    raw_key = request.POST.get("api_key", "")
    api_key = open311_selectors.api_key_for(raw_key=raw_key) if raw_key else None
    return api_key if api_key is not None and not api_key.is_revoked else None


def _photos(request: HttpRequest) -> tuple[list[Any], list[str]]:
    """(the prepared photo1..photo3 uploads, error lines for the ones refused)."""
    prepared: list[Any] = []
    errors: list[str] = []
    for name in PHOTO_FIELDS:
        upload = request.FILES.get(name)
        if not isinstance(upload, UploadedFile):
            continue
        try:
            prepared.append(services.photo_prepare(upload))
        except ValidationError as error:
            errors.extend(f"{name}: {message}" for message in error.messages)
    return prepared, errors


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    form = CreateRequestForm(request.POST)
    api_key = _client_key(request)
    if request.POST.get("api_key", "") and api_key is None:
        return render_errors(fmt, 403, ["Invalid api_key"])
    if not form.is_valid() or api_key is None:
        return render_errors(fmt, 400, form_errors(form))
    photos, photo_errors = _photos(request)
    if photo_errors:
        return render_errors(fmt, 400, photo_errors)
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
        created = services.service_request_create_with_photos(
            photos=photos,
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
            received_through=api_key,
        )
    except ValidationError as error:
        return render_errors(fmt, 400, _service_errors(error))
    except PermissionDenied as error:
        return render_errors(fmt, 403, [str(error)])
    open311_services.api_key_use_record(api_key=api_key, what=f"POST requests: {created.reference}.")
    if created.awaiting_confirmation:
        token = open311_services.token_issue(api_key=api_key, service_request=created)
        return render(fmt, "service_requests", [{"token": token.token, "service_notice": None, "account_id": None}])
    row = {"service_request_id": created.reference, "service_notice": None, "account_id": None}
    return render(fmt, "service_requests", [row])


@csrf_exempt
@rate_limited
@require_http_methods(["GET", "POST"])
def update_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's servicerequestupdates: GET public updates in a window; POST an update (api_key)."""
    if request.method == "POST":
        return _update_create(request, fmt)
    form = UpdatesQueryForm(request.GET)
    if not form.is_valid():
        return render_errors(fmt, 400, form_errors(form))
    offset, limit = form.slice()
    found = open311_selectors.public_updates(
        start=form.cleaned_data["start_date"], end=form.cleaned_data["end_date"], offset=offset, limit=limit
    )
    return render(fmt, "service_request_updates", [_update_row(request, update) for update in found])


def _update_row(request: HttpRequest, update: RequestUpdate) -> dict[str, Any]:
    """An update as FixMyStreet reads it: the status after it (extended, upper case) and the moderated text."""
    reference = update.request.reference
    status = update.status_to or getattr(update, "status_then", "") or update.request.status
    return {
        "update_id": str(update.pk),
        "service_request_id": reference,
        "status": open311_extended_status(status),
        "updated_datetime": w3c_datetime(update.created_at),
        "description": (update.redacted_message or update.public_message) or None,
        "media_url": _photo_url(request, reference, [photo.pk for photo in update.photos.all()]),
    }


def _update_create(request: HttpRequest, fmt: str) -> HttpResponse:
    form = CreateUpdateForm(request.POST)
    api_key = _client_key(request)
    if request.POST.get("api_key", "") and api_key is None:
        return render_errors(fmt, 403, ["Invalid api_key"])
    if not form.is_valid() or api_key is None:
        return render_errors(fmt, 400, form_errors(form))
    data = form.cleaned_data
    target = open311_selectors.request_for_update(reference=data["service_request_id"])
    if target is None:
        return render_errors(fmt, 404, [f"Service request {data['service_request_id']} not found"])
    photos, photo_errors = _photos(request)
    if photo_errors:
        return render_errors(fmt, 400, photo_errors)
    try:
        update, is_new = services.service_request_update_external(
            service_request=target,
            external_id=data["update_id"],
            status=data["status"],
            description=data["description"],
            channel=Channel.OPEN311,
            source_label=" via ".join(part for part in (form.source_label, api_key.name) if part),
            # A partner whose API key is named like its webhook endpoint is not sent its own update back.
            source_endpoint=slugify(api_key.name),
            photos=photos,
            received_through=api_key,
        )
    except ValidationError as error:
        return render_errors(fmt, 400, _service_errors(error))
    if is_new:
        open311_services.api_key_use_record(
            api_key=api_key, what=f"POST servicerequestupdates: update {update.pk} on {target.reference}."
        )
    return render(fmt, "service_request_updates", [{"update_id": str(update.pk)}])


def _service_errors(error: ValidationError) -> list[str]:
    lines = []
    for name, problems in error.message_dict.items():
        for message in problems:
            lines.append(message if name == "__all__" else f"{name}: {message}")
    return lines
