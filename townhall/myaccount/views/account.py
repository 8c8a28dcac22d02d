"""The resident's account pages: dashboard, timeline, inbox, details, preferences, consent, volunteering.

Every view reads the signed-in person's own records through selectors that take the
user; an id that belongs to someone else finds nothing and answers 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from townhall.core.pagination import pagination_context
from townhall.myaccount import letter_pdf, selectors, services
from townhall.myaccount.constants import TIMELINE_PAGE_SIZE, TimelineKind
from townhall.myaccount.forms import (
    AddressChoiceForm,
    ConsentForm,
    DetailsForm,
    PostcodeForm,
    PreferencesForm,
    TimelineFilterForm,
    VolunteeringForm,
    preferences_initial,
)
from townhall.myaccount.views.acting import account_context
from townhall.notices import selectors as notice_selectors
from townhall.notify import selectors as notify_selectors
from townhall.notify import services as notify_services
from townhall.people import selectors as people_selectors
from townhall.places import selectors as place_selectors
from townhall.service_requests import selectors as request_selectors

INBOX_PAGE_SIZE = 20


def _page(request: HttpRequest, template: str, context: dict[str, object], *, status: int = 200) -> HttpResponse:
    """Render an account page with the "acting for" banner's context."""
    return render(request, template, {"acting": account_context(request), **context}, status=status)


def _own_account_only(request: HttpRequest) -> HttpResponse | None:
    """Some things only the account holder may do (a feed secret): refuse them while acting for someone."""
    if account_context(request).on_behalf:
        return _page(request, "myaccount/not_while_acting.html", {}, status=403)
    return None


@require_GET
@login_required
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    user = account_context(request).holder
    dashboard = selectors.dashboard_for(user=user)
    coming_up = {item.key for item in dashboard.coming_up}
    return _page(
        request,
        "myaccount/dashboard.html",
        {
            "dashboard": dashboard,
            "suggestions": [item for item in selectors.suggestions_for(user) if item.key not in coming_up][:3],
            "account_user": user,
        },
    )


