"""What the API reads and writes, as pydantic schemas (they are also the OpenAPI components)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import model_validator

from townhall.service_requests.constants import DESCRIPTION_MAX_LENGTH


class Choice(Schema):
    key: str
    name: str


class QuestionOut(Schema):
    code: str
    label: str
    hint: str
    datatype: str = Field(description="string, number, datetime, text, singlevaluelist or multivaluelist")
    required: bool
    order: int
    choices: list[Choice]


class Sla(Schema):
    label: str = Field(description='How long the council aims to take, e.g. "5 working days".')
    unit: str = Field(description="working_days or hours")
    amount: int


class Referral(Schema):
    """Who to report to instead, for problems the council is not responsible for."""

    body_name: str
    url: str
    message: str


class ServiceOut(Schema):
    code: str
    name: str
    description: str
    group: str
    keywords: list[str]
    sla: Sla
    photos: str = Field(description="not_allowed, optional or required")
    anonymous_allowed: bool = Field(description="Whether someone without an account may report this.")
    reports_public: bool = Field(description="Whether reports in this category are shown publicly.")
    council_responsible: bool
    referral: Referral | None
    questions: list[QuestionOut]
    url: str


class GroupOut(Schema):
    name: str
    description: str
    services: list[ServiceOut]


class Catalogue(Schema):
    groups: list[GroupOut]


class AddressOut(Schema):
    uprn: int
    address: str
    postcode: str
    lat: float
    lng: float
    ward: str | None = Field(description="Ward code")


class AddressList(Schema):
    results: list[AddressOut]


class ServiceRef(Schema):
    code: str
    name: str


class WardRef(Schema):
    code: str
    name: str


class LocationOut(Schema):
    lat: float
    lng: float
    address: str
    uprn: int | None


class UpdateOut(Schema):
    at: dt.datetime
    status: str | None = Field(description="The status the request moved to, if this update changed it.")
    status_label: str | None
    message: str | None


class RequestOut(Schema):
    """A request as anyone may see it: never the reporter, contact details, internal notes or staff."""

    reference: str
    url: str
    service: ServiceRef
    status: str
    status_label: str
    open: bool
    description: str
    location: LocationOut
    ward: WardRef
    received_at: dt.datetime
    updated_at: dt.datetime
    expected_by: dt.datetime = Field(description="When the council aims to have dealt with it (the SLA).")
    closed_at: dt.datetime | None
    latest_update: str | None


class RequestDetailOut(RequestOut):
    updates: list[UpdateOut]


class RequestList(Schema):
    results: list[RequestOut]
    next: str | None = Field(description="The next page's URL, or null on the last page.")


class AnswerOut(Schema):
    question: str
    label: str
    answer: str


class MyRequestOut(RequestDetailOut):
    public: bool = Field(description="Whether the request is shown publicly (false for sensitive ones).")
    answers: list[AnswerOut]


class MyRequestList(Schema):
    results: list[MyRequestOut]
    next: str | None


class LocationIn(Schema):
    """Where the problem is: lat and lng, or a UPRN (from GET /addresses), or an address naming exactly one."""

    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    uprn: int | None = Field(None, gt=0)
    address: str = Field("", max_length=400)

    @model_validator(mode="after")
    def _one_way_given(self) -> LocationIn:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("Give both lat and lng")
        if self.lat is None and self.uprn is None and not self.address.strip():
            raise ValueError("Give lat and lng, a uprn, or an address")
        return self


class ContactIn(Schema):
    """The reporter, when an API key client reports for someone without an account."""

    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)


class RequestIn(Schema):
    service_code: str = Field(max_length=50)
    description: str = Field(max_length=DESCRIPTION_MAX_LENGTH)
    location: LocationIn
    answers: dict[str, str | list[str]] = Field(
        default_factory=dict, description="Answers by question code; a list for multivaluelist questions."
    )
    contact: ContactIn | None = Field(None, description="API key clients only; a signed-in resident is the reporter.")


class CreatedOut(Schema):
    reference: str
    url: str
    status: str
    expected_by: dt.datetime


class StatusUpdateIn(Schema):
    external_id: str = Field(
        min_length=1, max_length=100, description="Your own id for this update; sending it again changes nothing."
    )
    status: str = Field("", max_length=40, description="A new status (any case), or empty for a message only.")
    message: str = Field("", max_length=DESCRIPTION_MAX_LENGTH, description="Public text shown with the update.")


class StatusUpdateOut(Schema):
    id: str
    external_id: str
    request: str
    status: str | None
    message: str | None
    created_at: dt.datetime
