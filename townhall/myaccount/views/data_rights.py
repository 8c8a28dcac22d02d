"""Your data: a resident downloads what we hold about them, or asks us to erase it (UK GDPR Art. 15, 17, 20).

Residents only: staff accounts get 404 (their records are handled by the council as
employer). Every view reads the signed-in person's own records; a download that is not
theirs, or has expired, answers 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.models import User
from townhall.accounts.permissions import is_council_staff
from townhall.core.forms import PasswordConfirmationForm
from townhall.core.personal_data import ErasureAction
from townhall.myaccount import selectors, services
from townhall.myaccount.constants import EXPORT_RETENTION_DAYS
from townhall.myaccount.views.zip_response import zip_response


def _resident(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.is_superuser or is_council_staff(user):
        raise Http404("Page not found")
    return user


class ErasureConfirmForm(PasswordConfirmationForm):
    confirm = forms.BooleanField(
        label="I understand that my account will be closed and my personal data erased, apart from what is kept",
        error_messages={"required": "Confirm that you want us to erase your data"},
    )


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def data(request: HttpRequest) -> HttpResponse:
    user = _resident(request)
    if request.method == "POST":
        services.data_export_request(acting_user=user, user=user)
        messages.success(
            request, "We are preparing your download. We will send you a message when it is ready to download."
        )
        return redirect("myaccount:data")
    return render(
        request,
        "myaccount/data/your_data.html",
        {
            "exports": selectors.data_exports_for(user=user),
            "pending": selectors.data_export_pending(user=user),
            "retention_days": EXPORT_RETENTION_DAYS,
            **_council_records_context(user),
        },
    )


def _council_records_context(user: User) -> dict[str, object]:
    """May this account ask for records from other council systems, and is a request open?"""
    return {
        "identity_verified": selectors.identity_verified(user=user),
        "citizen_linked": selectors.linked_citizen_id(user=user) is not None,
        "open_request": selectors.subject_access_open_for(user=user),
    }


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def subject_access(request: HttpRequest) -> HttpResponse:
    """Records other council systems hold about me: ask for them (once verified), follow and download."""
    user = _resident(request)
    if request.method == "POST":
        try:
            sar = services.subject_access_request_create(acting_user=user, user=user)
        except services.SubjectAccessError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"We have your request, reference {sar.reference}. We will reply by {sar.deadline:%-d %B %Y}."
            )
        return redirect("myaccount:subject_access")
    return render(
        request,
        "myaccount/data/subject_access.html",
        {"requests": selectors.subject_access_requests_for(user=user), **_council_records_context(user)},
    )


@require_GET
@login_required
@never_cache
def subject_access_download(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _resident(request)
    sar = selectors.access_subject_access_for_download(user=user, request_id=request_id)
    if sar is None:
        raise Http404("Page not found")
    files = services.subject_access_package_files(sar=sar)
    services.subject_access_downloaded(acting_user=user, sar=sar)
    return zip_response(files, filename=f"council-records-{sar.reference}.zip")


@require_GET
@login_required
@never_cache
def data_download(request: HttpRequest, export_id: int) -> FileResponse:
    user = _resident(request)
    export = selectors.access_data_export_for_download(user=user, export_id=export_id)
    if export is None:
        raise Http404("Page not found")
    try:
        handle = services.export_path(export.file_name).open("rb")
    except (OSError, ValueError):
        raise Http404("Page not found") from None
    services.data_export_downloaded(acting_user=user, export=export)
    stamp = export.completed_at or export.requested_at
    response = FileResponse(
        handle, as_attachment=True, filename=f"your-data-{stamp:%Y-%m-%d}.zip", content_type="application/zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def erase(request: HttpRequest) -> HttpResponse:
    user = _resident(request)
    form = ErasureConfirmForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        erasure = services.erasure_request_create(acting_user=user, user=user)
        outcome = selectors.erasure_outcome(erasure_request=erasure)
        logout(request)
        return render(
            request,
            "myaccount/data/erase_done.html",
            {
                "erasure": erasure,
                "erased": [item for item in outcome if item.action != ErasureAction.RETAINED and item.count],
                "retained": [item for item in outcome if item.action == ErasureAction.RETAINED and item.count],
            },
        )
    preview = services.erasure_preview(user=user)
    return render(
        request,
        "myaccount/data/erase.html",
        {
            "form": form,
            "has_password": user.has_usable_password(),
            "erased": [item for item in preview if item.action != ErasureAction.RETAINED and item.count],
            "retained": [item for item in preview if item.action == ErasureAction.RETAINED and item.count],
        },
    )
