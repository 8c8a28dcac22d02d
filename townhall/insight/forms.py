"""The dashboards' filter panel (a GET form) and the small forms for pins and alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from townhall.insight import metrics as metric_registry
from townhall.insight.models import AlertRule
from townhall.insight.selectors import Filters
from townhall.service_requests import selectors as request_selectors
from townhall.service_requests.constants import Channel

DEFAULT_DAYS = 91
LONGEST_RANGE_DAYS = 3 * 366 + 1
GRAIN_CHOICES = [("week", "Week"), ("month", "Month"), ("day", "Day")]


def _date_field(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": f"{label} must be a real date, for example 2026-03-31"},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class InsightFilterForm(forms.Form):
    """Date range and dimensions; every field optional, so a bare URL shows the last 13 weeks."""

    date_from = _date_field("From", "For example, 2026-01-01")
    date_to = _date_field("To", "Up to and including this day")
    ward = forms.TypedChoiceField(label="Ward", required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(label="Category", required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label="Channel", required=False, choices=[("", "All channels"), *Channel.choices])
    grain = forms.ChoiceField(label="Show by", required=False, choices=GRAIN_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ward_field: Any = self.fields["ward"]
        ward_field.choices = [("", "All wards")] + [(w.pk, w.name) for w in request_selectors.wards()]
        category_field: Any = self.fields["category"]
        category_field.choices = [("", "All categories")] + [
            (c.pk, c.name) for c in request_selectors.categories().order_by("name")
        ]
        team_field: Any = self.fields["team"]
        team_field.choices = [("", "All teams")] + [(t.pk, t.name) for t in request_selectors.teams()]
        if not self.is_bound:  # show the default range the page is using
            default = self.filters()
            self.initial.update(date_from=default.start, date_to=default.end)
        elif not self.data.get("date_from") and not self.data.get("date_to") and not self.errors:
            default = self.filters()
            given = dict(self.data.items())
            self.data = {**given, "date_from": default.start.isoformat(), "date_to": default.end.isoformat()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "To must be the same as or after From")
        elif start and end and (end - start).days > LONGEST_RANGE_DAYS:
            self.add_error("date_from", "Choose a range of 3 years or less")
        return cleaned

    def filters(self, *, group_id: int | None = None) -> Filters:
        """The slice asked for; an invalid form falls back to the default range (its errors are shown)."""
        data = self.cleaned_data if self.is_valid() else {}
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        end = data.get("date_to") or yesterday
        start = data.get("date_from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        return Filters(
            start=start,
            end=end,
            ward_id=data.get("ward"),
            category_id=data.get("category"),
            group_id=group_id,
            team_id=data.get("team"),
            channel=data.get("channel") or "",
        )

    def chosen_grain(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return str(data.get("grain") or "week")

    def is_filtered(self) -> bool:
        return any(self.data.get(name) not in (None, "") for name in self.fields)


class AlertRuleForm(forms.Form):
    metric = forms.ChoiceField(label="Metric", error_messages={"required": "Choose a metric"})
    kind = forms.ChoiceField(
        label="Tell me when it",
        choices=AlertRule.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when to be told"},
    )
    threshold = forms.DecimalField(
        label="Threshold",
        help_text="Not needed for the forecast range. For a percentage, enter 85 for 85%.",
        required=False,
        max_digits=14,
        decimal_places=4,
        error_messages={"invalid": "Threshold must be a number, like 85 or 12.5"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        metric_field: Any = self.fields["metric"]
        metric_field.choices = [("", "Choose a metric")] + [(m.key, m.name) for m in metric_registry.metrics()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") in (AlertRule.Kind.ABOVE, AlertRule.Kind.BELOW) and cleaned.get("threshold") is None:
            self.add_error("threshold", "Enter the threshold")
        return cleaned
