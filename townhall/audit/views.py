"""The staff audit log viewer: filter, page through, and verify the chain.

Only information governance officers and administrators (accounts.permissions); the
staff-area middleware has already required sign-in and MFA. Reading the log is not
itself audited (it would log every page of the log); verifying the chain is.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from townhall.accounts.permissions import AUDIT_LOG_ROLES, staff_role_required
from townhall.audit import selectors, services
from townhall.audit.forms import AuditFilterForm
from townhall.core.pagination import pagination_context

PAGE_SIZE = 50


@staff_role_required(*AUDIT_LOG_ROLES)
@require_http_methods(["GET", "POST"])
def audit_log(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Post/redirect/get: the result travels as a message and shows as a notification banner.
        result = services.audit_chain_verify(acting_user=request.user)
        if result.ok:
            messages.success(request, result.message)
        else:
            messages.error(request, result.message)
        filters_query = request.GET.urlencode()
        return redirect(f"{reverse('audit_log')}?{filters_query}" if filters_query else reverse("audit_log"))

    filtered = any(key != "page" for key in request.GET)
    form = AuditFilterForm(request.GET if filtered else None)
    context: dict[str, object] = {
        "form": form,
        "filtered": filtered,
        "verify_action": f"?{request.GET.urlencode()}" if request.GET else reverse("audit_log"),
        "page": None,
        "page_links": [],
        "previous_href": "",
        "next_href": "",
    }
    if form.is_bound and not form.is_valid():
        return render(request, "audit/audit_log.html", context)

    entries = selectors.audit_entries(**form.filters()) if form.is_bound else selectors.audit_entries()
    paginator = Paginator(entries, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context["page"] = page
    context.update(pagination_context(page, request.GET))
    return render(request, "audit/audit_log.html", context)
