"""/staff/citizen-index/quality/: data quality figures and issues for data stewards (IG officers read only).

The dashboard and the issues list show counts, sources, fields and what is wrong — no
resident's details — so they are not audited; one issue's page shows the record's values
and is (people.dataqualityissue.viewed). Marking an issue corrected is a POST, for data
stewards only, audited by the service.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from townhall.accounts.constants import StaffRole
from townhall.accounts.permissions import has_role
from townhall.core.pagination import pagination_context
from townhall.people import selectors, services
from townhall.people.constants import PERSON_FIELDS, DataQualityIssueKind
from townhall.people.views import FIELD_LABELS, _user, readers, stewards

PAGE_SIZE = 50
STATUSES = [("open", "Open"), ("corrected", "Corrected"), ("all", "All")]


class IssueFilterForm(forms.Form):
    """The issues list's filters (GET); every one optional, an unknown value is an error, not ignored."""

    source = forms.TypedChoiceField(label="Source", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label="Kind of issue", required=False, choices=[("", "All kinds"), *DataQualityIssueKind.choices]
    )
    status = forms.ChoiceField(label="Status", required=False, choices=STATUSES)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        source = cast(forms.TypedChoiceField, self.fields["source"])
        source.choices = [("", "All sources"), *selectors.data_quality_source_choices()]

    def filters(self) -> selectors.IssueFilters:
        data = self.cleaned_data
        return selectors.IssueFilters(source=data["source"], kind=data["kind"], status=data["status"] or "open")


@require_GET
@readers
def dashboard(request: HttpRequest) -> HttpResponse:
    """Per source: completeness, validity, duplicates, conflicts, timeliness, issues and time to correct."""
    return render(
        request,
        "people/staff/quality.html",
        {
            "sources": selectors.data_quality_sources(now=timezone.now()),
            "trend": selectors.data_quality_trend(),
            "labels": FIELD_LABELS,
            "fields": PERSON_FIELDS,
            "open_issues": selectors.data_quality_issues_open_count(),
        },
    )


@require_GET
@readers
def issues(request: HttpRequest) -> HttpResponse:
    form = IssueFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "people/staff/quality_issues.html", {"form": form, "page": None}, status=400)
    filters = form.filters() if form.is_bound else selectors.IssueFilters()
    page = Paginator(selectors.data_quality_issues(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/staff/quality_issues.html",
        {"form": form, "page": page, "labels": FIELD_LABELS, **pagination_context(page, request.GET)},
    )


@require_GET
@readers
def issue_detail(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = selectors.data_quality_issue_by_id(issue_id)
    if issue is None:
        raise Http404("No such issue")
    user = _user(request)
    services.citizen_index_viewed(acting_user=user, object_type="DataQualityIssue", object_id=issue.pk)
    record = issue.record
    values = [(FIELD_LABELS[name], getattr(record, name) or "", name == issue.field) for name in PERSON_FIELDS]
    return render(
        request,
        "people/staff/quality_issue.html",
        {
            "issue": issue,
            "record": record,
            "values": values,
            "field_label": FIELD_LABELS.get(issue.field, ""),
            "owner": selectors.data_quality_owner(issue.source),
            "can_correct": has_role(user, StaffRole.DATA_STEWARD) and issue.corrected_at is None,
        },
    )


@require_POST
@stewards
def issue_correct(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = selectors.data_quality_issue_by_id(issue_id)
    if issue is None:
        raise Http404("No such issue")
    try:
        services.data_quality_issue_correct(acting_user=_user(request), issue=issue)
    except services.DataQualityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Issue {issue.pk} marked corrected. The next measurement checks it again.")
    return redirect("people_staff:quality_issue", issue_id=issue.pk)
