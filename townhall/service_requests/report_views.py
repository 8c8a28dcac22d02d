"""The resident reporting journey at /report/ (works without JavaScript) and the public tracking page.

One question per page, GOV.UK patterns: category -> location (postcode then address, or a
search) -> the category's extra questions -> description -> contact details (or sign in)
-> check your answers -> confirmation. Nothing is written until the resident submits: the
answers live in the session under a draft id in the URL, so two reports started in two
tabs never clash. Submitting calls services.service_request_create once (one transaction:
request, answers, acknowledgement email in the outbox).

The tracking page /report/<reference>/ shows only what is public: status, public updates,
category, ward (and street), received date. Never the reporter, the description (not yet
moderated), the exact address or internal notes; a request that is not public is a 404.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.models import User
from townhall.places import selectors as place_selectors
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Channel, PhotoPolicy, Status
from townhall.service_requests.models import Category, RequestPhoto, RequestUpdate, ServiceRequest
from townhall.service_requests.report_forms import (
    AddressChoiceForm,
    AddressSearchForm,
    AnswersForm,
    CategoryChoiceForm,
    ContactForm,
    DescriptionForm,
    PostcodeForm,
)
from townhall.service_requests.report_owner import acting_for, reporter_actions

SESSION_KEY = "report_drafts"
SUBMITTED_KEY = "report_submitted"
MAX_DRAFTS = 5  # per session; the oldest is dropped, so a session cannot grow without limit
MAX_SUBMITTED = 20
ADDRESS_LIMIT = 50
STEPS = ("category", "location", "nearby", "questions", "description", "photos", "contact")

# Fields of service_request_create's ValidationError -> the step where the resident fixes them.
_ERROR_STEPS = {
    "category": "category",
    "location": "location",
    "uprn": "location",
    "answers": "questions",
    "description": "description",
    "contact_email": "contact",
    "contact_phone": "contact",
    "reporter": "contact",
}


# --- the draft in the session ------------------------------------------------------------------


class Draft:
    """One report in progress: a dict in the session under its id (`request.session["report_drafts"][id]`)."""

    def __init__(self, request: HttpRequest, draft_id: str, data: dict[str, Any]) -> None:
        self.request = request
        self.id = draft_id
        self.data = data

    @classmethod
    def start(cls, request: HttpRequest) -> Draft:
        drafts: dict[str, Any] = request.session.get(SESSION_KEY, {})
        while len(drafts) >= MAX_DRAFTS:
            drafts.pop(next(iter(drafts)))
        draft_id = secrets.token_urlsafe(9)
        drafts[draft_id] = {}
        request.session[SESSION_KEY] = drafts
        return cls(request, draft_id, drafts[draft_id])

    @classmethod
    def load(cls, request: HttpRequest, draft_id: str) -> Draft | None:
        data = request.session.get(SESSION_KEY, {}).get(draft_id)
        return cls(request, draft_id, data) if data is not None else None

    def save(self, **changes: Any) -> None:
        self.data.update(changes)
        self.request.session.modified = True

    def discard(self) -> None:
        drafts = self.request.session.get(SESSION_KEY, {})
        drafts.pop(self.id, None)
        self.request.session.modified = True

    def url(self, step: str) -> str:
        return reverse(f"report:{step}", args=[self.id])

    @property
    def category(self) -> Category | None:
        category_id = self.data.get("category_id")
        if category_id is None:
            return None
        category = selectors.category_get(category_id=category_id)
        return category if category is not None and category.active and category.council_responsible else None

    def step_done(self, step: str, category: Category | None) -> bool:
        if step == "category":
            return category is not None
        if step == "location":
            return bool(self.data.get("location"))
        if step == "questions":
            return bool(self.data.get("answers_done"))
        if step == "description":
            return bool(self.data.get("description"))
        if step == "nearby":
            return category is not None and self.data.get("nearby_done") == self.nearby_key(category)
        if step == "photos":
            return category is not None and (not self.photos_allowed(category) or bool(self.data.get("photos_done")))
        return _signed_in(self.request) or bool(self.data.get("contact"))

    def nearby_key(self, category: Category) -> str:
        """Which category and place "is it one of these?" was answered for: changing either asks again."""
        where = self.data.get("location") or {}
        return f"{category.pk}:{where.get('lat')}:{where.get('lng')}"

    @staticmethod
    def photos_allowed(category: Category) -> bool:
        return category.photos != PhotoPolicy.NOT_ALLOWED

    @property
    def photo_key(self) -> str:
        """A secret kept in this session's draft: its photos are stored under it and shown only to this session."""
        key = self.data.get("photo_key")
        if not key:
            key = secrets.token_urlsafe(24)
            self.save(photo_key=key)
        return str(key)

    def first_incomplete(self, category: Category | None) -> str | None:
        return next((step for step in STEPS if not self.step_done(step, category)), None)

    def next_url(self, category: Category | None) -> str:
        """Where to go after answering a step: the first unanswered one, else check your answers.

        "Is it one of these?" is passed over (and recorded as answered) when nothing is nearby.
        """
        step = self.first_incomplete(category)
        if step == "nearby" and category is not None:
            where = self.data["location"]
            if not selectors.nearby_open_requests(category=category, lat=where["lat"], lng=where["lng"]):
                self.save(nearby_done=self.nearby_key(category))
                step = self.first_incomplete(category)
        return self.url(step if step is not None else "check")


