"""Service requests: public reads, reporting (signed-in residents or API key clients), back-office status updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from townhall.accounts.models import User
from townhall.api import selectors
from townhall.api.api import present
from townhall.api.api.auth import api_key_auth, session_auth
from townhall.api.api.paging import DEFAULT_LIMIT, MAX_LIMIT, cursor_decode, next_link
from townhall.api.api.problems import Loc, ProblemError, problems, service_errors
from townhall.api.api.schemas import (
    CreatedOut,
    RequestDetailOut,
    RequestIn,
    RequestList,
    StatusUpdateIn,
    StatusUpdateOut,
)
from townhall.open311.models import ApiKey
from townhall.places import selectors as place_selectors
from townhall.service_requests import selectors as request_selectors
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel
from townhall.service_requests.constants import Status as RequestStatus

router = Router(tags=["requests"])

# Statuses the public sees ("for triage" reads as open).
PUBLIC_STATUSES = [status.value for status in RequestStatus if status != RequestStatus.FOR_TRIAGE]
# service_request_create's field names -> where the client put them.
CREATE_LOCS: dict[str, Loc] = {
    "category": ["body", "service_code"],
    "description": ["body", "description"],
    "location": ["body", "location"],
    "uprn": ["body", "location", "uprn"],
    "answers": ["body", "answers"],
    "reporter": ["body", "contact"],
    "contact_email": ["body", "contact", "email"],
    "contact_phone": ["body", "contact", "phone"],
}
UPDATE_LOCS: dict[str, Loc] = {
    "update_id": ["body", "external_id"],
    "status": ["body", "status"],
    "description": ["body", "message"],
    "duplicate_of": ["body", "status"],
}
INVALID = "The request has errors: see `errors`."


def _field_problem(loc: Loc, message: str, kind: str) -> ProblemError:
    return ProblemError(422, INVALID, errors=[{"loc": loc, "msg": message, "type": kind}])


class RequestQuery(Schema):
    category: list[str] = Field(default_factory=list, description="Service codes; repeat for several.")
    ward: list[str] = Field(default_factory=list, description="Ward codes (GSS), e.g. E05000001; repeat for several.")
    status: list[str] = Field(default_factory=list, description=f"Any of: {', '.join(PUBLIC_STATUSES)}.")
    since: dt.datetime | None = Field(None, description="Received at or after (ISO 8601; London time if no offset).")
    until: dt.datetime | None = Field(None, description="Received at or before.")
    bbox: str | None = Field(None, description="min_lng,min_lat,max_lng,max_lat in WGS84.")
    cursor: str | None = Field(None, description="From a `next` link.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)

    @field_validator("status")
    @classmethod
    def _known_statuses(cls, value: list[str]) -> list[str]:
        unknown = [item for item in value if item not in PUBLIC_STATUSES]
        if unknown:
            raise ValueError(f"Unknown status {unknown[0]!r}; use one of {', '.join(PUBLIC_STATUSES)}")
        return value

    @field_validator("bbox")
    @classmethod
    def _four_numbers(cls, value: str | None) -> str | None:
        if value is not None:
            _bbox(value)
        return value


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        min_lng, min_lat, max_lng, max_lat = (float(part) for part in text.split(","))
    except ValueError:
        raise ValueError("Give four numbers: min_lng,min_lat,max_lng,max_lat") from None
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError("Give min_lng,min_lat,max_lng,max_lat with each minimum below its maximum")
    return min_lng, min_lat, max_lng, max_lat


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment, request_selectors.SLA_TIME_ZONE)


@router.get("/requests", response={200: RequestList, **problems(422)}, url_name="request_list")
def request_list(request: HttpRequest, query: Query[RequestQuery]) -> dict[str, Any]:
    """Public requests, newest first. Never sensitive ones, those in non-public categories, or unconfirmed ones."""
    filters = selectors.RequestFilter(
        service_codes=query.category,
        ward_codes=query.ward,
        statuses=query.status,
        received_from=_aware(query.since),
        received_to=_aware(query.until),
        bbox=_bbox(query.bbox) if query.bbox else None,
    )
    rows, following = selectors.public_requests_page(
        filters=filters, after=cursor_decode(query.cursor), limit=query.limit
    )
    return {
        "results": [present.service_request(request, row) for row in rows],
        "next": next_link(request, following),
    }


@router.get("/requests/{reference}", response={200: RequestDetailOut, **problems(404)}, url_name="request_detail")
def request_detail(request: HttpRequest, reference: str) -> dict[str, Any]:
    """One public request with its public history; 404 for any request the public may not see."""
    found = selectors.public_request(reference=reference)
    if found is None:
        raise ProblemError(404, f"There is no public request {reference}.")
    return present.service_request(request, found)


def _uprn_for_address(text: str) -> int:
    matches = place_selectors.address_search(query=text, limit=2)
    if len(matches) != 1:
        raise _field_problem(
            ["body", "location", "address"],
            "No single address in the borough matches; choose one from GET /addresses and send its uprn",
            "ambiguous_address",
        )
    return matches[0].uprn


@router.post(
    "/requests",
    auth=[api_key_auth, session_auth],
    response={201: CreatedOut, **problems(401, 403, 422, 429)},
)
def request_create(request: HttpRequest, payload: RequestIn, response: HttpResponse) -> Status[dict[str, Any]]:
    """Report a problem, as a signed-in resident (session and CSRF token) or an API key client (for its user).

    Answers 201 with the reference and a Location header: the resident's own view of it, or
    its public view for API key clients.
    """
    resident = request.auth if isinstance(request.auth, User) else None  # type: ignore[attr-defined]
    category = request_selectors.category_by_code(service_code=payload.service_code)
    if category is None:
        raise _field_problem(["body", "service_code"], "There is no service with this code", "unknown_service")
    if resident is not None and payload.contact is not None:
        raise _field_problem(
            ["body", "contact"], "Signed-in residents are contacted through their account", "not_allowed"
        )
    where = payload.location
    uprn = where.uprn
    if uprn is None and where.lat is None:
        uprn = _uprn_for_address(where.address)
    contact = payload.contact
    try:
        created = request_services.service_request_create(
            acting_user=resident,
            category=category,
            description=payload.description,
            channel=Channel.API,
            lat=where.lat,
            lng=where.lng,
            uprn=uprn,
            address_string=where.address,
            answers=payload.answers,
            reporter=resident,
            contact=request_services.ReporterContact(name=contact.name, email=contact.email, phone=contact.phone)
            if contact is not None
            else None,
            received_through=request.auth if isinstance(request.auth, ApiKey) else None,  # type: ignore[attr-defined]
        )
    except DjangoValidationError as error:
        raise service_errors(error, CREATE_LOCS) from None
    url = present.api_url(
        request, "my_request_detail" if resident is not None else "request_detail", reference=created.reference
    )
    response["Location"] = url
    body = {
        "reference": created.reference,
        "url": url,
        "status": present.public_status(created.status).value,
        "expected_by": created.sla_due_at,
    }
    return Status(201, body)


@router.post(
    "/requests/{reference}/updates",
    auth=[api_key_auth, session_auth],
    response={200: StatusUpdateOut, 201: StatusUpdateOut, **problems(401, 403, 404, 422, 429)},
    url_name="request_updates",
)
def request_update(request: HttpRequest, reference: str, payload: StatusUpdateIn) -> Status[dict[str, Any]]:
    """A back-office system's status update or public message (API keys only).

    Idempotent by `external_id`: the first post answers 201, the same id again answers 200
    with the update first stored and changes nothing.
    """
    caller = request.auth  # type: ignore[attr-defined]
    if not isinstance(caller, ApiKey):
        raise ProblemError(403, "Only back-office systems with an API key can post updates.")
    found = selectors.request_for_update(reference=reference)
    if found is None:
        raise ProblemError(404, f"There is no request {reference}.")
    try:
        update, created = request_services.service_request_update_external(
            service_request=found,
            external_id=payload.external_id,
            status=payload.status,
            description=payload.message,
            channel=Channel.API,
            source_label=caller.name,
            received_through=caller,
        )
    except DjangoValidationError as error:
        raise service_errors(error, UPDATE_LOCS) from None
    body = {
        "id": str(update.pk),
        "external_id": update.external_id,
        "request": found.reference,
        "status": update.status_to or None,
        "message": update.public_message or None,
        "created_at": update.created_at,
    }
    return Status(201 if created else 200, body)
