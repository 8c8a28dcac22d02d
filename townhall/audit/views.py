"""The staff audit log viewer: filter, page through, and verify the chain.

Only information governance officers and administrators (accounts.permissions); the
staff-area middleware has already required sign-in and MFA. Reading the log is not
itself audited (it would log every page of the log); verifying the chain is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from townhall.accounts.permissions import AUDIT_LOG_ROLES, staff_role_required
from townhall.audit import selectors, services
from townhall.audit.forms import AuditFilterForm

PAGE_SIZE = 50


@dataclass(frozen=True)
class PageLink:
    """One item of the GOV.UK pagination list: a page number, or an ellipsis (number None)."""

    number: int | None
    href: str
    current: bool


def _page_href(query: QueryDict, number: int) -> str:
    """This page's filters with another page number, so paging keeps the filters."""
    params = query.copy()
    params["page"] = str(number)
    return f"?{params.urlencode()}"


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
    query = request.GET.copy()
    query.pop("page", None)
    context["page"] = page
    context["page_links"] = [
        PageLink(None, "", False)
        if number == Paginator.ELLIPSIS
        else PageLink(int(number), _page_href(query, int(number)), number == page.number)
        for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    context["previous_href"] = _page_href(query, page.previous_page_number()) if page.has_previous() else ""
    context["next_href"] = _page_href(query, page.next_page_number()) if page.has_next() else ""
    return render(request, "audit/audit_log.html", context)