def _posted(request: HttpRequest) -> Any:
    """The submitted data on POST (even when empty, so the form shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def _signed_in(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated)


def _reporter(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) and request.user.is_authenticated else None


DraftView = Callable[..., HttpResponseBase]  # (request, draft, **other URL arguments)


def _draft_step(step: str) -> Callable[[DraftView], Callable[..., HttpResponseBase]]:
    """Load the draft (else back to the start) and send the resident back to any earlier step still unanswered."""

    def decorator(view: DraftView) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, draft_id: str, **kwargs: Any) -> HttpResponseBase:
            submitted = request.session.get(SUBMITTED_KEY, {}).get(draft_id)
            if submitted:
                return redirect("report:confirmation", reference=submitted)
            draft = Draft.load(request, draft_id)
            if draft is None:
                return redirect("report:start")
            if step in STEPS or step == "check":
                category = draft.category
                earlier = STEPS[: STEPS.index(step)] if step in STEPS else STEPS
                missing = next((s for s in earlier if not draft.step_done(s, category)), None)
                if missing is not None:
                    return redirect(draft.url(missing))
            return view(request, draft, **kwargs)

        return wrapped

    return decorator


def _back(draft: Draft, step: str) -> str:
    """The previous page for a step's back link."""
    if step == "category":
        return reverse("report:start")
    index = STEPS.index(step) if step in STEPS else len(STEPS)
    category = draft.category
    earlier = [
        s
        for s in STEPS[:index]
        if s != "nearby" and not (s == "photos" and (category is None or not draft.photos_allowed(category)))
    ]
    return draft.url(earlier[-1])


# --- start and category ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """The start page; "Start now" posts, and each start gets its own draft."""
    if request.method == "POST":
        draft = Draft.start(request)
        return redirect(draft.url("category"))
    return render(request, "service_requests/report/start.html")


