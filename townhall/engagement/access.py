"""Permission-checked fetches for consultations and responses: the record, or 404."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from townhall.accounts.models import User
from townhall.engagement.models import Consultation, Response


def access_public_consultation_by_slug(slug: str) -> Consultation:
    """A consultation as the public sees it: published (or withdrawn after publishing); drafts are 404."""
    consultation = (
        Consultation.objects.public()
        .select_related("category_group")
        .prefetch_related("wards")
        .filter(slug=slug)
        .first()
    )
    if consultation is None:
        raise Http404("Page not found")
    return consultation


def access_consultation_by_id(consultation_id: int) -> Consultation:
    """For staff views (the role check is the view's decorator): any state."""
    consultation = (
        Consultation.objects.select_related("category_group", "created_by")
        .prefetch_related("wards")
        .filter(pk=consultation_id)
        .first()
    )
    if consultation is None:
        raise Http404("Page not found")
    return consultation


def access_response_by_reference(
    user: User | AnonymousUser, consultation: Consultation, reference: str, *, session_references: list[str]
) -> Response:
    """A response, for the person who gave it only: their account, or (without one) the browser it was sent from.

    Anyone else gets 404, so a reference does not reveal that a response exists.
    """
    response = (
        Response.objects.filter(consultation=consultation, reference=reference)
        .prefetch_related("answers__option", "answers__question")
        .first()
    )
    if response is None:
        raise Http404("Page not found")
    owns = response.user_id == user.pk if response.user_id is not None else response.reference in session_references
    if not owns:
        raise Http404("Page not found")
    return response
