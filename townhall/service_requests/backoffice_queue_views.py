"""The back-office queue (/staff/requests/): the list with saved filters and bulk actions, and its map.

Who may see what is decided by the selectors (their teams' requests; every team for
administrators). Everything works without JavaScript: the filters are a GET form, a
saved filter is a link to the queue with its query string, and a bulk action is one
POST form round the table whose errors come back on the same queue page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role, staff_role_required
from townhall.core.pagination import pagination_context
from townhall.service_requests import selectors, services
from townhall.service_requests.backoffice_forms import QueueFilterForm
from townhall.service_requests.backoffice_queue_forms import (
    BULK_ASSIGN,
    BulkActionForm,
    SavedFilterForm,
    SavedFilterRenameForm,
)
from townhall.service_requests.backoffice_views import QUEUE_ROLES
from townhall.service_requests.constants import Status
from townhall.service_requests.models import SavedFilter, ServiceRequest

PAGE_SIZE = 50
QUEUE_TEMPLATE = "service_requests/backoffice/queue.html"


@dataclass(frozen=True)
class QueueRow:
    request: ServiceRequest
    due: Any
    overdue: bool
    sla_state: str


@dataclass(frozen=True)
class BulkError:
    href: str
    message: str


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the middleware comes first
        raise Http404("Page not found")
    return user


def _filter_form(user: User, query: QueryDict) -> QueueFilterForm:
    filtered = any(key != "page" for key in query)
    return QueueFilterForm(
        query if filtered else None,
        teams=selectors.staff_queue_teams(acting_user=user),
        categories=selectors.categories(),
        wards=selectors.wards(),
        all_teams_label="All teams" if has_role(user, StaffRole.ADMINISTRATOR) else "All my teams",
    )


def _bulk_form(user: User, data: Any = None) -> BulkActionForm:
    return BulkActionForm(
        data,
        teams=selectors.staff_queue_teams(acting_user=user),
        officers=selectors.staff_assignable_officers(acting_user=user),
    )


def _row(service_request: ServiceRequest, now: Any) -> QueueRow:
    due = service_request.sla_effective_due(now=now)
    if not service_request.is_open:
        state = "closed"
    elif due < now:
        state = "overdue"
    elif due.astimezone(selectors.SLA_TIME_ZONE).date() == now.astimezone(selectors.SLA_TIME_ZONE).date():
        state = "due-today"
    else:
        state = "on-time"
    return QueueRow(service_request, due, state == "overdue", state)


def _queue_context(
    request: HttpRequest, query: QueryDict, *, bulk_form: BulkActionForm | None = None
) -> dict[str, Any]:
    """Everything queue.html shows for the filters in `query` (the page's GET, or the one a bulk POST came from)."""
    user = _signed_in_user(request)
    form = _filter_form(user, query)
    filtered = form.is_bound
    query_string = services.saved_filter_query_clean(query.urlencode())
    context: dict[str, Any] = {
        "form": form,
        "filtered": filtered,
        "page": None,
        "rows": [],
        "page_links": [],
        "previous_href": "",
        "next_href": "",
        "saved_filters": selectors.saved_filters(owner=user),
        "saved_filter_form": SavedFilterForm(initial={"query": query_string}),
        "current_query": query_string,
        "return_query": query.urlencode(),
        "bulk_form": bulk_form or _bulk_form(user),
        "bulk_errors": [],
        "selected": set(),
        "map_href": reverse("backoffice_queue_map") + (f"?{query_string}" if query_string else ""),
    }
    if filtered and not form.is_valid():
        return context
    now = timezone.now()
    filters = form.filters()
    found = selectors.service_request_queue(acting_user=user, now=now, **filters)
    page = Paginator(found, PAGE_SIZE).get_page(query.get("page"))
    context["page"] = page
    context["rows"] = [_row(service_request, now) for service_request in page]
    context.update(pagination_context(page, query))
    return context


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, QUEUE_TEMPLATE, _queue_context(request, request.GET))


