"""Forms for the back office (/staff/requests/): the queue's GET filters, changing status, assigning.

Choices that depend on who is looking (their teams, the statuses a request may move to)
are passed in by the view, so the forms never query by themselves.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from townhall.accounts.models import Team, User
from townhall.places.models import Ward
from townhall.service_requests import selectors
from townhall.service_requests.constants import ALLOWED_TRANSITIONS, Priority, Status
from townhall.service_requests.models import Category, ServiceRequest

MESSAGE_MAX_LENGTH = 5000

STATUS_FILTER_CHOICES = [
    ("", "Any status"),
    (selectors.QUEUE_STATUS_OPEN, "Open (any open status)"),
    (selectors.QUEUE_STATUS_CLOSED, "Closed (any closed status)"),
    *Status.choices,
]
SLA_FILTER_CHOICES = [
    ("", "Any"),
    (selectors.QUEUE_SLA_BREACHED, "Overdue (SLA breached)"),
    (selectors.QUEUE_SLA_DUE_TODAY, "Due today"),
]
SORT_CHOICES = [
    (selectors.QUEUE_SORT_RECEIVED, "Most recently received"),
    (selectors.QUEUE_SORT_SLA_DUE, "SLA due soonest"),
]


class _NamedChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class _OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


# A case officer arriving at the queue sees the open work; "Any status" (and every other status) is one choice away.
QUEUE_DEFAULT_STATUS = selectors.QUEUE_STATUS_OPEN


class QueueFilterForm(forms.Form):
    team = _NamedChoice(queryset=Team.objects.none(), required=False, empty_label="All my teams")
    category = _NamedChoice(queryset=Category.objects.none(), required=False, empty_label="Any category")
    ward = _NamedChoice(queryset=Ward.objects.none(), required=False, empty_label="Any ward")
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority"), *Priority.choices], coerce=int, empty_value=None, required=False
    )
    sla = forms.ChoiceField(label="SLA", choices=SLA_FILTER_CHOICES, required=False)
    mine = forms.BooleanField(label="Only requests assigned to me", required=False)
    waiting = forms.BooleanField(label="Waiting for the reporter", required=False)
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        teams: QuerySet[Team],
        categories: QuerySet[Category],
        wards: QuerySet[Ward],
        all_teams_label: str = "All my teams",
    ) -> None:
        super().__init__(data, initial={"status": QUEUE_DEFAULT_STATUS})
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type for mypy
        team_field.queryset = teams
        team_field.empty_label = all_teams_label
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)  # noqa: S101
        category_field.queryset = categories
        ward_field = self.fields["ward"]
        assert isinstance(ward_field, forms.ModelChoiceField)  # noqa: S101
        ward_field.queryset = wards

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.service_request_queue: the submitted filters (call after is_valid),
        or, before any filter is submitted, the default view (open requests). Submitted filters without a
        status (saved filters, bookmarks, "Any status") keep meaning any status."""
        if not self.is_bound:
            return {"status": QUEUE_DEFAULT_STATUS}
        data = self.cleaned_data
        return {
            "team_id": data["team"].pk if data.get("team") else None,
            "category_id": data["category"].pk if data.get("category") else None,
            "ward_id": data["ward"].pk if data.get("ward") else None,
            "status": data.get("status") or "",
            "priority": data.get("priority"),
            "sla": data.get("sla") or "",
            "assigned_to_me": bool(data.get("mine")),
            "awaiting_reporter": bool(data.get("waiting")),
            "sort": data.get("sort") or selectors.QUEUE_SORT_RECEIVED,
        }


def status_choices_for(service_request: ServiceRequest) -> list[tuple[str, str]]:
    """The statuses this request may move to, in the order the Status list gives them."""
    allowed = ALLOWED_TRANSITIONS.get(service_request.status, frozenset())
    return [(value, label) for value, label in Status.choices if value in allowed]


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=[], error_messages={"required": "Choose the new status"})
    duplicate_of = forms.CharField(
        label="Reference of the original request (for duplicates only)",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    public_message = forms.CharField(
        label="Public update (optional)",
        help_text="Shown to the reporter and on the public tracking page.",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    internal_note = forms.CharField(
        label="Internal note (optional)",
        help_text="Staff only: never shown to the public.",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data: Any = None, *, service_request: ServiceRequest) -> None:
        super().__init__(data, prefix="status")
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)  # noqa: S101
        status_field.choices = [("", "Choose a status"), *status_choices_for(service_request)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        reference = str(cleaned.get("duplicate_of") or "").strip().upper()
        if cleaned.get("status") == Status.DUPLICATE:
            if not reference:
                self.add_error("duplicate_of", "Give the reference of the request this duplicates")
            else:
                original = selectors.service_request_by_reference(reference=reference)
                if original is None:
                    self.add_error("duplicate_of", "There is no request with this reference")
                cleaned["duplicate_request"] = original
        elif reference:
            self.add_error("duplicate_of", "Only give a reference when marking a request as a duplicate")
        return cleaned


class AssignForm(forms.Form):
    team = _NamedChoice(
        queryset=Team.objects.none(), empty_label="Choose a team", error_messages={"required": "Choose a team"}
    )
    officer = _OfficerChoice(
        queryset=User.objects.none(), required=False, empty_label="Nobody in particular", label="Officer (optional)"
    )
    internal_note = forms.CharField(
        label="Internal note (optional)",
        help_text="Staff only: never shown to the public.",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        teams: QuerySet[Team],
        officers: QuerySet[User],
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, prefix="assign", initial=initial)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)  # noqa: S101
        team_field.queryset = teams
        officer_field = self.fields["officer"]
        assert isinstance(officer_field, forms.ModelChoiceField)  # noqa: S101
        officer_field.queryset = officers
