"""/staff/citizen-index/: the Citizen Index for data stewards (information governance officers read only).

Every page that shows residents' details writes an audit entry ("people.*.viewed").
Only data stewards (and administrators) may record review decisions (they bind the
next linkage run) and merge or split citizens (services audit those). No JavaScript:
every action is a form that posts.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role, staff_role_required
from townhall.people import selectors, services
from townhall.people.constants import PERSON_FIELDS, CitizenStatus, ReviewDecision
from townhall.people.forms import CitizenMergeForm, CitizenSplitForm, ReviewDecisionForm
from townhall.people.models import Citizen

readers = staff_role_required(StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER)
stewards = staff_role_required(StaffRole.DATA_STEWARD)
QUEUE_SIZE = 50
FIELD_LABELS = {
    "given_name": "Given name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town",
    "postcode": "Postcode",
    "email": "Email",
    "phone": "Phone",
}


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # pragma: no cover - the staff middleware signs people in first
        raise Http404("Page not found")
    return request.user


@require_GET
@readers
def overview(request: HttpRequest) -> HttpResponse:
    """Counts only (no personal details), so not audited."""
    return render(
        request,
        "people/staff/overview.html",
        {
            "sources": selectors.source_record_counts(),
            "citizens": selectors.active_citizen_count(),
            "run": selectors.linkage_run_latest(),
            "pending": selectors.review_pairs_pending_count(),
        },
    )


@require_GET
@readers
def review_queue(request: HttpRequest) -> HttpResponse:
    pairs = selectors.review_pairs_pending(limit=QUEUE_SIZE)
    services.citizen_index_viewed(acting_user=_user(request), object_type="ReviewQueue", object_id="pending")
    return render(
        request,
        "people/staff/review_queue.html",
        {"pairs": pairs, "pending": selectors.review_pairs_pending_count(), "queue_size": QUEUE_SIZE},
    )


@require_http_methods(["GET", "POST"])
@readers
def review_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = selectors.review_pair_by_id(pair_id)
    if pair is None:
        raise Http404("No such pair")
    user = _user(request)
    can_decide = has_role(user, StaffRole.DATA_STEWARD)
    form = ReviewDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_decide:
            raise Http404("Page not found")
        if form.is_valid():
            services.review_pair_decide(
                acting_user=user, pair=pair, decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Decision recorded. It applies from the next linkage run.")
            return redirect("people_staff:review_queue")
    services.citizen_index_viewed(acting_user=user, object_type="ReviewPair", object_id=pair.pk)
    low, high = pair.record_low, pair.record_high
    rows = [
        (
            FIELD_LABELS[name],
            getattr(low, name) or "",
            getattr(high, name) or "",
            getattr(low, name) == getattr(high, name),
        )
        for name in PERSON_FIELDS
    ]
    return render(
        request,
        "people/staff/review_pair.html",
        {
            "pair": pair,
            "rows": rows,
            "steps": pair.explanation,
            "form": form,
            "can_decide": can_decide,
            "decided": pair.decision != ReviewDecision.PENDING,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@readers
def citizen_detail(request: HttpRequest, citizen_id: str) -> HttpResponse:
    citizen = selectors.citizen_by_id(citizen_id)
    if citizen is None:
        raise Http404("No such citizen")
    services.citizen_index_viewed(acting_user=_user(request), object_type="Citizen", object_id=citizen.citizen_id)
    golden = selectors.golden_record(citizen.citizen_id)
    fields = []
    if golden is not None:
        for name in PERSON_FIELDS:
            origin = golden.provenance.get(name, {})
            fields.append(
                (FIELD_LABELS[name], getattr(golden, name) or "", origin.get("source", ""), origin.get("rule", ""))
            )
    return render(
        request,
        "people/staff/citizen.html",
        {
            "citizen": citizen,
            "fields": fields,
            "records": selectors.citizen_source_records(citizen.citizen_id),
            "events": selectors.citizen_events(citizen.citizen_id),
            "can_change": has_role(_user(request), StaffRole.DATA_STEWARD) and citizen.status == CitizenStatus.ACTIVE,
        },
    )


def _active_citizen_or_404(citizen_id: str) -> Citizen:
    citizen = selectors.citizen_by_id(citizen_id)
    if citizen is None or citizen.status != CitizenStatus.ACTIVE:
        raise Http404("No such citizen")
    return citizen


@require_http_methods(["GET", "POST"])
@stewards
def citizen_merge(request: HttpRequest, citizen_id: str) -> HttpResponse:
    citizen = _active_citizen_or_404(citizen_id)
    form = CitizenMergeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.citizen_merge(
                acting_user=_user(request),
                citizen_ids=[citizen.citizen_id, form.cleaned_data["other"]],
                reason=form.cleaned_data["reason"],
            )
        except services.CitizenChangeError as exc:
            form.add_error("other", str(exc))
        else:
            messages.success(request, f"Merged {form.cleaned_data['other']} into {citizen.citizen_id}.")
            return redirect("people_staff:citizen", citizen_id=citizen.citizen_id)
    return render(
        request,
        "people/staff/citizen_merge.html",
        {"citizen": citizen, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@stewards
def citizen_split(request: HttpRequest, citizen_id: str) -> HttpResponse:
    citizen = _active_citizen_or_404(citizen_id)
    records = selectors.citizen_source_records(citizen.citizen_id)
    services.citizen_index_viewed(acting_user=_user(request), object_type="Citizen", object_id=citizen.citizen_id)
    choices = [
        (str(r.pk), f"{r.source_system.name} {r.source_id}: {r.given_name} {r.surname}".strip()) for r in records
    ]
    form = CitizenSplitForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.citizen_split(
                acting_user=_user(request),
                citizen_id=citizen.citizen_id,
                source_record_pks=[int(pk) for pk in form.cleaned_data["records"]],
                reason=form.cleaned_data["reason"],
            )
        except services.CitizenChangeError as exc:
            form.add_error("records", str(exc))
        else:
            messages.success(request, f"Moved the records to a new citizen, {new.citizen_id}.")
            return redirect("people_staff:citizen", citizen_id=citizen.citizen_id)
    return render(
        request,
        "people/staff/citizen_split.html",
        {"citizen": citizen, "form": form},
        status=400 if request.method == "POST" else 200,
    )
