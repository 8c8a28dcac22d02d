"""/staff/open-data/uploads/: stewards upload new versions of files, read why a file was refused, edit schemas.

Files above services.staged.background_validation_bytes() are checked in the background,
new versions and new files alike: the steward is sent to the upload's progress page
(`staged_detail`) instead of waiting.

Data stewards and administrators only (others get 404, as across /staff/); the
StaffAreaMiddleware has already required sign-in with MFA. No personal data is shown.

A refused file is never stored. Its report (row, field, value, problem; at most
validation_report.REPORT_LIMIT lines, cells cut to 80 characters) is kept in the steward's
own session under a random key, so "download the report as CSV" works without the file:
at most REPORTS_KEPT reports are kept, the oldest dropped first, and they go with the session.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.constants import StaffRole
from townhall.accounts.permissions import staff_role_required
from townhall.opendata import services
from townhall.opendata.models import Dataset, Resource, StagedUploadState
from townhall.opendata.selectors import versions as version_selectors
from townhall.opendata.services import ResourceFields
from townhall.opendata.services import staged as staged_services
from townhall.opendata.services import versions as version_services
from townhall.opendata.upload_forms import NewResourceForm, SchemaForm, UploadForm, VersionUploadForm
from townhall.opendata.validation_report import Problem, report_csv, shown_cell, summary

SESSION_KEY = "opendata_upload_reports"
REPORTS_KEPT = 3

stewards_only = staff_role_required(StaffRole.DATA_STEWARD)


def _resource_or_404(resource_id: uuid.UUID) -> Resource:
    resource = version_selectors.resource_for_upload(resource_id=resource_id)
    if resource is None:
        raise Http404("No such file")
    return resource


def _keep_report(
    request: HttpRequest, filename: str, rejected: version_services.UploadRejectedError, *, token: str | None = None
) -> str:
    """Put the report (never the file) in the session; the key it is kept under (`token`, or a random one)."""
    reports: dict[str, Any] = dict(request.session.get(SESSION_KEY, {}))
    token = token or str(uuid.uuid4())  # random, and the shape staff URLs end with
    reports.pop(token, None)
    while len(reports) >= REPORTS_KEPT:
        reports.pop(next(iter(reports)))
    reports[token] = {
        "filename": filename[:200],
        "problems": [{**problem.as_dict(), "cell": shown_cell(problem.cell)} for problem in rejected.problems],
        "truncated": rejected.truncated,
    }
    request.session[SESSION_KEY] = reports
    return token


def _report_context(
    request: HttpRequest, filename: str, rejected: version_services.UploadRejectedError, *, token: str | None = None
) -> dict[str, Any]:
    return {
        "problems": rejected.problems,
        "truncated": rejected.truncated,
        "report_summary": summary(rejected.problems, truncated=rejected.truncated),
        "report_token": _keep_report(request, filename, rejected, token=token),
        "rejected_filename": filename,
    }


@stewards_only
@require_GET
def upload_index(request: HttpRequest) -> HttpResponse:
    """Every dataset's files, with links to upload a new version, add a file or edit a schema."""
    return render(request, "opendata/uploads/index.html", {"datasets": version_selectors.datasets_for_upload()})


