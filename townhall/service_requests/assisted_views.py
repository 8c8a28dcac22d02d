"""Assisted digital (/staff/requests/new/): a customer service adviser records a report for a caller.

The adviser says how the caller got in touch, finds the caller's account (each search is
audited) or takes their contact details, then records the problem as the resident journey
asks it: category, location by postcode or address, the category's questions, a
description, and a check page. Submitting calls services.service_request_create once with
the channel, the adviser as the one who recorded it, and the caller's account as reporter.
The draft lives in the adviser's session under an id in the URL, so two calls taken in two
tabs never mix. Everything works without JavaScript.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts import selectors as account_selectors
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.places import selectors as place_selectors
from townhall.service_requests import selectors, services
from townhall.service_requests.assisted_forms import (
    CallerChoiceForm,
    CallerContactForm,
    CallerSearchForm,
    CategorySelectForm,
    ChannelForm,
    LocationSearchForm,
)
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import Category
from townhall.service_requests.report_forms import AddressChoiceForm, AnswersForm, DescriptionForm
from townhall.service_requests.report_views import SubmitError, SummaryRow

# Advisers take calls; case officers may record a report for someone too (administrators, as always).
ASSISTED_ROLES: tuple[StaffRole, ...] = (StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.CASE_OFFICER)
SESSION_KEY = "assisted_drafts"
SUBMITTED_KEY = "assisted_submitted"
MAX_DRAFTS = 5
MAX_SUBMITTED = 20
ADDRESS_LIMIT = 50
STEPS = ("caller", "category", "location", "address", "details", "check")
TEMPLATES = "service_requests/assisted/"
# Draft ids are numbers (object URLs end with an id), unguessable like any session key.
_DRAFT_IDS = secrets.SystemRandom()
# Fields of service_request_create's ValidationError -> the step where the adviser fixes them.
_ERROR_STEPS = {
    "category": "category",
    "location": "location",
    "uprn": "location",
    "answers": "details",
    "description": "details",
    "contact_email": "contact",
    "contact_phone": "contact",
    "reporter": "caller",
}


def _adviser(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the middleware comes first
        raise Http404("Page not found")
    return user


class Draft:
    """One report being recorded: a dict in the session under its id."""

    def __init__(self, request: HttpRequest, draft_id: int, data: dict[str, Any]) -> None:
        self.request = request
        self.id = draft_id
        self.data = data

    @classmethod
    def start(cls, request: HttpRequest, *, channel: str) -> Draft:
        drafts: dict[str, Any] = request.session.get(SESSION_KEY, {})
        while len(drafts) >= MAX_DRAFTS:
            drafts.pop(next(iter(drafts)))
        draft = cls(request, _DRAFT_IDS.randrange(1, 10**12), {"channel": channel})
        drafts[str(draft.id)] = draft.data
        request.session[SESSION_KEY] = drafts
        return draft

    @classmethod
    def load(cls, request: HttpRequest, draft_id: int) -> Draft | None:
        data = request.session.get(SESSION_KEY, {}).get(str(draft_id))
        return cls(request, draft_id, data) if data is not None else None

    def save(self, **changes: Any) -> None:
        self.data.update(changes)
        drafts = self.request.session.get(SESSION_KEY, {})
        drafts[str(self.id)] = self.data
        self.request.session[SESSION_KEY] = drafts

    def discard(self) -> None:
        drafts = self.request.session.get(SESSION_KEY, {})
        drafts.pop(str(self.id), None)
        self.request.session[SESSION_KEY] = drafts

    def url(self, step: str) -> str:
        return reverse("assisted_step", args=[step, self.id])

    @property
    def category(self) -> Category | None:
        category_id = self.data.get("category_id")
        return selectors.category_get(category_id=category_id) if category_id else None

    def first_missing(self) -> str | None:
        """The first step not yet answered (every step before `check`)."""
        done = {
            "caller": "reporter_id" in self.data or "contact" in self.data,
            "category": self.category is not None,
            "location": "address_query" in self.data,
            "address": "location" in self.data,
            "details": "description" in self.data,
        }
        return next((step for step in STEPS[:-1] if not done[step]), None)

    @property
    def channel_label(self) -> str:
        return str(Channel(self.data["channel"]).label)


def _render(request: HttpRequest, draft: Draft, template: str, context: dict[str, Any], *, back: str) -> HttpResponse:
    return render(request, TEMPLATES + template, {"draft": draft, "back_url": back, **context})


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@never_cache
@staff_role_required(*ASSISTED_ROLES)
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """How the caller got in touch; each start is its own draft."""
    form = ChannelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        draft = Draft.start(request, channel=form.cleaned_data["channel"])
        return redirect(draft.url("caller"))
    return render(request, TEMPLATES + "start.html", {"form": form})


# --- the steps ---------------------------------------------------------------------------------


def _caller(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Find the caller's account (GET ?q=, audited) and choose it, or go on to take their details."""
    if request.method == "POST":
        chosen = _resident_summary(str(request.POST.get("caller", "")))
        if chosen is not None:
            draft.data.pop("contact", None)
            draft.save(reporter_id=chosen.id, caller_name=chosen.name, caller_email=chosen.masked_email)
            return redirect(draft.url(draft.first_missing() or "check"))
    search = CallerSearchForm(request.GET if "q" in request.GET else None)
    results = None
    if search.is_valid():
        results = services.caller_search(acting_user=_adviser(request), query=search.cleaned_data["q"])
    choice = CallerChoiceForm(_posted(request), residents=results.residents if results else [])
    if choice.is_bound:
        choice.is_valid()  # nothing (valid) was chosen: say so
    return _render(
        request,
        draft,
        "caller.html",
        {
            "search": search,
            "results": results,
            "choice": choice,
            "page_has_errors": bool(search.errors or choice.errors),
        },
        back=reverse("assisted_start"),
    )


