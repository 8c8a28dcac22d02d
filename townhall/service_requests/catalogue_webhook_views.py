"""/staff/catalogue/webhooks/<category id>/: which partner systems hear about a category's requests (administrators).

Removing a hook is a POST to its own URL (…/webhooks/<category id>/<hook id>/), like deletions elsewhere in
the catalogue; URLs end with an id, as tests/test_staff_urls.py expects of every staff object URL.

Endpoints themselves (URL, signing secret) are managed in notify (`townhall notify endpoint
add`); here an administrator only chooses which endpoints a category sends to.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts.constants import StaffRole
from townhall.accounts.permissions import staff_role_required
from townhall.notify import selectors as notify_selectors
from townhall.service_requests import selectors, services
from townhall.service_requests.forms import add_service_errors
from townhall.service_requests.models import Category


class CategoryWebhookForm(forms.Form):
    endpoint_slug = forms.ChoiceField(
        label="Partner system",
        error_messages={"required": "Select a partner system", "invalid_choice": "Select a partner system"},
    )
    send_updates = forms.BooleanField(label="Also send status changes and public updates", required=False, initial=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        endpoints = notify_selectors.webhook_endpoints().filter(is_active=True)
        self.fields["endpoint_slug"].choices = [("", "Choose a partner system")] + [  # type: ignore[attr-defined]
            (endpoint.slug, f"{endpoint.name} ({endpoint.slug})") for endpoint in endpoints
        ]


def _category_or_404(pk: int) -> Category:
    category = selectors.category_get(category_id=pk)
    if category is None:
        raise Http404("Page not found")
    return category


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def category_webhooks(request: HttpRequest, pk: int) -> HttpResponse:
    category = _category_or_404(pk)
    form = CategoryWebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_webhook_add(
                acting_user=request.user,
                category=category,
                endpoint_slug=form.cleaned_data["endpoint_slug"],
                send_updates=form.cleaned_data["send_updates"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{category.name} now sends to {form.cleaned_data['endpoint_slug']}")
            return redirect("catalogue_category_webhooks", pk=category.pk)
    return render(
        request,
        "service_requests/category_webhooks.html",
        {"category": category, "parent_category": category, "form": form, "hooks": list(category.webhooks.all())},
    )


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_POST
def category_webhook_remove(request: HttpRequest, pk: int, hook_id: int) -> HttpResponse:
    category = _category_or_404(pk)
    try:
        services.category_webhook_remove(acting_user=request.user, category=category, hook_id=hook_id)
    except ValidationError as error:
        raise Http404("Page not found") from error
    messages.success(request, f"{category.name} no longer sends to that partner system")
    return redirect("catalogue_category_webhooks", pk=category.pk)
