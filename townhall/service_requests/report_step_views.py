"""The report journey's photo step and "is it one of these?" step, following a report, and serving photos.

Photos: one upload per POST (a plain multipart form works in every browser, without
JavaScript); each is checked and re-encoded by photos.photo_prepare before it is stored
under the draft's secret photo key, so only the session writing the report sees it.

"Is it one of these?": after the location, open public reports in the same category
within the category's duplicate radius are offered; following one subscribes the
resident (their account, or an email address confirmed by a signed link) instead of
making a duplicate report.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.service_requests import selectors, services
from townhall.service_requests.constants import PhotoPolicy
from townhall.service_requests.models import RequestPhoto, ServiceRequest
from townhall.service_requests.photos import MAX_PHOTOS, accepted_formats_text
from townhall.service_requests.report_forms import FollowEmailForm, PhotoForm
from townhall.service_requests.report_views import Draft, _back, _draft_step, _reporter, _signed_in

FOLLOWING_KEY = "report_following"


# --- photos ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_draft_step("photos")
def photos(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Upload (button "Upload photo") or move on ("Continue"); a file chosen before "Continue" is uploaded too."""
    chosen = draft.category
    assert chosen is not None  # noqa: S101
    if not draft.photos_allowed(chosen):
        draft.save(photos_done=True)
        return redirect(draft.next_url(chosen))
    stored = selectors.draft_photos(draft_key=draft.photo_key)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        prepared = form.cleaned_data["photo"]
        if prepared is None and request.POST.get("action") != "continue":
            form.add_error("photo", "Select a photo to upload")
        elif prepared is not None:
            try:
                services.request_photo_store(prepared=prepared, draft_key=draft.photo_key, order=len(stored) + 1)
            except ValidationError as error:
                form.add_error("photo", error.message_dict.get("photo", error.messages))
            else:
                stored = selectors.draft_photos(draft_key=draft.photo_key)
        if not form.errors:
            if request.POST.get("action") != "continue":
                return redirect(draft.url("photos"))
            if chosen.photos == PhotoPolicy.REQUIRED and not stored:
                form.add_error("photo", "Select a photo of the problem")
            else:
                draft.save(photos_done=True)
                return redirect(draft.next_url(chosen))
    return render(
        request,
        "service_requests/report/photos.html",
        {
            "form": form,
            "draft": draft,
            "photos": stored,
            "required": chosen.photos == PhotoPolicy.REQUIRED,
            "room_for_more": len(stored) < MAX_PHOTOS,
            "max_photos": MAX_PHOTOS,
            "formats": accepted_formats_text(),
            "back_url": _back(draft, "photos"),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@_draft_step("photo_remove")
def photo_remove(request: HttpRequest, draft: Draft) -> HttpResponse:
    raw = request.POST.get("photo", "")
    if raw.isdigit():
        services.draft_photo_remove(draft_key=draft.photo_key, photo_id=int(raw))
    chosen = draft.category
    required = chosen is not None and chosen.photos == PhotoPolicy.REQUIRED
    if required and not selectors.draft_photos(draft_key=draft.photo_key):
        draft.save(photos_done=False)
    return redirect(draft.url("photos"))


def photo_response(photo: RequestPhoto) -> FileResponse:
    """The stored (already re-encoded, metadata-free) image, never cached by shared caches."""
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


@require_GET
@_draft_step("draft_photo")
def draft_photo(request: HttpRequest, draft: Draft, photo_id: int) -> HttpResponseBase:
    """A photo of this session's draft (the draft's secret key must match)."""
    photo = selectors.request_photo_get(photo_id=photo_id)
    if photo is None or photo.request_id is not None or photo.draft_key != draft.photo_key:
        raise Http404("Page not found")
    return photo_response(photo)


def photo_visible(photo: RequestPhoto) -> bool:
    """Public photos of public, confirmed reports only; staff see every photo from the back office (MFA'd)."""
    found = photo.request
    if found is None:
        return False
    return photo.is_public and found.is_public and found.category.is_public and not found.awaiting_confirmation


@require_GET
def request_photo(request: HttpRequest, reference: str, photo_id: int) -> HttpResponseBase:
    photo = selectors.request_photo_get(photo_id=photo_id)
    if photo is None or photo.request is None or photo.request.reference != reference.upper():
        raise Http404("Page not found")
    if not photo_visible(photo):
        raise Http404("Page not found")
    return photo_response(photo)


# --- "is it one of these?" and following ------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_draft_step("nearby")
def nearby(request: HttpRequest, draft: Draft) -> HttpResponse:
    chosen = draft.category
    assert chosen is not None  # noqa: S101
    where = draft.data["location"]
    found = selectors.nearby_open_requests(category=chosen, lat=where["lat"], lng=where["lng"])
    if not found or request.method == "POST":  # none nearby, or "No - report a new problem"
        draft.save(nearby_done=draft.nearby_key(chosen))
        return redirect(draft.next_url(chosen))
    return render(
        request,
        "service_requests/report/nearby.html",
        {"draft": draft, "nearby": found, "category": chosen, "back_url": draft.url("location")},
    )


def _followable(draft: Draft, reference: str) -> ServiceRequest:
    """A report offered on the nearby step: open, public, confirmed, same category."""
    found = selectors.public_request_by_reference(reference=reference)
    chosen = draft.category
    if found is None or chosen is None or found.category_id != chosen.pk or not found.is_open:
        raise Http404("Page not found")
    return found


def _followed(request: HttpRequest, found: ServiceRequest) -> HttpResponse:
    following: list[str] = request.session.get(FOLLOWING_KEY, [])
    request.session[FOLLOWING_KEY] = [*following[-19:], found.reference]
    return redirect("report:following", reference=found.reference)


@require_POST
@_draft_step("follow")
def follow(request: HttpRequest, draft: Draft, reference: str) -> HttpResponse:
    """ "Yes - follow this report": an account follows at once; without one, ask for an email address."""
    found = _followable(draft, reference)
    reporter = _reporter(request)
    if reporter is None:
        return redirect("report:follow_email", draft_id=draft.id, reference=found.reference)
    services.request_subscribe(request=found, user=reporter)
    draft.discard()
    return _followed(request, found)


@require_http_methods(["GET", "POST"])
@_draft_step("follow_email")
def follow_email(request: HttpRequest, draft: Draft, reference: str) -> HttpResponse:
    found = _followable(draft, reference)
    if _signed_in(request):
        return redirect(draft.url("nearby"))
    given = (draft.data.get("contact") or {}).get("email", "")
    form = FollowEmailForm(request.POST or None, initial={"email": given})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        services.follow_email_send(request=found, email=email)
        draft.discard()
        return render(
            request, "service_requests/report/follow_check_email.html", {"service_request": found, "email": email}
        )
    return render(
        request,
        "service_requests/report/follow_email.html",
        {"form": form, "draft": draft, "service_request": found, "back_url": draft.url("nearby")},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: GET shows a button (email scanners only GET), POST starts the updates."""
    read = services.follow_token_read(token=token)
    found = selectors.public_request_by_reference(reference=read[0]) if read is not None else None
    if read is None or found is None:
        return render(request, "service_requests/report/link_invalid.html", {"kind": "follow"}, status=404)
    if request.method == "POST":
        services.request_subscribe(request=found, email=read[1])
        return _followed(request, found)
    return render(request, "service_requests/report/follow_confirm.html", {"service_request": found})


@require_GET
def following(request: HttpRequest, reference: str) -> HttpResponse:
    if reference not in request.session.get(FOLLOWING_KEY, []):
        raise Http404("Page not found")
    found = selectors.public_request_by_reference(reference=reference)
    if found is None:
        raise Http404("Page not found")
    return render(
        request,
        "service_requests/report/following.html",
        {"service_request": found, "track_url": reverse("report:track", args=[found.reference])},
    )
