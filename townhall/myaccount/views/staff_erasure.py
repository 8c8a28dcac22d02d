"""Erasure review for information governance officers: what an erasure kept, and why; approve it.

StaffAreaMiddleware has already required sign-in and MFA for /staff/; other staff get 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.core.personal_data import ErasureAction
from townhall.myaccount import selectors, services
from townhall.myaccount.constants import ErasureState


@require_GET
@staff_role_required(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
@never_cache
def erasure_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "myaccount/staff/erasure_list.html", {"erasure_requests": selectors.erasure_requests_awaiting_review()}
    )


@require_http_methods(["GET", "POST"])
@staff_role_required(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
@never_cache
def erasure_detail(request: HttpRequest, erasure_request_id: int) -> HttpResponse:
    erasure = selectors.erasure_request_for_review(erasure_request_id=erasure_request_id)
    if erasure is None:
        raise Http404("Page not found")
    if request.method == "POST":
        if erasure.state != ErasureState.AWAITING_REVIEW:
            messages.error(request, "This erasure request has already been reviewed.")
            return redirect("staff_erasure_detail", erasure_request_id=erasure.pk)
        reviewer = request.user
        if not isinstance(reviewer, User):  # pragma: no cover - the staff door lets only signed-in staff through
            raise Http404("Page not found")
        services.erasure_request_approve(acting_user=reviewer, erasure_request_id=erasure.pk)
        messages.success(request, f"Erasure request {erasure.pk} approved and completed.")
        return redirect("staff_erasure_list")
    outcome = selectors.erasure_outcome(erasure_request=erasure)
    return render(
        request,
        "myaccount/staff/erasure_detail.html",
        {
            "erasure": erasure,
            "retained": [item for item in outcome if item.action == ErasureAction.RETAINED],
            "erased": [item for item in outcome if item.action != ErasureAction.RETAINED],
            "awaiting_review": erasure.state == ErasureState.AWAITING_REVIEW,
        },
    )
