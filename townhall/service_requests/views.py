"""The staff catalogue editor at /staff/catalogue/: groups, categories, questions and routing rules.

Administrators only (anyone else gets 404, like every staff page); StaffAreaMiddleware has
already required sign-in and MFA. Every page works without JavaScript. Each view parses
a form, calls one service (which validates again and audits) and redirects.

Every URL that names an object ends with its id (`categories/7/`, not `categories/7/edit/`):
new questions and rules take their category from the query string instead.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.constants import StaffRole
from townhall.accounts.permissions import staff_role_required
from townhall.service_requests import selectors, services
from townhall.service_requests.forms import (
    CategoryForm,
    CategoryGroupForm,
    QuestionForm,
    RoutingRuleForm,
    add_service_errors,
)
from townhall.service_requests.models import Category

catalogue_editor_required = staff_role_required(StaffRole.ADMINISTRATOR)


def _category_url(category_id: int) -> str:
    return reverse("catalogue_category", args=[category_id])


def _category_from_query(request: HttpRequest) -> Category | None:
    """The category named by ?category=<id>, to preselect it; None when absent or unknown."""
    raw = request.GET.get("category", "")
    return selectors.category_get(category_id=int(raw)) if raw.isdigit() else None


@catalogue_editor_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "service_requests/catalogue.html", {"groups": selectors.catalogue_overview()})


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    form = CategoryGroupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.category_group_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Group {group.name} added")
            return redirect("catalogue")
    return render(request, "service_requests/group_form.html", {"form": form, "group": None})


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.category_group_get(group_id=pk)
    if group is None:
        raise Http404("Page not found")
    form = CategoryGroupForm.for_group(group, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.category_group_update(acting_user=request.user, group=group, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Group {group.name} saved")
            return redirect("catalogue")
    return render(request, "service_requests/group_form.html", {"form": form, "group": group})


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    form = CategoryForm.blank(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(
                acting_user=request.user, details=form.details(), default_team=form.chosen_team()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Category {category.name} added. You can now add questions and ward rules.")
            return redirect(_category_url(category.pk))
    return render(request, "service_requests/category_form.html", {"form": form, "category": None})


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = selectors.category_get(category_id=pk)
    if category is None:
        raise Http404("Page not found")
    form = CategoryForm.for_category(category, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_update(
                acting_user=request.user, category=category, details=form.details(), default_team=form.chosen_team()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Category {category.name} saved")
            return redirect(_category_url(category.pk))
    return render(
        request,
        "service_requests/category_form.html",
        {
            "form": form,
            "category": category,
            "questions": selectors.category_questions(category=category),
            "rules": selectors.category_routing_rules(category=category),
        },
    )


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def question_create(request: HttpRequest) -> HttpResponse:
    preselected = _category_from_query(request)
    initial = {"category": preselected.pk} if preselected else {}
    if preselected is not None:
        initial["order"] = len(selectors.category_questions(category=preselected)) + 1
    form = QuestionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        category = form.cleaned_data["category"]
        try:
            services.question_create(acting_user=request.user, category=category, details=form.details())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Question added to {category.name}")
            return redirect(_category_url(category.pk))
    return render(
        request,
        "service_requests/question_form.html",
        {"form": form, "question": None, "parent_category": preselected},
    )


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a question and its choices; the Delete button asks for confirmation first."""
    question = selectors.question_get(question_id=pk)
    if question is None:
        raise Http404("Page not found")
    category_url = _category_url(question.category_id)
    if request.method == "POST" and "delete" in request.POST:
        return render(
            request,
            "service_requests/question_delete.html",
            {"question": question, "parent_category": question.category},
        )
    if request.method == "POST" and "confirm_delete" in request.POST:
        services.question_delete(acting_user=request.user, question=question)
        messages.success(request, f"Question {question.code} deleted")
        return redirect(category_url)
    form = QuestionForm.for_question(question, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(acting_user=request.user, question=question, details=form.details())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Question saved")
            return redirect(category_url)
    return render(
        request,
        "service_requests/question_form.html",
        {"form": form, "question": question, "parent_category": question.category},
    )


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def routing_rule_create(request: HttpRequest) -> HttpResponse:
    preselected = _category_from_query(request)
    form = RoutingRuleForm(
        request.POST if request.method == "POST" else None,
        initial={"category": preselected.pk} if preselected else {},
    )
    if request.method == "POST" and form.is_valid():
        category = form.cleaned_data["category"]
        try:
            services.routing_rule_create(
                acting_user=request.user,
                category=category,
                ward=form.cleaned_data["ward"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Ward rule added to {category.name}")
            return redirect(_category_url(category.pk))
    return render(
        request,
        "service_requests/routing_rule_form.html",
        {"form": form, "rule": None, "parent_category": preselected},
    )


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def routing_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.routing_rule_get(rule_id=pk)
    if rule is None:
        raise Http404("Page not found")
    category_url = _category_url(rule.category_id)
    if request.method == "POST" and "delete" in request.POST and not rule.is_default:
        services.routing_rule_delete(acting_user=request.user, rule=rule)
        messages.success(request, "Ward rule deleted: that ward's requests now go to the default team")
        return redirect(category_url)
    form = RoutingRuleForm.for_rule(rule, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.routing_rule_update(
                acting_user=request.user, rule=rule, team=form.cleaned_data["team"], ward=form.cleaned_data.get("ward")
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Routing saved")
            return redirect(category_url)
    return render(
        request,
        "service_requests/routing_rule_form.html",
        {"form": form, "rule": rule, "parent_category": rule.category},
    )
