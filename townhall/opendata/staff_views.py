"""/staff/open-data/: the open data team's back office (issue 6, publishing workflow).

Drafters (team managers, data stewards; administrators hold every role) list, create and
change drafts, add links and submit them for review; data stewards review (publish now, at
a time, or send back), withdraw and restore. Everyone else gets 404, like every staff page;
StaffAreaMiddleware has already required sign-in and MFA. No JavaScript: each action is a
form that posts, calls one workflow service (which checks again, and audits) and redirects.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.core.pagination import pagination_context
from townhall.opendata.forms import (
    ApproveForm,
    DatasetForm,
    LinkForm,
    ListFilterForm,
    SendBackForm,
    WithdrawForm,
    add_service_errors,
)
from townhall.opendata.models import Dataset, DatasetState
from townhall.opendata.permissions import DATASET_DRAFTER_ROLES, can_manage_datasets
from townhall.opendata.selectors import staff as staff_selectors
from townhall.opendata.services import workflow

PAGE_SIZE = 50
drafter_required = staff_role_required(*DATASET_DRAFTER_ROLES)
steward_required = staff_role_required(StaffRole.DATA_STEWARD)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the staff middleware signs people in first
        raise Http404("Page not found")
    return user


def _dataset_or_404(dataset_id: uuid.UUID) -> Dataset:
    dataset = staff_selectors.staff_dataset(dataset_id=dataset_id)
    if dataset is None:
        raise Http404("No such dataset")
    return dataset


def _editable_or_404(request: HttpRequest, dataset_id: uuid.UUID) -> Dataset:
    """A drafter may change only drafts; the page is not there for them once it is submitted."""
    dataset = _dataset_or_404(dataset_id)
    if not workflow.can_edit(_user(request), dataset):
        raise Http404("Page not found")
    return dataset


def _to_dataset(dataset: Dataset) -> HttpResponse:
    return redirect("opendata_staff:detail", dataset_id=dataset.pk)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@drafter_required
@require_GET
def dataset_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET)
    form.is_valid()
    stage = form.cleaned_data.get("stage", "")
    publisher = staff_selectors.publisher_by_name(name=form.cleaned_data.get("publisher", ""))
    page = Paginator(staff_selectors.staff_datasets(stage=stage, publisher=publisher), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    context: dict[str, Any] = {
        "filter_form": form,
        "stage": stage,
        "publisher": publisher,
        "counts": staff_selectors.stage_counts(publisher=publisher),
        "rows": [(dataset, staff_selectors.stage_of(dataset, now=now)) for dataset in page],
        "page": page,
        "is_steward": can_manage_datasets(_user(request)),
    }
    context.update(pagination_context(page, request.GET))
    return render(request, "opendata/staff/list.html", context)


@drafter_required
@require_http_methods(["GET", "POST"])
def dataset_create(request: HttpRequest) -> HttpResponse:
    form = DatasetForm.blank(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = workflow.draft_create(acting_user=_user(request), details=form.details())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Draft {dataset.title} saved. Add a file or link, then submit it for review.")
            return _to_dataset(dataset)
    return render(request, "opendata/staff/dataset_form.html", {"form": form, "dataset": None})


@drafter_required
@require_GET
def dataset_detail(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _dataset_or_404(dataset_id)
    user = _user(request)
    steward = can_manage_datasets(user)
    stage = staff_selectors.stage_of(dataset)
    return render(
        request,
        "opendata/staff/dataset_detail.html",
        {
            "dataset": dataset,
            "stage": stage,
            "resources": staff_selectors.dataset_resources(dataset=dataset),
            "return_comment": staff_selectors.return_comment(dataset=dataset),
            "can_edit": workflow.can_edit(user, dataset),
            "is_steward": steward,
            "public": stage.key in {"published", "withdrawn"} and not dataset.private,
        },
    )


@drafter_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _editable_or_404(request, dataset_id)
    form = DatasetForm.for_dataset(dataset, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = workflow.details_update(acting_user=_user(request), dataset=dataset, details=form.details())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{dataset.title} saved")
            return _to_dataset(dataset)
    return render(request, "opendata/staff/dataset_form.html", {"form": form, "dataset": dataset})


@drafter_required
@require_http_methods(["GET", "POST"])
def link_add(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _editable_or_404(request, dataset_id)
    form = LinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.link_add(acting_user=_user(request), dataset=dataset, fields=form.resource_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Link {form.cleaned_data['name']} added")
            return _to_dataset(dataset)
    return render(request, "opendata/staff/link_form.html", {"form": form, "dataset": dataset})


@drafter_required
@require_http_methods(["GET", "POST"])
def dataset_submit(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _dataset_or_404(dataset_id)
    if dataset.state != DatasetState.DRAFT:
        messages.error(request, "Only a draft can be submitted for review.")
        return _to_dataset(dataset)
    resources = staff_selectors.dataset_resources(dataset=dataset)
    if request.method == "POST":
        try:
            workflow.submit(acting_user=_user(request), dataset=dataset)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, f"{dataset.title} submitted. A data steward will review it.")
        return _to_dataset(dataset)
    return render(request, "opendata/staff/submit.html", {"dataset": dataset, "resources": resources})


@steward_required
@require_http_methods(["GET", "POST"])
def dataset_review(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    """What will be published, with the two ways out of review: approve (now or later), or send back."""
    dataset = _dataset_or_404(dataset_id)
    if dataset.state != DatasetState.IN_REVIEW:
        messages.error(request, "Only a dataset in review can be reviewed.")
        return _to_dataset(dataset)
    decision = request.POST.get("decision") if request.method == "POST" else None
    approve_form = ApproveForm(request.POST if decision == "approve" else None, initial={"when": "now"})
    send_back_form = SendBackForm(request.POST if decision == "send_back" else None)
    if decision == "approve" and approve_form.is_valid():
        publish_at = approve_form.publish_at()
        try:
            workflow.approve(acting_user=_user(request), dataset=dataset, publish_at=publish_at)
        except ValidationError as error:
            add_service_errors(approve_form, error)
        else:
            when = timezone.localtime(publish_at).strftime("%-d %B %Y at %H:%M") if publish_at else ""
            messages.success(
                request, f"{dataset.title} will be published on {when}" if when else f"{dataset.title} published"
            )
            return _to_dataset(dataset)
    if decision == "send_back" and send_back_form.is_valid():
        try:
            workflow.send_back(
                acting_user=_user(request), dataset=dataset, comment=send_back_form.cleaned_data["comment"]
            )
        except ValidationError as error:
            add_service_errors(send_back_form, error)
        else:
            messages.success(request, f"{dataset.title} sent back to draft")
            return _to_dataset(dataset)
    submitter = staff_selectors.submitter_id(dataset=dataset)
    return render(
        request,
        "opendata/staff/review.html",
        {
            "dataset": dataset,
            "resources": staff_selectors.dataset_resources(dataset=dataset),
            "approve_form": approve_form,
            "send_back_form": send_back_form,
            "page_has_errors": bool(approve_form.errors or send_back_form.errors),
            "own_submission": submitter is not None and submitter == request.user.pk,
        },
    )


@steward_required
@require_POST
def publish_now(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _dataset_or_404(dataset_id)
    try:
        workflow.publish_now(acting_user=_user(request), dataset=dataset)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{dataset.title} published")
    return _to_dataset(dataset)


@steward_required
@require_POST
def schedule_cancel(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _dataset_or_404(dataset_id)
    try:
        workflow.schedule_cancel(acting_user=_user(request), dataset=dataset)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"Publication of {dataset.title} cancelled. It is back in review.")
    return _to_dataset(dataset)


@steward_required
@require_http_methods(["GET", "POST"])
def dataset_withdraw(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _dataset_or_404(dataset_id)
    if staff_selectors.stage_of(dataset).key != "published":
        messages.error(request, "Only a published dataset can be withdrawn.")
        return _to_dataset(dataset)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.withdraw(acting_user=_user(request), dataset=dataset, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{dataset.title} withdrawn. Its page stays, saying why.")
            return _to_dataset(dataset)
    return render(request, "opendata/staff/withdraw.html", {"form": form, "dataset": dataset})


@steward_required
@require_http_methods(["GET", "POST"])
def dataset_restore(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _dataset_or_404(dataset_id)
    if dataset.state != DatasetState.WITHDRAWN:
        messages.error(request, "Only a withdrawn dataset can be published again.")
        return _to_dataset(dataset)
    if request.method == "POST":
        try:
            workflow.restore(acting_user=_user(request), dataset=dataset)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, f"{dataset.title} published again")
        return _to_dataset(dataset)
    return render(request, "opendata/staff/restore.html", {"dataset": dataset})


@drafter_required
@require_GET
def dataset_history(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = _dataset_or_404(dataset_id)
    return render(
        request,
        "opendata/staff/history.html",
        {"dataset": dataset, "history": staff_selectors.dataset_history(dataset=dataset)},
    )
