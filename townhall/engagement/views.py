"""Have your say: the public consultation pages at /have-your-say/.

Everything works without JavaScript: the response form is one POST that redirects to a
confirmation page (post/redirect/get). Anonymous responses are rate limited by IP address
(townhall.core.ratelimit), as other public forms are.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.models import User
from townhall.core import ratelimit
from townhall.core.pagination import pagination_context
from townhall.engagement import selectors, services
from townhall.engagement.access import access_public_consultation_by_slug, access_response_by_reference
from townhall.engagement.constants import ANONYMOUS_RESPONSES_PER_HOUR, Phase
from townhall.engagement.forms import PublicFilterForm, ResponseForm, add_service_errors

PAGE_SIZE = 20
SESSION_KEY = "townhall.engagement.responses"  # references of responses made without an account in this browser
PHASE_TABS = (
    (Phase.OPEN, "Open"),
    (Phase.UPCOMING, "Coming soon"),
    (Phase.CLOSED, "Closed"),
)


@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    phase = request.GET.get("status") or Phase.OPEN
    if phase not in {str(tab) for tab, _ in PHASE_TABS}:
        phase = Phase.OPEN
    form = PublicFilterForm(request.GET if "ward" in request.GET else None)
    ward = form.cleaned_data.get("ward") if form.is_bound and form.is_valid() else None
    consultations = selectors.consultation_list_public(phase=phase, ward=ward)
    page = Paginator(consultations, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.phase_counts(ward=ward)
    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    for tab, label in PHASE_TABS:
        query["status"] = str(tab)
        tabs.append({"phase": str(tab), "label": label, "count": counts[str(tab)], "href": f"?{query.urlencode()}"})
    return render(
        request,
        "engagement/list.html",
        {
            "form": form,
            "ward": ward,
            "phase": str(phase),
            "tabs": tabs,
            "page": page,
            **pagination_context(page, request.GET),
        },
    )


@require_GET
def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = access_public_consultation_by_slug(slug)
    user = request.user
    own = selectors.response_of(user=user, consultation=consultation) if isinstance(user, User) else None
    return render(
        request,
        "engagement/detail.html",
        {
            "consultation": consultation,
            "phase": consultation.phase(),
            "questions": selectors.questions_of(consultation),
            "own_response": own,
        },
    )


def _session_references(request: HttpRequest) -> list[str]:
    return list(request.session.get(SESSION_KEY, []))


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "engagement/too_many.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = access_public_consultation_by_slug(slug)
    phase = consultation.phase()
    if phase != Phase.OPEN:
        return render(request, "engagement/not_open.html", {"consultation": consultation, "phase": phase}, status=403)
    user = request.user
    signed_in = bool(user.is_authenticated)
    previous = selectors.response_of(user=user, consultation=consultation) if isinstance(user, User) else None
    questions = selectors.questions_of(consultation)
    form = ResponseForm(
        request.POST if request.method == "POST" else None, questions=questions, signed_in=signed_in, previous=previous
    )
    status = 200
    if request.method == "POST":
        if not signed_in:
            verdict = ratelimit.hit(
                bucket=f"consultation-response:{ratelimit.client_ip(request)}",
                limit=ANONYMOUS_RESPONSES_PER_HOUR,
                window_seconds=3600,
            )
            if not verdict.allowed:
                return _too_many(request, verdict.retry_after)
        if form.is_valid():
            try:
                response = services.response_submit(
                    consultation=consultation,
                    acting_user=user,
                    answers=form.answers(),
                    email=form.cleaned_data.get("email") or "",
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not signed_in:
                    request.session[SESSION_KEY] = [*_session_references(request)[-19:], response.reference]
                return redirect(
                    reverse("engagement:response", args=[consultation.slug, response.reference]) + "?sent=1"
                )
        status = 400
    return render(
        request,
        "engagement/respond.html",
        {"consultation": consultation, "form": form, "previous": previous, "signed_in": signed_in},
        status=status,
    )


@require_GET
def response_detail(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    """The confirmation page, and later the person's own copy of what they said (theirs only: others get 404)."""
    consultation = access_public_consultation_by_slug(slug)
    response = access_response_by_reference(
        request.user, consultation, reference, session_references=_session_references(request)
    )
    answers: dict[int, list[str]] = {}
    for answer in response.answers.all():
        answers.setdefault(answer.question_id, []).append(answer.option.label if answer.option else answer.text)
    questions = [(question, answers.get(question.pk, [])) for question in selectors.questions_of(consultation)]
    return render(
        request,
        "engagement/response.html",
        {
            "consultation": consultation,
            "response": response,
            "questions": questions,
            "phase": consultation.phase(),
            "just_sent": request.GET.get("sent") == "1",
        },
    )


@require_GET
def results(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = access_public_consultation_by_slug(slug)
    if consultation.phase() != Phase.CLOSED:
        raise Http404("Page not found")
    return render(
        request, "engagement/results.html", {"consultation": consultation, "results": selectors.results(consultation)}
    )
