"""Council notices: the public pages at /news/ and the back office at /staff/notices/.

Public pages work without JavaScript (filters are a GET form) and show only published,
not-withdrawn notices. Staff pages are for team managers and administrators; anyone else
gets 404, like every staff page (StaffAreaMiddleware has already required sign-in and MFA).
Each change is a POST that redirects (post/redirect/get).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.permissions import staff_role_required
from townhall.core.pagination import pagination_context
from townhall.notices import selectors, services
from townhall.notices.constants import PUBLIC_PAGE_SIZE, STAFF_PAGE_SIZE, NoticeKind, NoticeState
from townhall.notices.forms import NoticeFilterForm, NoticeForm, PublishForm, add_service_errors
from townhall.notices.models import Notice
from townhall.notices.permissions import NOTICE_EDITOR_ROLES

editor_required = staff_role_required(*NOTICE_EDITOR_ROLES)


# --- public ----------------------------------------------------------------------------------------


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET, wards=selectors.notice_wards())
    kind, ward = form.chosen()
    page = Paginator(selectors.notices_public(kind=kind, ward=ward), PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    if ward is not None:
        feed_url, feed_title = reverse("notices_feed_ward", args=[ward.code]), f"News and events in {ward.name}"
    else:
        feed_url, feed_title = reverse("notices_feed"), "All news and events"
    return render(
        request,
        "notices/list.html",
        {
            "filters": form,
            "page": page,
            "filtered": bool(kind or ward),
            "feed_url": feed_url,
            "feed_title": feed_title,
            "now": timezone.now(),
            **pagination_context(page, request.GET),
        },
    )


@require_GET
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notice_public_get(notice_id=notice_id)
    if notice is None:
        raise Http404("Page not found")
    now = timezone.now()
    return render(
        request, "notices/detail.html", {"notice": notice, "ended": notice.state(now=now) == NoticeState.ENDED}
    )


# --- staff -----------------------------------------------------------------------------------------


def _staff_notice_or_404(notice_id: int) -> Notice:
    notice = selectors.notice_staff_get(notice_id=notice_id)
    if notice is None:
        raise Http404("Page not found")
    return notice


def _notice_form(request: HttpRequest, **kwargs: Any) -> NoticeForm:
    return NoticeForm(
        request.POST if request.method == "POST" else None,
        wards=selectors.notice_wards(),
        groups=selectors.notice_groups(),
        **kwargs,
    )


@editor_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notices_for_staff(), STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(notice, notice.state(now=now)) for notice in page.object_list]
    return render(
        request,
        "notices/staff/list.html",
        {"page": page, "rows": rows, "states": NoticeState, **pagination_context(page, request.GET)},
    )


@editor_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    form = _notice_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(acting_user=request.user, fields=form.notice_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Draft “{notice.title}” saved. It is not public until you publish it.")
            return redirect("notices_staff:publish", notice_id=notice.pk)
    return render(request, "notices/staff/form.html", {"form": form, "notice": None})


@editor_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _staff_notice_or_404(notice_id)
    initial = {
        "kind": notice.kind,
        "title": notice.title,
        "summary": notice.summary,
        "body": notice.body,
        "wards": list(notice.wards.all()),
        "category_group": notice.category_group,
        "starts_at": timezone.localtime(notice.starts_at) if notice.starts_at else None,
        "ends_at": timezone.localtime(notice.ends_at) if notice.ends_at else None,
        "location": notice.location,
    }
    form = _notice_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update(acting_user=request.user, notice=notice, fields=form.notice_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Changes to “{notice.title}” saved.")
            return redirect("notices_staff:list")
    return render(request, "notices/staff/form.html", {"form": form, "notice": notice})


@editor_required
@require_http_methods(["GET", "POST"])
def staff_publish(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Publish now or schedule (GET shows the choice), or, with action=withdraw, take it down."""
    notice = _staff_notice_or_404(notice_id)
    form = PublishForm(request.POST if request.method == "POST" and "when" in request.POST else None)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                services.notice_withdraw(acting_user=request.user, notice=notice)
                messages.success(request, f"“{notice.title}” withdrawn. It is no longer public.")
                return redirect("notices_staff:list")
            if form.is_valid():
                published = services.notice_publish(
                    acting_user=request.user, notice=notice, publish_at=form.publish_at_or_now()
                )
                when = timezone.localtime(published.publish_at) if published.publish_at else None
                messages.success(
                    request,
                    f"“{notice.title}” published."
                    if when is None or when <= timezone.localtime()
                    else f"“{notice.title}” will be published at {when:%H:%M} on {when:%-d %B %Y}.",
                )
                return redirect("notices_staff:list")
        except ValidationError as refused:
            if request.POST.get("action") == "withdraw":
                error = " ".join(refused.messages)
            else:
                add_service_errors(form, refused)
    state = notice.state()
    return render(
        request,
        "notices/staff/publish.html",
        {"notice": notice, "form": form, "state": state, "states": NoticeState, "error": error, "kinds": NoticeKind},
        status=400 if request.method == "POST" else 200,
    )
