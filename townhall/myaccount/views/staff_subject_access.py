"""/staff/subject-access/: information governance officers answer requests for council records.

StaffAreaMiddleware has already required sign-in and MFA for /staff/; other staff get 404.
Opening a request shows a resident's records from other council systems, so every GET of
the detail page writes an audit entry (services.subject_access_review_view).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.myaccount import services
from townhall.myaccount.constants import RedactionReason, SubjectAccessState
from townhall.myaccount.forms import ExtendForm, NoteForm, RedactForm, RefuseForm


def _officer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the staff door lets only signed-in staff through
        raise Http404("Page not found")
    return user


@require_GET
@staff_role_required(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
@never_cache
def subject_access_list(request: HttpRequest) -> HttpResponse:
    queue = services.subject_access_queue_view(acting_user=_officer(request))
    return render(
        request,
        "myaccount/staff/subject_access_list.html",
        {"open_requests": queue.open_requests, "closed_requests": queue.closed_requests},
    )


def _act(request: HttpRequest, officer: User, request_id: int) -> tuple[str, forms.Form | None]:
    """Carry out the POSTed action; returns a success message, or "" and the form with its errors."""
    action = request.POST.get("action", "")
    if action == "redact":
        form: forms.Form = RedactForm(request.POST)
        if not form.is_valid():
            return "", form
        data = form.cleaned_data
        services.subject_access_redact(
            acting_user=officer,
            request_id=request_id,
            source_code=data["source_code"],
            source_record_id=data["source_record_id"],
            fields=list(data["withhold"]),
            reason=data["reason"],
        )
        return "Redaction recorded.", None
    if action == "unredact":
        try:
            redaction_id = int(request.POST.get("redaction", ""))
        except ValueError:
            raise services.SubjectAccessError("There is no such redaction on this request.") from None
        services.subject_access_unredact(acting_user=officer, request_id=request_id, redaction_id=redaction_id)
        return "Redaction removed.", None
    if action == "note":
        form = NoteForm(request.POST)
        if not form.is_valid():
            return "", form
        services.subject_access_note_set(
            acting_user=officer, request_id=request_id, note=form.cleaned_data["covering_note"]
        )
        return "Covering note saved.", None
    if action == "extend":
        form = ExtendForm(request.POST)
        if not form.is_valid():
            return "", form
        sar = services.subject_access_extend(
            acting_user=officer,
            request_id=request_id,
            months=form.cleaned_data["months"],
            reason=form.cleaned_data["extension_reason"],
        )
        return f"Deadline extended to {sar.extended_to:%-d %B %Y}. The resident has been told why.", None
    if action == "refuse":
        form = RefuseForm(request.POST)
        if not form.is_valid():
            return "", form
        services.subject_access_refuse(
            acting_user=officer, request_id=request_id, reason=form.cleaned_data["refusal_reason"]
        )
        return "Request refused. The resident has been told why.", None
    if action == "release":
        sar = services.subject_access_release(acting_user=officer, request_id=request_id)
        return f"{sar.reference} released. The resident has been sent a message.", None
    raise services.SubjectAccessError("Choose what to do.")


def _redact_errors(form: forms.Form | None, request: HttpRequest) -> dict[str, object]:
    """The redaction form's errors, shown beside the record they were about (one form per record)."""
    if form is None:
        return {"record": None, "fields": [], "reason": []}
    return {
        "record": request.POST.get("source_record_id", ""),
        "fields": [
            *form.errors.get("withhold", []),
            *form.errors.get("source_code", []),
            *form.errors.get("source_record_id", []),
        ],
        "reason": list(form.errors.get("reason", [])),
    }


@require_http_methods(["GET", "POST"])
@staff_role_required(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
@never_cache
def subject_access_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    officer = _officer(request)
    failed: forms.Form | None = None
    if request.method == "POST":
        try:
            done, failed = _act(request, officer, request_id)
        except services.SubjectAccessError as error:
            messages.error(request, str(error))
            return redirect("staff_subject_access_detail", request_id=request_id)
        if failed is None:
            messages.success(request, done)
            return redirect("staff_subject_access_detail", request_id=request_id)
    review = services.subject_access_review_view(acting_user=officer, request_id=request_id)
    if review is None:
        raise Http404("Page not found")
    sar = review.request
    forms_by_action = {
        "note": NoteForm(initial={"covering_note": sar.covering_note}),
        "extend": ExtendForm(),
        "refuse": RefuseForm(),
    }
    failed_action = request.POST.get("action", "") if failed is not None else ""
    if failed is not None and failed_action in forms_by_action:
        forms_by_action[failed_action] = failed
    return render(
        request,
        "myaccount/staff/subject_access_detail.html",
        {
            "sar": sar,
            "records": review.records,
            "is_open": sar.state == SubjectAccessState.OPEN,
            "reasons": RedactionReason.choices,
            "redact_errors": _redact_errors(failed if failed_action == "redact" else None, request),
            "note_form": forms_by_action["note"],
            "extend_form": forms_by_action["extend"],
            "refuse_form": forms_by_action["refuse"],
            "failed_form": failed,
        },
        status=400 if failed is not None else 200,
    )
