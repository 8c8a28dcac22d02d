"""Forms for the actions on one request's back-office page (/staff/requests/<id>/…) and the response templates editor.

`request_actions_context` builds every action form of the request page (unbound, unless
the view passes the one that just failed), so the page renders the same whichever view
drew it. Forms never decide permissions; services do.
"""

from __future__ import annotations

from typing import Any

from django import forms

from townhall.accounts.models import User
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Priority, Status
from townhall.service_requests.models import Category, ResponseTemplate, ServiceRequest

TEXT_MAX_LENGTH = services.UPDATE_TEXT_MAX_LENGTH


def _textarea(
    label: str, *, help_text: str = "", required: bool = False, required_message: str = "", rows: int = 3
) -> forms.Field:
    errors = {"max_length": f"{label.removesuffix(' (optional)')} must be {TEXT_MAX_LENGTH} characters or fewer"}
    if required_message:
        errors["required"] = required_message
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=errors,
    )


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(
        label="Priority", choices=Priority.choices, coerce=int, error_messages={"required": "Choose a priority"}
    )

    def __init__(self, data: Any = None, *, service_request: ServiceRequest) -> None:
        super().__init__(data, prefix="priority", initial={"priority": service_request.priority})


class StaffUpdateForm(forms.Form):
    """An internal note and/or a public update, without changing the status."""

    internal_note = _textarea("Internal note", help_text="Staff only: never shown to the public.")
    public_message = _textarea("Public update", help_text="Shown to the reporter and on the public tracking page.")

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, prefix="update")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        note, message = (cleaned.get("internal_note") or "").strip(), (cleaned.get("public_message") or "").strip()
        if not self.errors and not note and not message:
            self.add_error("internal_note", "Enter an internal note or a public update")
        return cleaned


class ReporterQuestionForm(forms.Form):
    """A question to the reporter; the request then waits for their reply."""

    question = forms.CharField(
        label="Your question",
        help_text="Emailed to the reporter and shown on their report's page, never to the public.",
        max_length=services.REPORTER_QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter your question",
            "max_length": f"Your question must be {services.REPORTER_QUESTION_MAX_LENGTH} characters or fewer",
        },
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, prefix="question")


class TemplateChoiceForm(forms.Form):
    """The response template picker inside the change-status form (same prefix: it posts with it)."""

    template = forms.TypedChoiceField(
        label="Response template",
        coerce=int,
        choices=[],
        required=False,
        help_text="Fills in the public update; you can change the text before saving.",
        error_messages={"invalid_choice": "Choose one of the templates listed"},
    )

    def __init__(self, data: Any = None, *, templates: list[ResponseTemplate]) -> None:
        super().__init__(data, prefix="status")
        field = self.fields["template"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type for mypy
        field.choices = [("", "Choose a template"), *((t.pk, _template_label(t)) for t in templates)]
        self.templates = {t.pk: t for t in templates}

    def chosen(self) -> ResponseTemplate | None:
        if not self.is_valid() or self.cleaned_data.get("template") in (None, ""):
            return None
        return self.templates.get(self.cleaned_data["template"])


def _template_label(template: ResponseTemplate) -> str:
    where = template.category.name if template.category is not None else "Any category"
    status = template.get_status_display() if template.status else "any status"
    return f"{template.title} ({where}, {status})"


class MergeForm(forms.Form):
    reference = forms.CharField(
        label="Reference of the original request",
        max_length=30,
        help_text="For example, DB-2026-000123. It must be in your teams' queues.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": "Enter the reference of the original request"},
    )
    public_message = _textarea(
        "Public update (optional)", help_text="Leave empty to tell the public which report to follow instead."
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, prefix="merge")

    def clean_reference(self) -> str:
        return str(self.cleaned_data["reference"]).strip().upper()


