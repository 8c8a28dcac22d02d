"""Forms of the public pages: filters of the reports list, area alert sign-up, a point chosen on a map."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from townhall.places.models import Ward
from townhall.service_requests import selectors, services
from townhall.service_requests.models import Category
from townhall.service_requests.report_forms import email_field

STATUS_CHOICES = [
    ("", "Any status"),
    (selectors.PUBLIC_STATUS_OPEN, "Open"),
    (selectors.PUBLIC_STATUS_FIXED, "Fixed"),
    (selectors.PUBLIC_STATUS_CLOSED, "Closed without a fix"),
]
SORT_CHOICES = [
    (selectors.PUBLIC_SORT_NEWEST, "Newest first"),
    (selectors.PUBLIC_SORT_OLDEST, "Oldest first"),
    (selectors.PUBLIC_SORT_UPDATED, "Recently updated"),
]
RADIUS_LABELS = {250: "250 metres", 500: "500 metres", 1000: "1 kilometre", 2000: "2 kilometres"}
RADIUS_CHOICES = [(str(metres), RADIUS_LABELS[metres]) for metres in services.AREA_ALERT_RADII_M]
AREA_WARD = "ward"
AREA_POSTCODE = "postcode"


@dataclass(frozen=True)
class ReportFilters:
    ward: Ward | None
    category: Category | None
    status: str
    sort: str


class ReportFilterForm(forms.Form):
    """The list's filters (GET). A value that is not one of the choices (an edited URL) is ignored, not an error."""

    ward = forms.ChoiceField(label="Ward", required=False)
    category = forms.ChoiceField(label="Problem", required=False)
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def __init__(self, data: QueryDict, *, wards: Sequence[Ward], categories: Sequence[Category]) -> None:
        self.wards = {ward.code: ward for ward in wards}
        self.categories = {category.service_code: category for category in categories}
        choices = {
            "ward": [("", "All wards"), *((code, ward.name) for code, ward in self.wards.items())],
            "category": [("", "All problems"), *((code, c.name) for code, c in self.categories.items())],
            "status": STATUS_CHOICES,
            "sort": SORT_CHOICES,
        }
        known = {name: {value for value, _ in options} for name, options in choices.items()}
        super().__init__({name: data[name] for name in known if data.get(name) in known[name]})
        for name, options in choices.items():
            self.fields[name].choices = options  # type: ignore[attr-defined]

    def filters(self) -> ReportFilters:
        self.is_valid()
        given: dict[str, Any] = self.cleaned_data
        return ReportFilters(
            ward=self.wards.get(given.get("ward", "")),
            category=self.categories.get(given.get("category", "")),
            status=given.get("status", ""),
            sort=given.get("sort") or selectors.PUBLIC_SORT_NEWEST,
        )


class AreaAlertForm(forms.Form):
    email = email_field(label="Email address", help_text="We will send a link to this address to confirm the alert")
    area = forms.ChoiceField(
        label="Which area do you want alerts for?",
        choices=[(AREA_WARD, "A ward"), (AREA_POSTCODE, "Near a postcode")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a ward or a postcode"},
    )
    ward = forms.ChoiceField(label="Ward", required=False)
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    radius = forms.ChoiceField(
        label="How far from the postcode?",
        required=False,
        choices=RADIUS_CHOICES,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label="Which problems? (optional)", required=False)

    def __init__(self, *args: Any, wards: Sequence[Ward], categories: Sequence[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ward_by_code = {ward.code: ward for ward in wards}
        self.category_by_code = {category.service_code: category for category in categories}
        self.fields["ward"].choices = [("", "Choose a ward"), *((w.code, w.name) for w in wards)]  # type: ignore[attr-defined]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "All problems"),
            *((c.service_code, c.name) for c in categories),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("area") == AREA_WARD and not cleaned.get("ward"):
            self.add_error("ward", "Choose a ward")
        if cleaned.get("area") == AREA_POSTCODE:
            if not cleaned.get("postcode", "").strip():
                self.add_error("postcode", "Enter a postcode")
            if not cleaned.get("radius"):
                self.add_error("radius", "Choose how far from the postcode")
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for services.area_alert_create."""
        data = self.cleaned_data
        by_ward = data["area"] == AREA_WARD
        return {
            "email": data["email"],
            "ward": self.ward_by_code.get(data["ward"]) if by_ward else None,
            "postcode": "" if by_ward else data["postcode"],
            "radius_m": None if by_ward else int(data["radius"]),
            "category": self.category_by_code.get(data["category"]),
        }


class MapPointForm(forms.Form):
    """The point a resident chose on the map (hidden inputs map.js fills)."""

    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180)
