"""Rows to response bodies. Public fields only: moderated text wins, "for triage" reads as open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from townhall.places.models import Address
from townhall.service_requests.constants import Status, is_open
from townhall.service_requests.models import Category, RequestUpdate, ServiceRequest

NAMESPACE = "api-v1"


def api_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(f"{NAMESPACE}:{name}", kwargs=kwargs))


def public_status(status: str) -> Status:
    """Residents see a request waiting for triage as open (as the tracking page does)."""
    return Status.OPEN if status == Status.FOR_TRIAGE else Status(status)


def service(request: HttpRequest, category: Category) -> dict[str, Any]:
    referral = None
    if not category.council_responsible:
        referral = {
            "body_name": category.referral_body_name,
            "url": category.referral_url,
            "message": category.referral_message,
        }
    return {
        "code": category.service_code,
        "name": category.name,
        "description": category.description,
        "group": category.group.name,
        "keywords": category.keyword_list(),
        "sla": {"label": category.sla_label, "unit": category.sla_unit, "amount": category.sla_amount},
        "photos": category.photos,
        "anonymous_allowed": category.anonymous_allowed,
        "reports_public": category.is_public,
        "council_responsible": category.council_responsible,
        "referral": referral,
        "questions": [
            {
                "code": question.code,
                "label": question.label,
                "hint": question.hint,
                "datatype": question.datatype,
                "required": question.required,
                "order": question.order,
                "choices": [{"key": choice.key, "name": choice.name} for choice in question.choices.all()],
            }
            for question in category.questions.all()
        ],
        "url": api_url(request, "service_detail", code=category.service_code),
    }


def address(found: Address) -> dict[str, Any]:
    return {
        "uprn": found.uprn,
        "address": found.single_line,
        "postcode": found.postcode,
        "lat": found.lat,
        "lng": found.lng,
        "ward": found.ward.code if found.ward is not None else None,
    }


def update(found: RequestUpdate) -> dict[str, Any]:
    status = public_status(found.status_to) if found.status_to else None
    return {
        "at": found.created_at,
        "status": status.value if status else None,
        "status_label": status.label if status else None,
        "message": found.redacted_message or found.public_message or None,
    }


def service_request(
    request: HttpRequest, found: ServiceRequest, *, url_name: str = "request_detail", own: bool = False
) -> dict[str, Any]:
    """The public view of a request (`own`: the reporter's, who sees their own words, not the moderated ones)."""
    status = public_status(found.status)
    body: dict[str, Any] = {
        "reference": found.reference,
        "url": api_url(request, url_name, reference=found.reference),
        "service": {"code": found.category.service_code, "name": found.category.name},
        "status": status.value,
        "status_label": status.label,
        "open": is_open(found.status),
        "description": found.description if own else (found.redacted_description or found.description),
        "location": {"lat": found.lat, "lng": found.lng, "address": found.address_string, "uprn": found.uprn},
        "ward": {"code": found.ward.code, "name": found.ward.name},
        "received_at": found.received_at,
        "updated_at": found.updated_at,
        "expected_by": found.sla_due_at,
        "closed_at": found.closed_at,
        "latest_update": getattr(found, "latest_public_message", None) or None,
    }
    updates = getattr(found, "public_updates", None)
    if updates is not None:
        body["updates"] = [update(item) for item in updates]
        if body["latest_update"] is None:
            messages = [row["message"] for row in body["updates"] if row["message"]]
            body["latest_update"] = messages[-1] if messages else None
    return body


def own_request(request: HttpRequest, found: ServiceRequest) -> dict[str, Any]:
    body = service_request(request, found, url_name="my_request_detail", own=True)
    body["public"] = bool(found.is_public and found.category.is_public)
    body["answers"] = [
        {"question": answer.question_code, "label": answer.question_label, "answer": answer.display_value}
        for answer in getattr(found, "answer_rows", [])
    ]
    return body