class ReferralForm(forms.Form):
    body_name = forms.CharField(
        label="Who is responsible",
        max_length=200,
        help_text="For example, National Highways",
        error_messages={"required": "Enter who is responsible instead, for example National Highways"},
    )
    url = forms.CharField(
        label="Their web address (optional)",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    message = _textarea(
        "Message to the resident",
        help_text="Shown on the public tracking page and emailed to the reporter.",
        required=True,
        required_message="Enter the message the resident sees",
    )

    def __init__(self, data: Any = None, *, category: Category) -> None:
        initial = {
            "body_name": category.referral_body_name,
            "url": category.referral_url,
            "message": category.referral_message,
        }
        super().__init__(data, prefix="referral", initial=initial)


class DocumentForm(forms.Form):
    file = forms.FileField(
        label="Upload a document",
        help_text=f"{services.DOCUMENT_TYPES_HINT}. Up to 20 MB.",
        error_messages={"required": "Select a document", "empty": "The selected file is empty"},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=300,
        error_messages={"max_length": "The description must be 300 characters or fewer"},
    )

    def __init__(self, data: Any = None, files: Any = None) -> None:
        super().__init__(data, files, prefix="document")


class BlockForm(forms.Form):
    reason = forms.CharField(
        label="Why block this reporter",
        max_length=500,
        help_text="Staff only. Recorded with your name in the audit log.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter why the reporter is being blocked",
            "max_length": "The reason must be 500 characters or fewer",
        },
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, prefix="block")


class RedactDescriptionForm(forms.Form):
    redacted_description = forms.CharField(
        label="What the public sees instead",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Leave empty to show the original again. Staff always see the original.",
    )

    def __init__(self, data: Any = None, *, service_request: ServiceRequest) -> None:
        initial = {"redacted_description": service_request.redacted_description or service_request.description}
        super().__init__(data, prefix="moderation", initial=initial)


class RedactUpdateForm(forms.Form):
    redacted_message = forms.CharField(
        label="What the public sees instead",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Leave empty to show the original again. Staff always see the original.",
    )

    def __init__(self, data: Any = None, *, initial_text: str = "") -> None:
        super().__init__(data, prefix="moderation", initial={"redacted_message": initial_text})


class ResponseTemplateForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=100,
        error_messages={"required": "Enter a title", "max_length": "The title must be 100 characters or fewer"},
    )
    text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The public update it fills in.",
        error_messages={"required": "Enter the text of the update"},
    )
    category = forms.ModelChoiceField(
        label="Category (optional)",
        queryset=Category.objects.none(),
        required=False,
        empty_label="Any category",
    )
    status = forms.ChoiceField(label="Status (optional)", choices=[("", "Any status"), *Status.choices], required=False)
    active = forms.BooleanField(label="Offer this template to case officers", required=False, initial=True)

    def __init__(self, data: Any = None, *, template: ResponseTemplate | None = None) -> None:
        initial: dict[str, Any] = {"active": True}
        if template is not None:
            initial = {
                "title": template.title,
                "text": template.text,
                "category": template.category_id,
                "status": template.status,
                "active": template.active,
            }
        super().__init__(data, initial=initial)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = selectors.categories()

    def details(self) -> services.ResponseTemplateDetails:
        data = self.cleaned_data
        return services.ResponseTemplateDetails(
            title=data["title"],
            text=data["text"],
            category=data.get("category"),
            status=data.get("status") or "",
            active=bool(data.get("active")),
        )


def request_actions_context(
    *, user: User, service_request: ServiceRequest, bound: dict[str, forms.Form] | None = None, status: str = ""
) -> dict[str, Any]:
    """Everything the request page's action sections show: forms (the failed one bound), documents, photos, blocks."""
    bound = bound or {}
    templates = selectors.response_templates_for(category=service_request.category, status=status)
    documents = selectors.request_documents(service_request=service_request)
    return {
        "priority_form": bound.get("priority_form") or PriorityForm(service_request=service_request),
        "update_form": bound.get("update_form") or StaffUpdateForm(),
        "question_form": bound.get("question_form") or ReporterQuestionForm(),
        "template_form": bound.get("template_form") or TemplateChoiceForm(templates=templates),
        "response_templates": templates,
        "merge_form": bound.get("merge_form") or MergeForm(),
        "referral_form": bound.get("referral_form") or ReferralForm(category=service_request.category),
        "document_form": bound.get("document_form") or DocumentForm(),
        "block_form": bound.get("block_form") or BlockForm(),
        "documents": [(document, services.can_delete_document(user, document)) for document in documents],
        "photos": selectors.request_photos(service_request=service_request, public_only=False),
        "blocks": selectors.reporter_blocks_for(service_request=service_request),
        "can_block": services.can_block_reporters(user),
        "can_pause_sla": service_request.category.pause_sla_while_waiting and service_request.is_open,
    }