def _queue_url(query: str) -> str:
    return reverse("backoffice_queue") + (f"?{query}" if query else "")


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Assign or change the status of the ticked requests, all or none; errors name each request and why."""
    user = _signed_in_user(request)
    return_query = QueryDict(str(request.POST.get("return", ""))[:2000])
    form = _bulk_form(user, request.POST)
    errors: list[BulkError] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == BULK_ASSIGN:
                changed = services.service_requests_bulk_assign(
                    acting_user=user, request_ids=data["requests"], team=data["team"], officer=data["officer"]
                )
                done = f"{changed} {'request' if changed == 1 else 'requests'} assigned to {data['team'].name}."
            else:
                changed = services.service_requests_bulk_status_change(
                    acting_user=user,
                    request_ids=data["requests"],
                    to=data["status"],
                    public_message=data["public_message"],
                )
                status_label = Status(data["status"]).label.lower()
                done = f"{changed} {'request' if changed == 1 else 'requests'} moved to {status_label}."
        except services.BulkActionError as error:
            ids = dict(
                selectors.staff_visible_requests(acting_user=user)
                .filter(pk__in=data["requests"])
                .values_list("reference", "pk")
            )
            for problem in error.problems:
                anchor = f"#select-{ids[problem.reference]}" if problem.reference in ids else "#bulk-requests"
                label = f"{problem.reference}: " if problem.reference else ""
                errors.append(BulkError(anchor, f"{label}{problem.message}"))
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else "requests", problems)
        else:
            messages.success(request, done)
            return redirect(_queue_url(return_query.urlencode()))
    context = _queue_context(request, return_query, bulk_form=form)
    context["bulk_errors"] = errors
    context["page_has_errors"] = True
    context["selected"] = set(form.cleaned_data.get("requests") or []) if hasattr(form, "cleaned_data") else set()
    return render(request, QUEUE_TEMPLATE, context)


# --- saved filters -----------------------------------------------------------------------------


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_POST
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    """Save the queue's current filters under a name; errors come back on the queue page."""
    user = _signed_in_user(request)
    form = SavedFilterForm(request.POST)
    query = QueryDict(str(request.POST.get("saved-query", ""))[:2000])
    filters = _filter_form(user, query)
    if filters.is_bound and not filters.is_valid():
        form.add_error(None, "Correct the filters before saving them")
    if form.is_valid():
        try:
            saved = services.saved_filter_create(
                acting_user=user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except ValidationError as error:
            for problems in error.message_dict.values():
                form.add_error("name", problems)
        else:
            messages.success(request, f"Filter \u2018{saved.name}\u2019 saved.")
            return redirect(_queue_url(saved.query))
    context = _queue_context(request, query)
    context["saved_filter_form"] = form
    context["page_has_errors"] = True
    return render(request, QUEUE_TEMPLATE, context)


def _saved_filter_or_404(user: User, pk: int) -> SavedFilter:
    found = selectors.saved_filter_for_owner(owner=user, filter_id=pk)
    if found is None:
        raise Http404("Page not found")
    return found


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_http_methods(["GET", "POST"])
def saved_filter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename (POST action=rename) or delete (POST action=delete) one of the officer's own saved filters."""
    user = _signed_in_user(request)
    saved = _saved_filter_or_404(user, pk)
    form = SavedFilterRenameForm(initial={"name": saved.name})
    if request.method == "POST" and request.POST.get("action") == "delete":
        name = saved.name
        services.saved_filter_delete(acting_user=user, saved_filter=saved)
        messages.success(request, f"Filter \u2018{name}\u2019 deleted.")
        return redirect("backoffice_queue")
    if request.method == "POST":
        form = SavedFilterRenameForm(request.POST)
        if form.is_valid():
            try:
                services.saved_filter_rename(acting_user=user, saved_filter=saved, name=form.cleaned_data["name"])
            except ValidationError as error:
                for problems in error.message_dict.values():
                    form.add_error("name", problems)
            else:
                messages.success(request, f"Filter renamed to \u2018{saved.name}\u2019.")
                return redirect("backoffice_queue")
    return render(
        request,
        "service_requests/backoffice/saved_filter.html",
        {"form": form, "saved_filter": saved, "queue_href": _queue_url(saved.query)},
    )


# --- the queue map -----------------------------------------------------------------------------


def _marker(row: QueueRow) -> dict[str, Any]:
    item = row.request
    state = {"overdue": "overdue", "due-today": "due today", "on-time": "on time", "closed": "closed"}[row.sla_state]
    return {
        "lat": item.lat,
        "lng": item.lng,
        "label": f"{item.reference}: {item.category.name} ({state})",
        "url": reverse("backoffice_request", args=[item.pk]),
        "kind": f"sla-{row.sla_state}",
        "detail": f"{item.get_status_display()}, {item.ward.name}",
    }


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_GET
def queue_map(request: HttpRequest) -> HttpResponse:
    """The queue's requests (same filters, at most QUEUE_MAP_LIMIT) on a map, with the same rows as a table."""
    user = _signed_in_user(request)
    form = _filter_form(user, request.GET)
    context: dict[str, Any] = {"form": form, "filtered": form.is_bound, "rows": [], "markers": [], "more": False}
    query_string = services.saved_filter_query_clean(request.GET.urlencode())
    context["list_href"] = _queue_url(query_string)
    context["limit"] = selectors.QUEUE_MAP_LIMIT
    if not form.is_bound or form.is_valid():
        now = timezone.now()
        filters = form.filters()
        found = selectors.service_request_queue(acting_user=user, now=now, **filters)
        requests, more = selectors.queue_map_requests(queue=found)
        rows = [_row(service_request, now) for service_request in requests]
        context.update(rows=rows, markers=[_marker(row) for row in rows], more=more)
    return render(request, "service_requests/backoffice/queue_map.html", context)


@staff_role_required(*QUEUE_ROLES)
@require_GET
def queue_map_wards(request: HttpRequest) -> HttpResponse:
    """Ward outlines as GeoJSON for the queue map (fetched by assets/js/map.js)."""
    response = JsonResponse(selectors.ward_outlines_geojson())
    response["Content-Type"] = "application/geo+json"
    return response