@require_GET
@login_required
@never_cache
def timeline(request: HttpRequest) -> HttpResponse:
    user = account_context(request).holder
    form = TimelineFilterForm(request.GET or None)
    only = selectors.TimelineFilter()
    if form.is_bound and form.is_valid():
        only = selectors.TimelineFilter(
            kinds=frozenset(form.cleaned_data["kind"] or TimelineKind.values),
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    items = selectors.timeline_for(user=user, only=only)
    page = Paginator(items, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "myaccount/timeline.html",
        {
            "form": form,
            "page": page,
            "personalised": selectors.preferences_for(user=user).personalised_timeline,
            **pagination_context(page, request.GET),
        },
    )


@require_GET
@login_required
def suggestion(request: HttpRequest, reference: str) -> HttpResponse:
    """Open a suggested report: remember its group for the ranking, then show its public page."""
    found = request_selectors.public_request_by_reference(reference=reference)
    if found is None:
        raise Http404("Page not found")
    context = account_context(request)
    if not context.on_behalf:  # the ranking learns from the holder's own clicks only
        services.suggestion_opened(user=context.holder, category_group=found.category.group)
    return redirect("report:track", reference=found.reference)


@require_GET
@login_required
def suggestion_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Open a suggested council notice: remember its service area (if it has one), then show it."""
    notice = notice_selectors.notice_public_get(notice_id=notice_id)
    if notice is None:
        raise Http404("Page not found")
    context = account_context(request)
    if not context.on_behalf and notice.category_group is not None:
        services.suggestion_opened(user=context.holder, category_group=notice.category_group)
    return redirect("notices:detail", notice_id=notice.pk)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def feed_settings(request: HttpRequest) -> HttpResponse:
    """Create, replace or switch off the private feed address. The secret is shown once, after POST."""
    refused = _own_account_only(request)
    if refused is not None:
        return refused
    user = account_context(request).holder
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.timeline_feed_revoke(acting_user=user, user=user)
            messages.success(request, "Your feed address no longer works.")
            return redirect("myaccount:feed_settings")
        token = services.timeline_feed_reset(acting_user=user, user=user)
        feed_url = request.build_absolute_uri(reverse("myaccount_feed", args=[token]))
    return _page(
        request,
        "myaccount/feed_settings.html",
        {"feed_url": feed_url, "has_feed": selectors.timeline_feed_exists(user=user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def inbox(request: HttpRequest) -> HttpResponse:
    user = account_context(request).holder
    if request.method == "POST":
        marked = notify_services.correspondence_mark_all_read(recipient=user)
        messages.success(request, f"{marked} message{'s' if marked != 1 else ''} marked as read.")
        return redirect("myaccount:messages")
    page = Paginator(notify_selectors.correspondence_for(recipient=user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "myaccount/inbox.html",
        {
            "page": page,
            "unread": notify_selectors.correspondence_unread_count(recipient=user),
            **pagination_context(page, request.GET),
        },
    )


@require_GET
@login_required
@never_cache
def message(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message; opening it marks it as read."""
    context = account_context(request)
    if context.on_behalf:  # reading it for them does not mark it read for them
        found = notify_selectors.correspondence_get(recipient=context.holder, correspondence_id=message_id)
    else:
        found = notify_services.correspondence_mark_read(recipient=context.holder, correspondence_id=message_id)
    if found is None:
        raise Http404("Page not found")
    return _page(request, "myaccount/message.html", {"message": found})


@require_GET
@login_required
@never_cache
def message_download(request: HttpRequest, message_id: int) -> HttpResponse:
    """The message as a plain-text file, to keep or print."""
    found = notify_selectors.correspondence_get(recipient=account_context(request).holder, correspondence_id=message_id)
    if found is None:
        raise Http404("Page not found")
    body = (
        f"{found.subject}\n"
        f"{found.get_channel_display()} sent {found.sent_at:%-d %B %Y at %H:%M} (UTC)\n\n"
        f"{found.body_text}\n"
    )
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="message-{found.pk}.txt"'
    return response


@require_GET
@login_required
@never_cache
def message_pdf(request: HttpRequest, message_id: int) -> HttpResponse:
    """The message as an accessible PDF to keep or print (large print if the resident asked for it)."""
    holder = account_context(request).holder
    found = notify_selectors.correspondence_get(recipient=holder, correspondence_id=message_id)
    if found is None:
        raise Http404("Page not found")
    payload = found.outbox_message.payload if found.outbox_message is not None else {}
    try:
        pdf = letter_pdf.message_pdf(
            found,
            address_lines=list(payload.get("address_lines") or []),
            large_print=selectors.preferences_for(user=holder).large_print,
            council=settings.TOWNHALL_BRANDING,
        )
    except letter_pdf.PdfUnavailableError:
        return _page(request, "myaccount/pdf_unavailable.html", {"message": found}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="message-{found.pk}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def details(request: HttpRequest) -> HttpResponse:
    context = account_context(request)
    user = context.holder
    profile = selectors.profile_for(user=user)
    initial = {
        "given_name": user.given_name,
        "family_name": user.family_name,
        "phone": profile.phone,
        "date_of_birth": profile.date_of_birth,
    }
    form = DetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.details_update(acting_user=context.signed_in, user=user, values=form.values())
        messages.success(request, "Your details have been saved.")
        return redirect("myaccount:details")
    return _page(
        request,
        "myaccount/details.html",
        {
            "form": form,
            "profile": profile,
            "account_user": user,
            "moves": selectors.address_history(user=user),
            "council_records_linked": people_selectors.account_is_linked(user_id=user.pk),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def address(request: HttpRequest) -> HttpResponse:
    """Change of address: find the postcode (GET), then choose the address and the date (POST)."""
    context = account_context(request)
    postcode_form = PostcodeForm(request.GET if "postcode" in request.GET else None)
    addresses = []
    if postcode_form.is_bound and postcode_form.is_valid():
        addresses = list(place_selectors.addresses_for_postcode(postcode=postcode_form.cleaned_data["postcode"]))
        if not addresses:
            postcode_form.add_error("postcode", "We could not find any addresses with that postcode in the borough")
    choice_form = AddressChoiceForm(request.POST if request.method == "POST" else None, addresses=addresses)
    if request.method == "POST" and choice_form.is_valid():
        services.address_change(
            acting_user=context.signed_in,
            user=context.holder,
            address=choice_form.chosen_address(),
            effective_from=choice_form.cleaned_data["effective_from"],
        )
        messages.success(request, "Your new address has been saved. Services that use your address have been told.")
        return redirect("myaccount:details")
    return _page(
        request,
        "myaccount/address.html",
        {"postcode_form": postcode_form, "choice_form": choice_form, "addresses": addresses},
    )


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def preferences(request: HttpRequest) -> HttpResponse:
    context = account_context(request)
    current = selectors.preferences_for(user=context.holder)
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=preferences_initial(current))
    if request.method == "POST" and form.is_valid():
        services.preferences_update(acting_user=context.signed_in, user=context.holder, values=form.values())
        messages.success(request, "Your communication preferences have been saved.")
        return redirect("myaccount:preferences")
    return _page(request, "myaccount/preferences.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def consents(request: HttpRequest) -> HttpResponse:
    """Every purpose with its current wording and the resident's choice; one form per purpose."""
    context = account_context(request)
    user = context.holder
    failed: tuple[int, ConsentForm] | None = None
    if request.method == "POST":
        form = ConsentForm(request.POST)
        text = selectors.consent_text_get(text_id=form.cleaned_data["text_id"]) if form.is_valid() else None
        if form.is_valid() and text is not None:
            try:
                services.consent_decide(
                    acting_user=context.signed_in, user=user, text=text, given=form.cleaned_data["decision"] == "give"
                )
            except services.ConsentError as error:
                messages.error(request, str(error))
            else:
                verb = "given" if form.cleaned_data["decision"] == "give" else "withdrawn"
                messages.success(request, f"Consent {verb}: {text.purpose.name}.")
            return redirect("myaccount:consents")
        raw_text_id = request.POST.get("text_id", "")
        failed = (int(raw_text_id) if raw_text_id.isdigit() else 0, form)
    return _page(
        request,
        "myaccount/consents.html",
        {"rows": selectors.consent_rows(user=user, failed=failed), "history": selectors.consent_history(user=user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def volunteering(request: HttpRequest) -> HttpResponse:
    context = account_context(request)
    user = context.holder
    champion = selectors.digital_champion_for(user=user)
    initial = {"ward": champion.ward, "availability": champion.availability} if champion else {}
    form = VolunteeringForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        services.digital_champion_withdraw(acting_user=context.signed_in, user=user)
        messages.success(request, "You are no longer signed up as a digital champion. Thank you for your help.")
        return redirect("myaccount:volunteering")
    if request.method == "POST" and form.is_valid():
        services.digital_champion_sign_up(
            acting_user=context.signed_in,
            user=user,
            ward=form.cleaned_data["ward"],
            availability=form.cleaned_data["availability"],
        )
        messages.success(request, "Thank you. Our digital inclusion team will be in touch about training.")
        return redirect("myaccount:volunteering")
    return _page(request, "myaccount/volunteering.html", {"form": form, "champion": champion})
