"""The service catalogue and the gazetteer's address search: public, no authentication."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from townhall.api import selectors
from townhall.api.api import present
from townhall.api.api.problems import ProblemError, problems
from townhall.api.api.schemas import AddressList, Catalogue, ServiceOut
from townhall.places import selectors as place_selectors

router = Router(tags=["catalogue"])
ADDRESS_LIMIT = 20


@router.get("/services", response={200: Catalogue, **problems(429)}, url_name="service_list")
def service_list(request: HttpRequest) -> dict[str, Any]:
    """Everything residents can report, by group: questions, SLA, photo policy, anonymous reporting, referral."""
    groups: dict[int, dict[str, Any]] = {}
    for category in selectors.catalogue():
        group = groups.setdefault(
            category.group_id,
            {"name": category.group.name, "description": category.group.description, "services": []},
        )
        group["services"].append(present.service(request, category))
    return {"groups": list(groups.values())}


@router.get("/services/{code}", response={200: ServiceOut, **problems(404)}, url_name="service_detail")
def service_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    category = selectors.catalogue_service(service_code=code)
    if category is None:
        raise ProblemError(404, f"There is no service with the code {code!r}.")
    return present.service(request, category)


class AddressQuery(Schema):
    q: str = Field(min_length=1, max_length=200, description="A postcode, or words from the address.")


@router.get("/addresses", response={200: AddressList, **problems(422)}, url_name="address_search")
def address_search(request: HttpRequest, query: Query[AddressQuery]) -> dict[str, Any]:
    """Addresses in the borough, for choosing a request's location by UPRN."""
    found = place_selectors.address_search(query=query.q, limit=ADDRESS_LIMIT)
    return {"results": [present.address(item) for item in found]}