def _resident_summary(raw_id: str) -> account_selectors.ResidentSummary | None:
    """The chosen account, if it is a resident's (never a member of staff's)."""
    if not raw_id.isdigit():
        return None
    user = account_selectors.residents().filter(pk=int(raw_id), is_active=True).first()
    if user is None:
        return None
    return account_selectors.ResidentSummary(
        id=user.pk,
        name=user.get_full_name() or "(no name given)",
        masked_email=account_selectors.mask_email(user.email),
    )


def _contact(request: HttpRequest, draft: Draft) -> HttpResponse:
    """A caller without an account: their name and, if they will give them, an email address and phone number."""
    form = CallerContactForm(_posted(request), initial=draft.data.get("contact", {}))
    if request.method == "POST" and form.is_valid():
        for key in ("reporter_id", "caller_name", "caller_email"):
            draft.data.pop(key, None)
        draft.save(contact=dict(form.cleaned_data))
        return redirect(draft.url(draft.first_missing() or "check"))
    return _render(request, draft, "contact.html", {"form": form}, back=draft.url("caller"))


def _category(request: HttpRequest, draft: Draft) -> HttpResponse:
    categories = list(selectors.categories_active())
    initial = {"category": str(draft.data["category_id"])} if draft.data.get("category_id") else {}
    form = CategorySelectForm(_posted(request), categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        if draft.data.get("category_id") != chosen.pk:
            draft.data.pop("answers", None)
        draft.save(category_id=chosen.pk)
        return redirect(draft.url(draft.first_missing() or "check"))
    return _render(request, draft, "category.html", {"form": form}, back=draft.url("caller"))


def _location(request: HttpRequest, draft: Draft) -> HttpResponse:
    """A postcode lists its addresses; anything else is an address search (the report journey's selectors)."""
    form = LocationSearchForm(_posted(request), initial={"query": draft.data.get("location_query", "")})
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["query"].strip()
        try:
            query = {"postcode": place_selectors.postcode_normalise(text)}
        except place_selectors.InvalidPostcodeError:
            query = {"text": text}
        if _addresses(query):
            draft.data.pop("location", None)
            draft.save(location_query=text, address_query=query)
            return redirect(draft.url("address"))
        form.add_error("query", "No address in the borough matches this. Check it with the caller, or try a postcode")
    return _render(request, draft, "location.html", {"form": form}, back=draft.url("category"))


def _addresses(query: dict[str, str]) -> list[Any]:
    if "postcode" in query:
        return list(place_selectors.addresses_for_postcode(postcode=query["postcode"])[:ADDRESS_LIMIT])
    return place_selectors.address_search(query=query.get("text", ""), limit=ADDRESS_LIMIT)


def _address(request: HttpRequest, draft: Draft) -> HttpResponse:
    addresses = _addresses(draft.data["address_query"])
    chosen_uprn = (draft.data.get("location") or {}).get("uprn")
    form = AddressChoiceForm(
        _posted(request), addresses=addresses, initial={"uprn": str(chosen_uprn) if chosen_uprn else None}
    )
    if request.method == "POST" and form.is_valid() and (location := form.chosen_location()) is not None:
        draft.save(location=location)
        return redirect(draft.url(draft.first_missing() or "check"))
    return _render(request, draft, "address.html", {"form": form}, back=draft.url("location"))


def _details(request: HttpRequest, draft: Draft) -> HttpResponse:
    """The category's questions and the description, on one page."""
    chosen = draft.category
    assert chosen is not None  # noqa: S101 - _step sent the adviser back if there is no category
    asked = selectors.category_questions(category=chosen)
    answers = AnswersForm(
        _posted(request),
        category=chosen,
        questions=asked,
        initial=AnswersForm.initial_for(asked, draft.data.get("answers", {})),
    )
    description = DescriptionForm(_posted(request), initial={"description": draft.data.get("description", "")})
    description.fields["description"].label = "Describe the problem, in the caller's words"
    if request.method == "POST":
        answers_ok = answers.is_valid()
        described = description.is_valid() and bool(description.cleaned_data["description"].strip())
        if description.is_valid() and not described:
            description.add_error("description", "Enter a description of the problem")
        if answers_ok and described:
            draft.save(answers=answers.answers(), description=description.cleaned_data["description"].strip())
            return redirect(draft.url("check"))
    return _render(
        request,
        draft,
        "details.html",
        {
            "answers_form": answers,
            "description_form": description,
            "category": chosen,
            "page_has_errors": bool(answers.errors or description.errors),
        },
        back=draft.url("address"),
    )


def _summary(draft: Draft, chosen: Category) -> list[SummaryRow]:
    data = draft.data
    if "reporter_id" in data:
        caller = f"{data['caller_name']} ({data['caller_email']}), has an account"
    else:
        given = data["contact"]
        caller = ", ".join(part for part in (given["name"], given.get("email"), given.get("phone")) if part)
    rows = [
        SummaryRow("How they contacted us", draft.channel_label, "", "channel"),
        SummaryRow("Caller", caller, draft.url("caller"), "caller"),
        SummaryRow("Problem", chosen.name, draft.url("category"), "problem"),
        SummaryRow("Location", data["location"]["address"], draft.url("location"), "location"),
    ]
    try:
        shown = {
            row.question_code: row.display_value
            for row in services.answers_clean(category=chosen, answers=data.get("answers", {}))
        }
    except ValidationError:
        shown = {}
    for question in selectors.category_questions(category=chosen):
        rows.append(
            SummaryRow(question.label, shown.get(question.code, "Not answered"), draft.url("details"), question.label)
        )
    rows.append(SummaryRow("Description", data["description"], draft.url("details"), "description"))
    return rows


def _submit(request: HttpRequest, draft: Draft, chosen: Category) -> Any:
    data = draft.data
    reporter = None
    if "reporter_id" in data:
        reporter = account_selectors.residents().filter(pk=data["reporter_id"], is_active=True).first()
        if reporter is None:
            raise ValidationError({"reporter": "The caller's account can no longer be used; find the caller again"})
    given = data.get("contact") or {}
    where = data["location"]
    return services.service_request_create(
        acting_user=_adviser(request),
        category=chosen,
        description=data["description"],
        channel=data["channel"],
        lat=where["lat"],
        lng=where["lng"],
        uprn=where["uprn"],
        address_string=where["address"],
        answers=data.get("answers", {}),
        reporter=reporter,
        contact=None
        if reporter is not None
        else services.ReporterContact(
            name=given.get("name", ""), email=given.get("email", ""), phone=given.get("phone", "")
        ),
    )


def _check(request: HttpRequest, draft: Draft) -> HttpResponse:
    chosen = draft.category
    assert chosen is not None  # noqa: S101
    errors: list[SubmitError] = []
    if request.method == "POST":
        try:
            created = _submit(request, draft, chosen)
        except PermissionDenied:
            raise Http404("Page not found") from None
        except ValidationError as error:
            for name, problems in error.error_dict.items():
                href = draft.url(_ERROR_STEPS.get(name, "check"))
                errors.extend(SubmitError(href, str(p.message % (p.params or {}))) for p in problems)
        else:
            submitted = request.session.get(SUBMITTED_KEY, [])[-(MAX_SUBMITTED - 1) :]
            request.session[SUBMITTED_KEY] = [*submitted, created.pk]
            draft.discard()
            return redirect("assisted_confirmation", pk=created.pk)
    return _render(
        request,
        draft,
        "check.html",
        {"rows": _summary(draft, chosen), "submit_errors": errors, "page_has_errors": bool(errors)},
        back=draft.url("details"),
    )


_STEP_VIEWS: dict[str, Callable[[HttpRequest, Draft], HttpResponse]] = {
    "caller": _caller,
    "contact": _contact,
    "category": _category,
    "location": _location,
    "address": _address,
    "details": _details,
    "check": _check,
}


@never_cache
@staff_role_required(*ASSISTED_ROLES)
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, step: str, draft_id: int) -> HttpResponse:
    """One step of a draft; a step whose earlier steps are unanswered sends the adviser back to them."""
    view = _STEP_VIEWS.get(step)
    if view is None:
        raise Http404("Page not found")
    draft = Draft.load(request, draft_id)
    if draft is None:
        return redirect("assisted_start")
    missing = draft.first_missing()
    order = [*STEPS[:1], "contact", *STEPS[1:]]
    if missing is not None and step != "contact" and order.index(step) > order.index(missing):
        return redirect(draft.url(missing))
    return view(request, draft)


@never_cache
@staff_role_required(*ASSISTED_ROLES)
@require_GET
def confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    """The reference to read to the caller and when the council aims to deal with it (this adviser's reports only)."""
    if pk not in request.session.get(SUBMITTED_KEY, []):
        raise Http404("Page not found")
    found = selectors.service_request_for_recorder(request_id=pk)
    if found is None:
        raise Http404("Page not found")
    return render(
        request,
        TEMPLATES + "confirmation.html",
        {"service_request": found, "sla_due": services.sla_due_in_words(found)},
    )
