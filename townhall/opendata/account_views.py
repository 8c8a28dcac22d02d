"""/account/api-tokens/: data stewards create and revoke their own CKAN API tokens.

A new token is shown once, on the page that answers the form, and never again (only its
hash is kept). Everyone else gets 404, as for any page they have no use for.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts.models import User
from townhall.opendata import selectors, services
from townhall.opendata.permissions import can_manage_datasets


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is this token for?",
        help_text="For example, Harvester on the data team's server. Only you see this.",
        max_length=100,
        error_messages={"required": "Say what the token is for", "max_length": "Use 100 characters or fewer"},
    )


def _steward(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_manage_datasets(user):
        raise Http404("Page not found")
    return user


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = _steward(request)
    form = TokenForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        _token, new_token = services.api_token_create(acting_user=user, user=user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "opendata/api_tokens.html",
        {"form": form, "tokens": selectors.api_tokens_of(user=user), "new_token": new_token},
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    user = _steward(request)
    token = selectors.api_token_of(user=user, token_id=token_id)
    if token is None:
        raise Http404("No such token")
    services.api_token_revoke(acting_user=user, token=token)
    messages.success(request, f"Token {token.token_prefix}… no longer works")
    return redirect("opendata_api_tokens")
