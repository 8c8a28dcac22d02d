"""The signed-in resident's own requests (session only): another resident's reference is a 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from townhall.api import selectors
from townhall.api.api import present
from townhall.api.api.auth import session_auth
from townhall.api.api.paging import DEFAULT_LIMIT, MAX_LIMIT, cursor_decode, next_link
from townhall.api.api.problems import ProblemError, problems
from townhall.api.api.schemas import MyRequestList, MyRequestOut

router = Router(tags=["me"], auth=session_auth)


class PageQuery(Schema):
    cursor: str | None = Field(None, description="From a `next` link.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("/me/requests", response={200: MyRequestList, **problems(401, 422)}, url_name="my_request_list")
def my_request_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """Every request you reported, newest first, with its public history and your answers."""
    rows, following = selectors.resident_requests_page(
        user=request.auth,  # type: ignore[attr-defined]
        after=cursor_decode(query.cursor),
        limit=query.limit,
    )
    return {"results": [present.own_request(request, row) for row in rows], "next": next_link(request, following)}


@router.get(
    "/me/requests/{reference}", response={200: MyRequestOut, **problems(401, 404)}, url_name="my_request_detail"
)
def my_request_detail(request: HttpRequest, reference: str) -> dict[str, Any]:
    found = selectors.resident_request(user=request.auth, reference=reference)  # type: ignore[attr-defined]
    if found is None:
        raise ProblemError(404, f"You have no request {reference}.")
    return present.own_request(request, found)
