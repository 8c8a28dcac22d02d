"""Confirming an anonymous report by email, and the reporter's own actions on the tracking page.

Links in emails are opened by mail scanners as well as people, so a GET never changes
anything: it shows a button, and the POST does the work. The manage link in the
acknowledgement email lets a reporter without an account add an update or reopen their
report from the tracking page in that browser session (report_owner).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.service_requests import selectors, services
from townhall.service_requests.models import ServiceRequest
from townhall.service_requests.report_forms import ReopenForm, ReporterUpdateForm
from townhall.service_requests.report_owner import is_reporter, manage_grant, through_manage_link
from townhall.service_requests.report_views import SUBMITTED_KEY, _reporter, track_page

# --- email confirmation of anonymous reports ----------------------------------------------------


def _link_invalid(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "service_requests/report/link_invalid.html",
        {"kind": "confirm", "expired": reason == "expired"},
        status=410 if reason == "expired" else 404,
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        waiting = services.awaiting_request_for_token(token=token)
        if request.method == "GET":
            return render(request, "service_requests/report/confirm.html", {"service_request": waiting})
        confirmed = services.service_request_confirm(token=token)
    except services.ConfirmationError as error:
        return _link_invalid(request, error.reason)
    submitted = request.session.get(SUBMITTED_KEY, {})
    submitted[f"confirmed:{confirmed.reference}"] = confirmed.reference
    request.session[SUBMITTED_KEY] = submitted
    return redirect("report:confirmation", reference=confirmed.reference)


# --- the reporter's update, reopening, and the manage link ---------------------------------------


def _own_public_request(request: HttpRequest, reference: str) -> ServiceRequest:
    """The report, if this visitor is its reporter and it is on the public site; 404 for everyone else."""
    found = selectors.public_request_by_reference(reference=reference)
    if found is None or not is_reporter(request, found):
        raise Http404("Page not found")
    return found


@require_GET
def manage(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The link in an anonymous reporter's acknowledgement email: remember it in the session, show the report."""
    found = selectors.public_request_by_reference(reference=reference)
    signed_for = services.manage_token_reference(token=token)
    if found is None or found.reporter_id is not None or signed_for != found.reference:
        raise Http404("Page not found")
    manage_grant(request, found)
    return redirect("report:track", reference=found.reference)


def _messages(error: ValidationError) -> list[str]:
    return [message for messages in error.message_dict.values() for message in messages]


def _updates_url(found: ServiceRequest) -> str:
    return reverse("report:track", args=[found.reference]) + "#updates"


@require_POST
def reporter_update(request: HttpRequest, reference: str) -> HttpResponse:
    found = _own_public_request(request, reference)
    form = ReporterUpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.service_request_reporter_update(
                acting_user=_reporter(request),
                service_request=found,
                message=form.cleaned_data["message"],
                photo=form.cleaned_data["photo"],
                through_manage_link=through_manage_link(found),
            )
        except ValidationError as error:
            form.add_error("photo" if "photo" in error.message_dict else "message", _messages(error))
        else:
            return redirect(_updates_url(found))
    return track_page(request, found, forms={"update": form})


@require_POST
def reporter_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    found = _own_public_request(request, reference)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.service_request_reporter_reopen(
                acting_user=_reporter(request),
                service_request=found,
                reason=form.cleaned_data["reason"],
                through_manage_link=through_manage_link(found),
            )
        except ValidationError as error:
            form.add_error("reason", _messages(error))
        else:
            return redirect(_updates_url(found))
    return track_page(request, found, forms={"reopen": form})