@require_http_methods(["GET", "POST"])
@_draft_step("category")
def category(request: HttpRequest, draft: Draft) -> HttpResponse:
    categories = list(selectors.categories_active())
    initial = {"category": str(draft.data["category_id"])} if draft.data.get("category_id") else {}
    form = CategoryChoiceForm(_posted(request), categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        if not chosen.council_responsible:
            return redirect(reverse("report:not_ours", args=[draft.id]) + "?" + urlencode({"category": chosen.pk}))
        if draft.data.get("category_id") != chosen.pk:
            draft.save(category_id=chosen.pk, answers={}, answers_done=False)
        return redirect(draft.next_url(chosen))
    groups: dict[str, list[tuple[Any, Category]]] = {}
    options = {option.data["value"]: option for option in form["category"].subwidgets}
    for item in categories:
        groups.setdefault(item.group.name, []).append((options[str(item.pk)], item))
    return render(
        request,
        "service_requests/report/category.html",
        {"form": form, "groups": groups, "draft": draft, "back_url": _back(draft, "category")},
    )


@require_GET
@_draft_step("not_ours")
def not_ours(request: HttpRequest, draft: Draft) -> HttpResponse:
    """A problem someone else deals with: who, and how to reach them. The journey stops here."""
    raw = request.GET.get("category", "")
    chosen = selectors.category_get(category_id=int(raw)) if raw.isdigit() else None
    if chosen is None or chosen.council_responsible:
        return redirect(draft.url("category"))
    return render(request, "service_requests/report/not_ours.html", {"category": chosen, "draft": draft})


# --- location ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_draft_step("location")
def location(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Postcode first (GOV.UK address lookup); a link offers a street or place search instead."""
    form = PostcodeForm(_posted(request), initial={"postcode": draft.data.get("postcode", "")})
    if request.method == "POST" and form.is_valid():
        postcode = form.cleaned_data["postcode"]
        if place_selectors.addresses_for_postcode(postcode=postcode).exists():
            draft.save(postcode=postcode, address_query={"postcode": postcode})
            return redirect(draft.url("address"))
        form.add_error("postcode", _postcode_not_found(postcode))
    return render(
        request,
        "service_requests/report/location.html",
        {"form": form, "draft": draft, "back_url": _back(draft, "location")},
    )


@require_http_methods(["GET", "POST"])
@_draft_step("location")
def location_search(request: HttpRequest, draft: Draft) -> HttpResponse:
    form = AddressSearchForm(_posted(request), initial={"query": draft.data.get("search", "")})
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["query"].strip()
        if place_selectors.address_search(query=query, limit=1):
            draft.save(search=query, address_query={"text": query})
            return redirect(draft.url("address"))
        form.add_error("query", _search_not_found())
    return render(
        request,
        "service_requests/report/location_search.html",
        {"form": form, "draft": draft, "back_url": draft.url("location")},
    )


def _council() -> str:
    return str(settings.TOWNHALL_BRANDING.council_name)


def _postcode_not_found(postcode: str) -> str:
    """A real postcode with no addresses in the gazetteer: almost always outside the borough."""
    return (
        f"We could not find {postcode} in the area {_council()} looks after. Check the postcode, or search by "
        "street name instead. If the problem is in another area, report it to that council"
    )


def _search_not_found() -> str:
    return f"We could not find that address in the area {_council()} looks after. Check the spelling, or try a postcode"


def _address_candidates(query: dict[str, str]) -> list[Any]:
    if "postcode" in query:
        return list(place_selectors.addresses_for_postcode(postcode=query["postcode"])[:ADDRESS_LIMIT])
    return place_selectors.address_search(query=query.get("text", ""), limit=ADDRESS_LIMIT)


@require_http_methods(["GET", "POST"])
@_draft_step("location")
def address(request: HttpRequest, draft: Draft) -> HttpResponse:
    query = draft.data.get("address_query")
    if not query:
        return redirect(draft.url("location"))
    addresses = _address_candidates(query)
    chosen_uprn = (draft.data.get("location") or {}).get("uprn")
    form = AddressChoiceForm(
        _posted(request), addresses=addresses, initial={"uprn": str(chosen_uprn) if chosen_uprn else None}
    )
    if request.method == "POST" and form.is_valid() and (location := form.chosen_location()) is not None:
        draft.save(location=location)
        return redirect(draft.next_url(draft.category))
    return render(
        request,
        "service_requests/report/address.html",
        {
            "form": form,
            "draft": draft,
            "query": query,
            "back_url": draft.url("location_search" if "text" in query else "location"),
        },
    )


# --- questions, description, contact -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_draft_step("questions")
def questions(request: HttpRequest, draft: Draft) -> HttpResponse:
    chosen = draft.category
    assert chosen is not None  # _draft_step checked the category step  # noqa: S101
    asked = selectors.category_questions(category=chosen)
    if not asked:
        draft.save(answers={}, answers_done=True)
        return redirect(draft.next_url(chosen))
    form = AnswersForm(
        _posted(request),
        category=chosen,
        questions=asked,
        initial=AnswersForm.initial_for(asked, draft.data.get("answers", {})),
    )
    if request.method == "POST" and form.is_valid():
        draft.save(answers=form.answers(), answers_done=True)
        return redirect(draft.next_url(chosen))
    return render(
        request,
        "service_requests/report/questions.html",
        {"form": form, "draft": draft, "category": chosen, "back_url": _back(draft, "questions")},
    )


@require_http_methods(["GET", "POST"])
@_draft_step("description")
def description(request: HttpRequest, draft: Draft) -> HttpResponse:
    form = DescriptionForm(_posted(request), initial={"description": draft.data.get("description", "")})
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["description"].strip()
        if text:
            draft.save(description=text)
            return redirect(draft.next_url(draft.category))
        form.add_error("description", "Enter a description of the problem")
    return render(
        request,
        "service_requests/report/description.html",
        {"form": form, "draft": draft, "back_url": _back(draft, "description")},
    )


@require_http_methods(["GET", "POST"])
@_draft_step("contact")
def contact(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Signed-in residents skip this; others give their details, or sign in where the category requires it."""
    chosen = draft.category
    assert chosen is not None  # noqa: S101
    if _signed_in(request):
        return redirect(draft.url("check"))
    sign_in_url = reverse("account_login") + "?" + urlencode({"next": draft.url("contact")})
    if not chosen.anonymous_allowed:
        return render(
            request,
            "service_requests/report/sign_in_required.html",
            {
                "draft": draft,
                "category": chosen,
                "sign_in_url": sign_in_url,
                "sign_up_url": reverse("account_signup") + "?" + urlencode({"next": draft.url("contact")}),
                "back_url": _back(draft, "contact"),
            },
        )
    form = ContactForm(_posted(request), initial=draft.data.get("contact", {}))
    if request.method == "POST" and form.is_valid():
        draft.save(contact=dict(form.cleaned_data))
        return redirect(draft.url("check"))
    return render(
        request,
        "service_requests/report/contact.html",
        {"form": form, "draft": draft, "sign_in_url": sign_in_url, "back_url": _back(draft, "contact")},
    )


# --- check your answers, submit, confirmation --------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    key: str
    value: str
    change_url: str
    change_label: str


@dataclass(frozen=True)
class SubmitError:
    href: str
    message: str


def _summary(request: HttpRequest, draft: Draft, chosen: Category) -> tuple[list[SummaryRow], list[SummaryRow]]:
    where = draft.data["location"]
    report = [
        SummaryRow("Problem", chosen.name, draft.url("category"), "problem"),
        SummaryRow("Location", where["address"], draft.url("location"), "location"),
    ]
    asked = selectors.category_questions(category=chosen)
    if asked:
        try:
            rows = services.answers_clean(category=chosen, answers=draft.data.get("answers", {}))
        except ValidationError:
            rows = []
        shown = {row.question_code: row.display_value for row in rows}
        for question in asked:
            report.append(
                SummaryRow(
                    question.label, shown.get(question.code, "Not answered"), draft.url("questions"), question.label
                )
            )
    report.append(SummaryRow("Description", draft.data["description"], draft.url("description"), "description"))
    people: list[SummaryRow] = []
    given = draft.data.get("contact")
    if not _signed_in(request) and given:
        people = [
            SummaryRow("Name", given["name"], draft.url("contact"), "name"),
            SummaryRow("Email address", given["email"], draft.url("contact"), "email address"),
            SummaryRow("Phone number", given.get("phone") or "Not given", draft.url("contact"), "phone number"),
        ]
    return report, people


@transaction.atomic
def _submit(request: HttpRequest, draft: Draft, chosen: Category) -> ServiceRequest:
    """Create the request and move the draft's photos onto it, together. Without an account it waits for email."""
    where = draft.data["location"]
    given = draft.data.get("contact") or {}
    signed_in = _reporter(request)
    reporter = acting_for(request) or signed_in  # a representative reports for the person they act for
    created = services.service_request_create(
        acting_user=signed_in or AnonymousUser(),
        category=chosen,
        description=draft.data["description"],
        channel=Channel.WEB,
        lat=where["lat"],
        lng=where["lng"],
        uprn=where["uprn"],
        address_string=where["address"],
        answers=draft.data.get("answers", {}),
        reporter=reporter,
        contact=None
        if reporter is not None
        else services.ReporterContact(
            name=given.get("name", ""), email=given.get("email", ""), phone=given.get("phone", "")
        ),
        confirm_by_email=reporter is None,
    )
    if draft.photos_allowed(chosen):
        services.draft_photos_attach(draft_key=draft.photo_key, request=created)
    return created


@require_http_methods(["GET", "POST"])
@_draft_step("check")
def check(request: HttpRequest, draft: Draft) -> HttpResponse:
    chosen = draft.category
    assert chosen is not None  # noqa: S101
    errors: list[SubmitError] = []
    if request.method == "POST":
        try:
            created = _submit(request, draft, chosen)
        except ValidationError as error:
            for name, problems in error.error_dict.items():
                step = _ERROR_STEPS.get(name, "check")
                errors.extend(
                    SubmitError(draft.url(step), str(problem.message % (problem.params or {}))) for problem in problems
                )
        else:
            submitted = request.session.get(SUBMITTED_KEY, {})
            while len(submitted) >= MAX_SUBMITTED:
                submitted.pop(next(iter(submitted)))
            submitted[draft.id] = created.reference
            request.session[SUBMITTED_KEY] = submitted
            draft.discard()
            return redirect("report:confirmation", reference=created.reference)
    report, people = _summary(request, draft, chosen)
    return render(
        request,
        "service_requests/report/check.html",
        {
            "draft": draft,
            "report_rows": report,
            "people_rows": people,
            "photos": selectors.draft_photos(draft_key=draft.photo_key) if draft.photos_allowed(chosen) else None,
            "submit_errors": errors,
            "page_has_errors": bool(errors),
            "reporter": _reporter(request),
            "reporting_for": acting_for(request),
            "back_url": _back(draft, "check"),
        },
    )


@require_GET
def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    """Shown to whoever submitted the report in this session (so it works for non-public categories too)."""
    if reference not in request.session.get(SUBMITTED_KEY, {}).values():
        raise Http404("Page not found")
    found = selectors.service_request_by_reference(reference=reference)
    if found is None:
        raise Http404("Page not found")
    email = found.reporter.email if found.reporter is not None else found.contact_email
    if found.reporter_id is not None and found.reporter_id != getattr(request.user, "pk", None):
        email = ""  # signed out (or in as someone else) since: say nothing about the account
    return render(
        request,
        "service_requests/report/confirmation.html",
        {
            "service_request": found,
            "email": email,
            "due": services.sla_due_in_words(found),
            "trackable": _is_public(found),
            "awaiting_confirmation": found.awaiting_confirmation,
        },
    )


# --- tracking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicUpdate:
    when: Any
    status: str
    message: str
    photos: tuple[RequestPhoto, ...] = ()


def _is_public(found: ServiceRequest) -> bool:
    return bool(found.is_public and found.category.is_public)


def public_status_label(status: str) -> str:
    """Residents see "Open" while a report waits for triage."""
    return Status.OPEN.label if status == Status.FOR_TRIAGE else Status(status).label


def _public_updates(
    history: list[RequestUpdate], photos: dict[int | None, list[RequestPhoto]] | None = None
) -> list[PublicUpdate]:
    """Status changes and public messages only: internal notes and authors never leave the back office."""
    photos = photos or {}
    return [
        PublicUpdate(
            photos=tuple(photos.get(update.pk, ())),
            when=update.created_at,
            status=public_status_label(update.status_to) if update.status_to else "",
            message=update.redacted_message or update.public_message,  # moderated text, where staff redacted it
        )
        for update in history
        if update.status_to or update.public_message
    ]


@require_GET
def track(request: HttpRequest, reference: str) -> HttpResponse:
    found = selectors.service_request_by_reference(reference=reference)
    if found is None or not _is_public(found) or found.awaiting_confirmation:
        raise Http404("Page not found")
    return track_page(request, found)


def track_page(request: HttpRequest, found: ServiceRequest, *, forms: dict[str, Any] | None = None) -> HttpResponse:
    """The tracking page; report_track_views renders it again with the reporter's form errors (status 400)."""
    by_update: dict[int | None, list[RequestPhoto]] = {}
    for photo in selectors.request_photos(service_request=found, public_only=True):
        by_update.setdefault(photo.update_id, []).append(photo)
    context = {
        "service_request": found,
        "status_label": public_status_label(found.status),
        "updates": _public_updates(selectors.service_request_history(service_request=found), by_update),
        "photos": by_update.get(None, []),
        "page_has_errors": bool(forms),
        **reporter_actions(request, found, forms or {}),
    }
    return render(request, "service_requests/report/track.html", context, status=400 if forms else 200)
