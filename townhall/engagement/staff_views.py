"""Consultations in the back office at /staff/consultations/ (team managers and administrators).

StaffAreaMiddleware has already required sign-in and MFA; the role check answers 404 to
other staff, like every staff page. Each change is a POST that redirects. Downloading
responses is audited by the service (free text may name people).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.core.pagination import pagination_context
from townhall.engagement import selectors, services
from townhall.engagement.access import access_consultation_by_id
from townhall.engagement.constants import Phase
from townhall.engagement.forms import (
    ConsultationForm,
    OutcomeForm,
    QuestionFormSet,
    ReasonForm,
    add_service_errors,
    question_initial,
)
from townhall.engagement.permissions import CONSULTATION_MANAGER_ROLES

manager_required = staff_role_required(*CONSULTATION_MANAGER_ROLES)
PAGE_SIZE = 50


def _acting(request: HttpRequest) -> User:
    """The signed-in member of staff (the decorator has let no one else through)."""
    if not isinstance(request.user, User):
        raise Http404("Page not found")
    return request.user


def _detail(pk: int) -> HttpResponse:
    return redirect(reverse("staff_consultations:detail", args=[pk]))


@manager_required
@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.consultation_list_staff(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagement/staff/list.html", {"page": page, **pagination_context(page, request.GET)})


@manager_required
@require_http_methods(["GET", "POST"])
def consultation_create(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(acting_user=_acting(request), details=form.details())
        except ValidationError as error:
            add_service_errors(form, _field_names(error))
        else:
            messages.success(request, "Consultation saved as a draft. Now add its questions.")
            return redirect(reverse("staff_consultations:questions", args=[consultation.pk]))
    return render(request, "engagement/staff/form.html", {"form": form, "consultation": None}, status=_status(form))


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _field_names(error: ValidationError) -> ValidationError:
    """Name the model's fields as the form does (opens_at → opens_on)."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {"opens_at": "opens_on", "closes_at": "closes_on"}
    return ValidationError({renamed.get(name, name): errors for name, errors in error.error_dict.items()})


@manager_required
@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_by_id(pk)
    phase = consultation.phase()
    return render(
        request,
        "engagement/staff/detail.html",
        {
            "consultation": consultation,
            "phase": phase,
            "questions": selectors.questions_of(consultation),
            "response_count": selectors.response_count(consultation),
            "can_edit": phase in {Phase.DRAFT, Phase.UPCOMING, Phase.OPEN},
            "can_edit_questions": phase in {Phase.DRAFT, Phase.UPCOMING} and not consultation.responses.exists(),
            "reason_form": ReasonForm(),
        },
    )


@manager_required
@require_http_methods(["GET", "POST"])
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_by_id(pk)
    form = ConsultationForm(request.POST or None, initial=ConsultationForm.for_consultation(consultation))
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_update(
                acting_user=_acting(request),
                consultation=consultation,
                details=form.details(keep_opening=consultation.opens_at),
            )
        except ValidationError as error:
            add_service_errors(form, _field_names(error))
        else:
            messages.success(request, "Changes saved")
            return _detail(consultation.pk)
    return render(
        request, "engagement/staff/form.html", {"form": form, "consultation": consultation}, status=_status(form)
    )


@manager_required
@require_http_methods(["GET", "POST"])
def consultation_questions(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_by_id(pk)
    formset = QuestionFormSet(
        request.POST or None, initial=question_initial(selectors.questions_of(consultation)), prefix="questions"
    )
    service_errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        specs = [
            form.spec()
            for form in formset.forms
            if form.cleaned_data.get("text") and not form.cleaned_data.get("DELETE")  # blank extras are skipped
        ]
        try:
            services.consultation_questions_set(
                acting_user=_acting(request), consultation=consultation, questions=specs
            )
        except ValidationError as error:
            service_errors = list(error.messages)
        else:
            messages.success(request, f"{len(specs)} questions saved")
            if "add_more" in request.POST:
                return redirect(reverse("staff_consultations:questions", args=[consultation.pk]))
            return _detail(consultation.pk)
    errors = _formset_errors(formset) + service_errors if request.method == "POST" else []
    return render(
        request,
        "engagement/staff/questions.html",
        {"consultation": consultation, "formset": formset, "errors": errors, "page_has_errors": bool(errors)},
        status=400 if errors else 200,
    )


def _formset_errors(formset: Any) -> list[str]:
    """The formset's errors for the GOV.UK error summary, named by question number."""
    errors = [str(error) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        for name, field_errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            errors.extend(f"Question {number}{f' ({label.lower()})' if label else ''}: {e}" for e in field_errors)
    return errors


def _action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    consultation = access_consultation_by_id(pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        action(consultation, reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _detail(consultation.pk)


@manager_required
@require_POST
def consultation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda consultation, _reason: services.consultation_publish(
            acting_user=_acting(request), consultation=consultation
        ),
        "Consultation published",
    )


@manager_required
@require_POST
def consultation_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda consultation, reason: services.consultation_close_early(
            acting_user=_acting(request), consultation=consultation, reason=reason
        ),
        "Consultation closed: it takes no more responses and its results are public",
    )


@manager_required
@require_POST
def consultation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda consultation, reason: services.consultation_withdraw(
            acting_user=_acting(request), consultation=consultation, reason=reason
        ),
        "Consultation withdrawn",
    )


@manager_required
@require_http_methods(["GET", "POST"])
def consultation_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_by_id(pk)
    form = OutcomeForm(request.POST or None, initial={"outcome": consultation.outcome})
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_outcome_write(
                acting_user=_acting(request),
                consultation=consultation,
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Outcome published")
            return _detail(consultation.pk)
    return render(
        request,
        "engagement/staff/outcome.html",
        {"consultation": consultation, "form": form, "phase": consultation.phase()},
        status=_status(form),
    )


@manager_required
@require_GET
def responses_download(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_by_id(pk)
    body = services.responses_csv(acting_user=_acting(request), consultation=consultation)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="responses-{consultation.slug}.csv"'
    response["Cache-Control"] = "no-store"
    return response
