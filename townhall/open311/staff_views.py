"""/staff/open311/: Open311 API keys for client applications (administrators only, inside the MFA'd staff area).

A new key is shown once, on the page that answers the form, and never again (only its
SHA-256 is stored). Creating, changing and revoking are audited by the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.constants import StaffRole
from townhall.accounts.permissions import staff_role_required
from townhall.open311 import selectors, services
from townhall.open311.models import ApiKey
from townhall.open311.staff_forms import ApiKeyChangeForm, ApiKeyCreateForm, add_service_errors


@dataclass(frozen=True)
class KeyRow:
    key: ApiKey
    last_used: dt.datetime | None


def _key_or_404(pk: int) -> ApiKey:
    api_key = selectors.api_key_get(api_key_id=pk)
    if api_key is None:
        raise Http404("Page not found")
    return api_key


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    keys = selectors.api_keys()
    last_used = selectors.api_keys_last_used(keys=keys)
    rows = [KeyRow(key=key, last_used=last_used.get(key.pk)) for key in keys]
    return render(request, "open311/staff/key_list.html", {"rows": rows})


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            api_key, raw_key = services.api_key_create(
                acting_user=request.user,
                name=form.cleaned_data["name"],
                contact_email=form.cleaned_data["contact_email"],
                rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Rendered, not redirected: the key must not travel through the session or a URL.
            return render(request, "open311/staff/key_created.html", {"api_key": api_key, "raw_key": raw_key})
    return render(request, "open311/staff/key_form.html", {"form": form})


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def key_detail(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = _key_or_404(pk)
    initial = {"contact_email": api_key.contact_email, "rate_limit_per_minute": api_key.rate_limit_per_minute}
    form = ApiKeyChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.api_key_update(
                acting_user=request.user,
                api_key=api_key,
                rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
                contact_email=form.cleaned_data["contact_email"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"API key {api_key.name} saved")
            return redirect("open311_keys")
    return render(request, "open311/staff/key_detail.html", {"api_key": api_key, "form": form})


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "are you sure?"; POST revokes (the client gets 403 from then on)."""
    api_key = _key_or_404(pk)
    if request.method == "POST":
        services.api_key_revoke(acting_user=request.user, api_key=api_key)
        messages.success(request, f"API key {api_key.name} revoked")
        return redirect("open311_keys")
    return render(request, "open311/staff/key_revoke.html", {"api_key": api_key})
