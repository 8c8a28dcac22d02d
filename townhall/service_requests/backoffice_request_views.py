"""Actions on one request's back-office page (/staff/requests/<id>/…) and the response templates editor.

Each action is a POST that calls one service and redirects back to the request page
(post/redirect/get); a failed one re-renders the page with the form's GOV.UK error
summary. A request outside the officer's teams is a 404 before anything else happens;
an action the officer's role does not allow on a request they can see is a 403.
Documents are only ever sent through `document_download`, which checks access and audits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.service_requests import selectors, services
from townhall.service_requests.backoffice_forms import StatusChangeForm
from townhall.service_requests.backoffice_request_forms import (
    BlockForm,
    DocumentForm,
    MergeForm,
    PriorityForm,
    RedactDescriptionForm,
    RedactUpdateForm,
    ReferralForm,
    ReporterQuestionForm,
    ResponseTemplateForm,
    StaffUpdateForm,
    TemplateChoiceForm,
)
from townhall.service_requests.backoffice_views import (
    QUEUE_ROLES,
    _add_service_errors,
    _render_request,
    _request_or_404,
    _signed_in_user,
)
from townhall.service_requests.forms import add_service_errors
from townhall.service_requests.models import ServiceRequest
from townhall.service_requests.report_step_views import photo_response

request_staff_required = staff_role_required(*QUEUE_ROLES)
catalogue_editor_required = staff_role_required(StaffRole.ADMINISTRATOR)


def _back(service_request: ServiceRequest, anchor: str = "") -> HttpResponse:
    url = reverse("backoffice_request", args=[service_request.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


Cleaned = dict[str, Any]


def _form_action(
    request: HttpRequest,
    pk: int,
    *,
    form: Callable[[ServiceRequest], forms.Form],
    form_name: str,
    service: Callable[[User, ServiceRequest, Cleaned], object],
    done: Callable[[ServiceRequest, Cleaned], str],
    default_field: str,
    anchor: str = "",
) -> HttpResponse:
    """One action form on the request page: load the request (404 outside the officer's teams), bind the form,
    call the service; on success a message and post/redirect/get, else the page again with the form's errors
    (the service's ValidationError on the field it names, else on `default_field`)."""
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    bound = form(service_request)
    if bound.is_valid():
        try:
            service(user, service_request, bound.cleaned_data)
        except ValidationError as error:
            _add_service_errors(bound, error, default_field=default_field)
        else:
            messages.success(request, done(service_request, bound.cleaned_data))
            return _back(service_request, anchor)
    return _render_request(request, service_request, action_forms={form_name: bound})


@never_cache
@request_staff_required
@require_POST
def priority(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request,
        pk,
        form=lambda sr: PriorityForm(request.POST, service_request=sr),
        form_name="priority_form",
        service=lambda user, sr, data: services.service_request_priority_change(
            acting_user=user, service_request=sr, priority=data["priority"]
        ),
        done=lambda sr, _data: f"Priority changed to {sr.get_priority_display().lower()}.",
        default_field="priority",
    )


@never_cache
@request_staff_required
@require_POST
def staff_update(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request,
        pk,
        form=lambda _sr: StaffUpdateForm(request.POST),
        form_name="update_form",
        service=lambda user, sr, data: services.service_request_staff_update_add(
            acting_user=user,
            service_request=sr,
            internal_note=data["internal_note"],
            public_message=data["public_message"],
        ),
        done=lambda _sr, _data: "Update added to the history.",
        default_field="internal_note",
        anchor="history",
    )


@never_cache
@request_staff_required
@require_POST
def ask_reporter(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the reporter a question: the request waits for their reply, which clears the wait."""
    return _form_action(
        request,
        pk,
        form=lambda _sr: ReporterQuestionForm(request.POST),
        form_name="question_form",
        service=lambda user, sr, data: services.service_request_reporter_question_ask(
            acting_user=user, service_request=sr, question=data["question"]
        ),
        done=lambda _sr, _data: "Question sent to the reporter. The request is waiting for their reply.",
        default_field="question",
        anchor="ask-reporter",
    )


@never_cache
@request_staff_required
@require_POST
def use_template(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-render the change-status form with the chosen template's text as the public update (nothing is saved)."""
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    status = request.POST.get("status-status", "")
    templates = selectors.response_templates_for(category=service_request.category, status=status)
    template_form = TemplateChoiceForm(request.POST, templates=templates)
    status_form = StatusChangeForm(service_request=service_request)
    status_form.initial = {
        name: request.POST.get(f"status-{name}", "") for name in ("status", "duplicate_of", "internal_note")
    }
    chosen = template_form.chosen()
    if chosen is not None:
        status_form.initial["public_message"] = chosen.text
        template_form = TemplateChoiceForm(templates=templates)
        template_form.initial = {"template": chosen.pk}
    else:
        status_form.initial["public_message"] = request.POST.get("status-public_message", "")
        if template_form.is_valid():
            template_form.add_error("template", "Choose a template")
    return _render_request(
        request, service_request, status_form=status_form, action_forms={"template_form": template_form}, status=status
    )


@never_cache
@request_staff_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    def merge_into(user: User, service_request: ServiceRequest, data: Cleaned) -> object:
        original = selectors.staff_visible_requests(acting_user=user).filter(reference=data["reference"]).first()
        if original is None:
            raise ValidationError({"reference": "There is no request with this reference in your teams' queues"})
        return services.service_request_merge(
            acting_user=user, service_request=service_request, original=original, public_message=data["public_message"]
        )

    return _form_action(
        request,
        pk,
        form=lambda _sr: MergeForm(request.POST),
        form_name="merge_form",
        service=merge_into,
        done=lambda _sr, data: f"Marked as a duplicate of {data['reference']}.",
        default_field="reference",
    )


@never_cache
@request_staff_required
@require_POST
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request,
        pk,
        form=lambda sr: ReferralForm(request.POST, category=sr.category),
        form_name="referral_form",
        service=lambda user, sr, data: services.service_request_refer(
            acting_user=user,
            service_request=sr,
            referral=services.Referral(body_name=data["body_name"], message=data["message"], url=data["url"]),
        ),
        done=lambda _sr, data: f"Closed as not the council's responsibility: referred to {data['body_name']}.",
        default_field="body_name",
    )


# --- Documents ---------------------------------------------------------------------------------


@never_cache
@request_staff_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request,
        pk,
        form=lambda _sr: DocumentForm(request.POST, request.FILES),
        form_name="document_form",
        service=lambda user, sr, data: services.request_document_attach(
            acting_user=user, service_request=sr, upload=data["file"], description=data["description"]
        ),
        done=lambda _sr, _data: "Document attached.",
        default_field="file",
        anchor="documents",
    )


def _document_or_404(user: Any, pk: int, document_id: int) -> Any:
    service_request = _request_or_404(user, pk)
    document = selectors.request_document_get(service_request=service_request, document_id=document_id)
    if document is None:
        raise Http404("Page not found")
    return document


@never_cache
@request_staff_required
@require_http_methods(["GET", "POST"])
def document(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    """GET downloads the document (audited, always as an attachment); POST deletes it."""
    user = _signed_in_user(request)
    found = _document_or_404(user, pk, document_id)
    if request.method == "POST":
        services.request_document_delete(acting_user=user, document=found)  # PermissionDenied: 403
        messages.success(request, f"Document {found.filename} deleted.")
        return _back(found.request, "documents")
    found = services.request_document_download(acting_user=user, document=found)
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.filename, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return cast(HttpResponse, response)  # streamed; the role decorator is typed for HttpResponse views


# --- SLA clock, sensitivity, blocked reporters ---------------------------------------------------


def _simple_action(request: HttpRequest, pk: int, action: Any, done: str, anchor: str) -> HttpResponse:
    """An action with no fields: a refusal is shown as a message on the request page."""
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    try:
        action(user, service_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _back(service_request, anchor)


@never_cache
@request_staff_required
@require_POST
def sla_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda user, sr: services.service_request_sla_pause(acting_user=user, service_request=sr),
        "SLA clock paused while waiting for the resident.",
        "sla",
    )


@never_cache
@request_staff_required
@require_POST
def sla_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda user, sr: services.service_request_sla_resume(acting_user=user, service_request=sr),
        "SLA clock restarted.",
        "sla",
    )


@never_cache
@request_staff_required
@require_POST
def sensitive(request: HttpRequest, pk: int) -> HttpResponse:
    flag = request.POST.get("sensitive") == "yes"
    return _simple_action(
        request,
        pk,
        lambda user, sr: services.service_request_sensitive_set(acting_user=user, service_request=sr, sensitive=flag),
        "Marked as sensitive: hidden from the public." if flag else "No longer marked as sensitive.",
        "sensitive",
    )


@never_cache
@request_staff_required
@require_POST
def block(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request,
        pk,
        form=lambda _sr: BlockForm(request.POST),
        form_name="block_form",
        service=lambda user, sr, data: services.reporter_block(
            acting_user=user, service_request=sr, reason=data["reason"]
        ),
        done=lambda _sr, _data: "Reporter blocked: they can no longer report online.",
        default_field="reason",
        anchor="reporter",
    )


@never_cache
@request_staff_required
@require_POST
def block_lift(request: HttpRequest, pk: int, block_id: int) -> HttpResponse:
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    found = next((b for b in selectors.reporter_blocks_for(service_request=service_request) if b.pk == block_id), None)
    if found is None:
        raise Http404("Page not found")
    return _simple_action(
        request,
        pk,
        lambda acting, _sr: services.reporter_block_lift(acting_user=acting, block=found),
        "Block lifted.",
        "reporter",
    )


# --- Moderation ---------------------------------------------------------------------------------


@never_cache
@request_staff_required
@require_http_methods(["GET", "POST"])
def moderate_description(request: HttpRequest, pk: int) -> HttpResponse:
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    form = RedactDescriptionForm(request.POST or None, service_request=service_request)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["redacted_description"]
        if text.strip() == service_request.description.strip():
            text = ""  # unchanged from the original: nothing to hide
        try:
            services.service_request_description_redact(
                acting_user=user, service_request=service_request, redacted_description=text
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Public description saved.")
            return _back(service_request)
    context = {"service_request": service_request, "form": form, "original": service_request.description}
    return render(request, "service_requests/backoffice/moderate.html", context)


@never_cache
@request_staff_required
@require_http_methods(["GET", "POST"])
def moderate_update(request: HttpRequest, pk: int, update_id: int) -> HttpResponse:
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    update = selectors.request_update_get(service_request=service_request, update_id=update_id)
    if update is None or not update.public_message:
        raise Http404("Page not found")
    form = RedactUpdateForm(request.POST or None, initial_text=update.redacted_message or update.public_message)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["redacted_message"]
        if text.strip() == update.public_message.strip():
            text = ""
        try:
            services.request_update_redact(acting_user=user, update=update, redacted_message=text)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Public update saved.")
            return _back(service_request, "history")
    context = {"service_request": service_request, "form": form, "original": update.public_message}
    return render(request, "service_requests/backoffice/moderate.html", context)


@never_cache
@request_staff_required
@require_http_methods(["GET", "POST"])
def photo_visibility(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    """GET shows the photo (hidden ones too, for staff who can open the request); POST hides or shows it."""
    user = _signed_in_user(request)
    service_request = _request_or_404(user, pk)
    photo = selectors.request_photo_get(photo_id=photo_id)
    if photo is None or photo.request_id != service_request.pk:
        raise Http404("Page not found")
    if request.method == "GET":
        return cast(HttpResponse, photo_response(photo))  # streamed; the role decorator is typed for HttpResponse
    show = request.POST.get("public") == "yes"
    return _simple_action(
        request,
        pk,
        lambda acting, _sr: services.request_photo_visibility_set(acting_user=acting, photo=photo, is_public=show),
        "Photo shown to the public." if show else "Photo hidden from the public.",
        "photos",
    )


# --- Response templates editor (/staff/catalogue/templates/, administrators) ---------------------


@catalogue_editor_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.response_templates()
    return render(request, "service_requests/backoffice/response_templates.html", {"templates": templates})


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    form = ResponseTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.response_template_create(acting_user=request.user, details=form.details())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Template {template.title} added.")
            return redirect("catalogue_response_templates")
    return render(request, "service_requests/backoffice/response_template_form.html", {"form": form, "template": None})


@catalogue_editor_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.response_template_get(template_id=pk)
    if template is None:
        raise Http404("Page not found")
    form = ResponseTemplateForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.response_template_update(
                acting_user=request.user, template=template, details=form.details()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Template {template.title} saved.")
            return redirect("catalogue_response_templates")
    context = {"form": form, "template": template}
    return render(request, "service_requests/backoffice/response_template_form.html", context)
