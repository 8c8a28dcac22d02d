"""Validation of Open311 query strings and POST bodies; every problem becomes a 400 in the spec's error format."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict

from townhall.core.dates import parse_iso_moment
from townhall.service_requests.constants import Open311Status

# The spec: no more than 90 days between start_date and end_date, and 90 days by default.
WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
# Paging (a FixMyStreet extension): page 1 is the newest; a page holds the spec's 1000 by default.
DEFAULT_PAGE_SIZE = MAX_RESULTS
MAX_PAGE_SIZE = MAX_RESULTS
MAX_PAGE = 10_000
MAX_IDS = 1000
# The spec limits a request's description to 4,000 characters.
DESCRIPTION_MAX_LENGTH = 4000
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\]]+)\](?:\[\])?$")


def parse_w3c_datetime(text: str) -> dt.datetime | None:
    """A W3C date-time or date; Open311 reads one without an offset as UTC."""
    return parse_iso_moment(text, default_zone=dt.UTC)


def form_errors(form: forms.Form) -> list[str]:
    """`field: message` lines for the error list, in field order."""
    lines = []
    for name, errors in form.errors.items():
        for message in errors:
            lines.append(str(message) if name == "__all__" else f"{name}: {message}")
    return lines


class W3CDateTimeField(forms.CharField):
    def clean(self, value: object) -> dt.datetime | None:
        text = super().clean(value)
        if not text:
            return None
        moment = parse_w3c_datetime(text)
        if moment is None:
            raise forms.ValidationError("Enter a W3C date and time, like 2026-03-01T09:30:00Z", code="invalid")
        return moment


@dataclass(frozen=True)
class RequestFilter:
    references: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[str] = field(default_factory=list)


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


class PagingForm(forms.Form):
    """`page` (from 1) and `page_size` (1 to MAX_PAGE_SIZE); absent means the first page of DEFAULT_PAGE_SIZE."""

    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def slice(self) -> tuple[int, int]:
        """(offset, limit) of the page asked for."""
        size = self.cleaned_data.get("page_size") or DEFAULT_PAGE_SIZE
        return ((self.cleaned_data.get("page") or 1) - 1) * size, size


class RequestsQueryForm(PagingForm):
    """GET requests: service_request_id (comma-separated, overrides the rest), service_code, dates, status,
    paging, and `extensions=true` for FixMyStreet's extended attributes."""

    extensions = forms.CharField(required=False)
    service_request_id = forms.CharField(required=False)
    service_code = forms.CharField(required=False)
    start_date = W3CDateTimeField(required=False)
    end_date = W3CDateTimeField(required=False)
    status = forms.CharField(required=False)

    def clean_service_request_id(self) -> list[str]:
        references = [item.upper() for item in _comma_list(self.cleaned_data["service_request_id"])]
        if len(references) > MAX_IDS:
            raise forms.ValidationError(f"Ask for at most {MAX_IDS} requests at once", code="too_many")
        return references

    def clean_extensions(self) -> bool:
        return str(self.cleaned_data["extensions"]).strip().lower() == "true"

    def clean_service_code(self) -> list[str]:
        return _comma_list(self.cleaned_data["service_code"])

    def clean_status(self) -> list[str]:
        statuses = [item.lower() for item in _comma_list(self.cleaned_data["status"])]
        unknown = sorted(set(statuses) - set(Open311Status.values))
        if unknown:
            raise forms.ValidationError("Status must be open or closed", code="invalid")
        return statuses

    def request_filter(self, *, now: dt.datetime) -> RequestFilter:
        """The filter to apply: the ids alone when given, else the date window (90 days by default)."""
        data = self.cleaned_data
        if data["service_request_id"]:
            return RequestFilter(references=data["service_request_id"])
        start, end = data["start_date"], data["end_date"]
        if start is None and end is None:
            end = now
            start = end - WINDOW
        elif start is None:
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
        return RequestFilter(service_codes=data["service_code"], start=start, end=end, statuses=data["status"])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start is not None and end is not None:
            if end < start:
                raise forms.ValidationError("end_date must not be before start_date", code="invalid_range")
            if end - start > WINDOW:
                raise forms.ValidationError(
                    "start_date and end_date may not be more than 90 days apart", code="range_too_long"
                )
        return data


class CreateRequestForm(forms.Form):
    """POST requests (form-encoded). Attributes (`attribute[code]`) are read by `attributes()`."""

    api_key = forms.CharField()
    jurisdiction_id = forms.CharField(required=False)
    service_code = forms.CharField()
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=400)
    address_id = forms.IntegerField(required=False, min_value=1)
    email = forms.EmailField(required=False)
    device_id = forms.CharField(required=False)
    account_id = forms.CharField(required=False)
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    phone = forms.CharField(required=False, max_length=30)
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX_LENGTH)
    media_url = forms.URLField(required=False, max_length=2000, assume_scheme="https")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if self.has_error("lat") or self.has_error("long") or self.has_error("address_id"):
            return data
        has_lat, has_long = data.get("lat") is not None, data.get("long") is not None
        if has_lat != has_long:
            raise forms.ValidationError("Give both lat and long", code="incomplete_point")
        if not has_lat and not data.get("address_string") and data.get("address_id") is None:
            raise forms.ValidationError(
                "Give a location: lat and long, address_string or address_id", code="location_required"
            )
        return data

    @property
    def contact_name(self) -> str:
        return " ".join(
            part for part in (self.cleaned_data["first_name"].strip(), self.cleaned_data["last_name"].strip()) if part
        )


def attributes(data: QueryDict) -> dict[str, list[str]]:
    """`attribute[code]=v` (repeated, or `attribute[code][]`, for multi value lists), by code."""
    found: dict[str, list[str]] = {}
    for key in data:
        match = _ATTRIBUTE_FIELD.match(key)
        if match:
            found.setdefault(match.group(1), []).extend(data.getlist(key))
    return found


class UpdatesQueryForm(PagingForm):
    """GET servicerequestupdates: a start_date..end_date window on when updates were made (both required)."""

    start_date = W3CDateTimeField()
    end_date = W3CDateTimeField()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
            if end < start:
                raise forms.ValidationError("end_date must not be before start_date", code="invalid_range")
            if end - start > WINDOW:
                raise forms.ValidationError(
                    "start_date and end_date may not be more than 90 days apart", code="range_too_long"
                )
        return data


class CreateUpdateForm(forms.Form):
    """POST servicerequestupdates (FixMyStreet's extension). `update_id` is the client's own id for the
    update (older FixMyStreet versions call it `update_id_ext`)."""

    api_key = forms.CharField()
    jurisdiction_id = forms.CharField(required=False)
    service_request_id = forms.CharField(max_length=30)
    update_id = forms.CharField(required=False, max_length=100)
    update_id_ext = forms.CharField(required=False, max_length=100)
    status = forms.CharField(required=False, max_length=40)
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX_LENGTH)
    updated_datetime = W3CDateTimeField(required=False)
    media_url = forms.URLField(required=False, max_length=2000, assume_scheme="https")
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    email = forms.EmailField(required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        data["update_id"] = str(data.get("update_id") or data.get("update_id_ext") or "").strip()
        if not data["update_id"]:
            self.add_error("update_id", forms.ValidationError("This field is required.", code="required"))
        return data

    @property
    def source_label(self) -> str:
        """Who sent the update, for staff: "Ada Lovelace <ada@example.org>"; empty when nobody is named."""
        data = self.cleaned_data
        name = " ".join(part for part in (data["first_name"].strip(), data["last_name"].strip()) if part)
        email = data["email"]
        return f"{name} <{email}>".strip() if email else name