@stewards_only
@require_http_methods(["GET", "POST"])
def resource_upload(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    """A new file for a resource: its next version, or the report of why it was refused (nothing stored)."""
    resource = _resource_or_404(resource_id)
    form = VersionUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"resource": resource, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if staged_services.needs_background(upload.size):
            return _stage(request, form, context, resource=resource)
        try:
            version = version_services.resource_file_upload(
                acting_user=request.user,
                resource=resource,
                filename=upload.name or "",
                content=upload,
                change_note=form.cleaned_data["change_note"],
            )
        except version_services.UploadRejectedError as rejected:
            form.add_error("file", summary(rejected.problems, truncated=rejected.truncated))
            context.update(_report_context(request, upload.name or "", rejected))
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            messages.success(request, f"Version {version.number} of {resource} is published.")
            return redirect("opendata_uploads:version", resource_id=resource.pk, number=version.number)
    return render(request, "opendata/uploads/upload.html", context)


def _stage(
    request: HttpRequest,
    form: UploadForm,
    context: dict[str, Any],
    *,
    resource: Resource | None = None,
    dataset: Dataset | None = None,
) -> HttpResponse:
    """A large file (a new version of `resource`, or a new file in `dataset`): staged and checked in the
    background; the steward follows it on its progress page."""
    upload = form.cleaned_data["file"]
    try:
        staged = staged_services.staged_upload_create(
            acting_user=request.user,
            resource=resource,
            dataset=dataset,
            name=form.cleaned_data.get("name", ""),
            description=form.cleaned_data.get("description", ""),
            upload=upload,
            filename=upload.name or "",
            change_note=form.cleaned_data["change_note"],
        )
    except version_services.UploadRejectedError as rejected:  # too large or empty: about the whole file
        for problem in rejected.problems:
            form.add_error("file", problem.message)
    except ValidationError as error:
        for message in error.messages:
            form.add_error("file", message)
    else:
        return redirect("opendata_uploads:staged", staged_id=staged.pk)
    template = "opendata/uploads/new.html" if dataset is not None else "opendata/uploads/upload.html"
    return render(request, template, context)


@stewards_only
@require_GET
def staged_detail(request: HttpRequest, staged_id: uuid.UUID) -> HttpResponse:
    """A large file being checked in the background: rows checked so far, then its version or its report.

    The page refreshes its progress panel with htmx every few seconds (a plain Refresh link
    without JavaScript); once checking ends, htmx is told to load the whole page again.
    """
    staged = version_selectors.staged_upload(staged_id=staged_id)
    if staged is None:
        raise Http404("No such upload")
    from_htmx = request.headers.get("HX-Request") == "true"
    if staged.state == StagedUploadState.ACCEPTED and staged.version is not None and staged.resource is not None:
        url = reverse("opendata_uploads:version", args=[staged.resource_id, staged.version.number])
        if staged.dataset_id is not None:
            messages.success(request, f"{staged.resource} is added to {staged.resource.dataset.title} as version 1.")
        else:
            messages.success(request, f"Version {staged.version.number} of {staged.resource} is published.")
        if from_htmx:
            return HttpResponse(headers={"HX-Redirect": url})
        return redirect(url)
    if from_htmx and staged.finished:
        return HttpResponse(headers={"HX-Refresh": "true"})
    dataset = staged.resource.dataset if staged.resource is not None else staged.dataset
    context: dict[str, Any] = {"staged": staged, "resource": staged.resource, "dataset": dataset}
    if staged.state == StagedUploadState.REJECTED:
        rejected = version_services.UploadRejectedError(
            staged_services.staged_problems(staged), truncated=staged.truncated
        )
        context.update(_report_context(request, staged.filename, rejected, token=str(staged.pk)))
    template = "opendata/uploads/_staged_progress.html" if from_htmx else "opendata/uploads/staged.html"
    return render(request, template, context)


@stewards_only
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    """A new file in a dataset: a new resource whose first version is this file (schema inferred from it)."""
    dataset = version_selectors.dataset_for_upload(dataset_id=dataset_id)
    if dataset is None:
        raise Http404("No such dataset")
    form = NewResourceForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"dataset": dataset, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if staged_services.needs_background(upload.size):
            return _stage(request, form, context, dataset=dataset)
        fields = ResourceFields(
            name=form.cleaned_data["name"].strip(),
            description=form.cleaned_data["description"].strip(),
            upload=upload,
            change_note=form.cleaned_data["change_note"],
        )
        try:
            resource = services.resource_create(acting_user=request.user, dataset=dataset, fields=fields)
        except version_services.UploadRejectedError as rejected:
            form.add_error("file", summary(rejected.problems, truncated=rejected.truncated))
            context.update(_report_context(request, upload.name or "", rejected))
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            messages.success(request, f"{resource} is added to {dataset.title} as version 1.")
            return redirect("opendata_uploads:version", resource_id=resource.pk, number=1)
    return render(request, "opendata/uploads/new.html", context)


@stewards_only
@require_GET
def version_detail(request: HttpRequest, resource_id: uuid.UUID, number: int) -> HttpResponse:
    """One version: its file, rows, change summary and how far loading it into the datastore has got."""
    resource = _resource_or_404(resource_id)
    version = version_selectors.version_of(resource=resource, number=number)
    if version is None:
        raise Http404("No such version")
    site_url = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "opendata/uploads/version.html",
        {
            "resource": resource,
            "version": version,
            "changes": version_selectors.changes_text(version.change_summary),
            "download_url": version_selectors.version_dict(version, dataset_id=resource.dataset_id, site_url="")["url"],
            "api_url": f"{site_url}{reverse('ckan:action', args=['resource_show'])}?id={resource.pk}"
            f"&version={version.number}",
            "load": version_selectors.datastore_state(version=version),
            "history": version_selectors.version_history(resource_ids=[str(resource.pk)], site_url=""),
        },
    )


@stewards_only
@require_GET
def report_download(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """A refused file's report as CSV, from the steward's session (the file itself was never kept)."""
    report = request.session.get(SESSION_KEY, {}).get(str(token))
    if report is None:
        raise Http404("That report has expired. Upload the file again to see it.")
    problems = [Problem.from_dict(values) for values in report["problems"]]
    stem = str(report["filename"]).rsplit(".", 1)[0] or "upload"
    response = HttpResponse(report_csv(problems), content_type="text/csv; charset=utf-8")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe}-problems.csv"'
    return response


@stewards_only
@require_http_methods(["GET", "POST"])
def schema_edit(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    """Edit a tabular resource's Table Schema; the current file must still pass it."""
    resource = _resource_or_404(resource_id)
    if resource.table_schema is None or resource.current_version is None:
        raise Http404("This file has no schema")
    form = SchemaForm(request.POST or None, schema=resource.table_schema)
    context: dict[str, Any] = {"resource": resource, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            version_services.resource_schema_update(
                acting_user=request.user, resource=resource, table_schema=form.table_schema()
            )
        except version_services.UploadRejectedError as rejected:
            form.add_error(
                None,
                "The current file does not fit this schema: "
                + summary(rejected.problems, truncated=rejected.truncated).removeprefix("The file was not accepted: "),
            )
            context.update(_report_context(request, resource.current_version.filename, rejected))
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"The schema of {resource} is saved. New files are checked against it.")
            return redirect("opendata_uploads:index")
    return render(request, "opendata/uploads/schema.html", context)
