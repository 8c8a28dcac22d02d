"""The back office (/staff/requests/): the page of one request (the queue is in backoffice_queue_views).

Case officers, team managers, customer service advisers and administrators may use it
(accounts.permissions); StaffAreaMiddleware has already required sign-in and MFA. A
member of staff sees their teams' requests; administrators see every team's. A request
outside those teams is a 404, as if it did not exist. Everything works without JavaScript:
every action is a POST that redirects back (post/redirect/get),
and the reporter's contact details appear only in the response to the POST that audited
the viewing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.service_requests import selectors, services
from townhall.service_requests.backoffice_forms import AssignForm, StatusChangeForm
from townhall.service_requests.backoffice_request_forms import request_actions_context
from townhall.service_requests.models import ServiceRequest

# Who works the queues (administrators too, as for every check).
QUEUE_ROLES: tuple[StaffRole, ...] = (
    StaffRole.CASE_OFFICER,
    StaffRole.TEAM_MANAGER,
    StaffRole.CUSTOMER_SERVICE_ADVISER,
)


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the middleware comes first
        raise Http404("Page not found")
    return user


def _request_or_404(user: User, pk: int) -> ServiceRequest:
    found = selectors.service_request_for_staff(acting_user=user, request_id=pk)
    if found is None:
        raise Http404("Page not found")
    return found


def _assign_form(user: User, service_request: ServiceRequest, data: Any = None) -> AssignForm:
    return AssignForm(
        data,
        teams=selectors.staff_queue_teams(acting_user=user),
        officers=selectors.staff_assignable_officers(acting_user=user),
        initial={"team": service_request.assigned_team_id, "officer": service_request.assigned_officer_id},
    )


def _render_request(
    request: HttpRequest,
    service_request: ServiceRequest,
    *,
    status_form: StatusChangeForm | None = None,
    assign_form: AssignForm | None = None,
    reporter: services.ReporterDetails | None = None,
    action_forms: dict[str, Any] | None = None,
    status: str = "",
) -> HttpResponse:
    """The request page; `action_forms` holds a bound form that failed (backoffice_request_views), `status`
    the status being chosen (response templates for it come first)."""
    user = _signed_in_user(request)
    now = timezone.now()
    due = service_request.sla_effective_due(now=now)
    context = {
        "service_request": service_request,
        "answers": selectors.service_request_answers(service_request=service_request),
        "history": selectors.service_request_history(service_request=service_request),
        "sla_due": due,
        "overdue": service_request.is_open and due < now,
        "status_form": status_form or StatusChangeForm(service_request=service_request),
        "assign_form": assign_form or _assign_form(user, service_request),
        "reporter": reporter,
        **request_actions_context(user=user, service_request=service_request, bound=action_forms, status=status),
    }
    # The <title> says "Error:" when any form on the page failed (GOV.UK pattern).
    context["page_has_errors"] = any(
        isinstance(value, Form) and value.is_bound and value.errors for value in context.values()
    )
    return render(request, "service_requests/backoffice/request.html", context)


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_http_methods(["GET"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_request(request, _request_or_404(_signed_in_user(request), pk))


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_POST
def reporter_details(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the reporter's contact details, only in the response to this POST, after auditing it."""
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    details = services.service_request_reporter_view(acting_user=user, service_request=service_request)
    return _render_request(request, service_request, reporter=details)


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_POST
def status_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    form = StatusChangeForm(request.POST, service_request=service_request)
    if form.is_valid():
        try:
            if form.cleaned_data.get("duplicate_request") is not None:  # followers move to the original too
                services.service_request_merge(
                    acting_user=user,
                    service_request=service_request,
                    original=form.cleaned_data["duplicate_request"],
                    public_message=form.cleaned_data["public_message"],
                    internal_note=form.cleaned_data["internal_note"],
                )
            else:
                services.service_request_status_change(
                    acting_user=user,
                    service_request=service_request,
                    to=form.cleaned_data["status"],
                    public_message=form.cleaned_data["public_message"],
                    internal_note=form.cleaned_data["internal_note"],
                )
        except ValidationError as error:
            _add_service_errors(form, error, default_field="status")
        else:
            messages.success(request, f"Status changed to {service_request.get_status_display().lower()}.")
            return redirect("backoffice_request", pk=service_request.pk)
    return _render_request(request, service_request, status_form=form)


@never_cache
@staff_role_required(*QUEUE_ROLES)
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    form = _assign_form(user, service_request, request.POST)
    if form.is_valid():
        try:
            services.service_request_assign(
                acting_user=user,
                service_request=service_request,
                team=form.cleaned_data["team"],
                officer=form.cleaned_data["officer"],
                internal_note=form.cleaned_data["internal_note"],
            )
        except PermissionDenied:
            raise Http404("Page not found") from None
        except ValidationError as error:
            _add_service_errors(form, error, default_field="team")
        else:
            messages.success(request, f"Request assigned to {form.cleaned_data['team'].name}.")
            if selectors.service_request_for_staff(acting_user=user, request_id=service_request.pk) is None:
                # Given to a team this officer is not in: the request has left their queue.
                return redirect("backoffice_queue")
            return redirect("backoffice_request", pk=service_request.pk)
    return _render_request(request, service_request, assign_form=form)


def _add_service_errors(form: Any, error: ValidationError, *, default_field: str) -> None:
    """Put a service's ValidationError on the form, on the field it names when the form has one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else default_field, errors)
    else:
        form.add_error(default_field, error)
