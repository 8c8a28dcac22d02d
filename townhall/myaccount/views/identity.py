"""/account/identity/: confirm who you are with a PIN posted to your address, or with GOV.UK One Login
(when the council has connected it for identity), the holder only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from townhall.myaccount import selectors, services
from townhall.myaccount.forms import PinForm
from townhall.myaccount.views.acting import account_context


def _one_login_identity_links() -> list[tuple[str, str]]:
    """(name, URL) of each sign-in provider configured for GOV.UK One Login identity: connect it to this account."""
    providers: dict[str, dict[str, list[dict[str, Any]]]] = settings.SOCIALACCOUNT_PROVIDERS
    apps = providers.get("openid_connect", {}).get("APPS", [])
    query = urlencode({"process": "connect", "next": reverse("myaccount:identity")})
    return [
        (str(app["name"]), f"{reverse('openid_connect_login', kwargs={'provider_id': app['provider_id']})}?{query}")
        for app in apps
        if app.get("settings", {}).get("govuk_identity")
    ]


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def identity(request: HttpRequest) -> HttpResponse:
    context = account_context(request)
    if context.on_behalf:
        return render(request, "myaccount/not_while_acting.html", {"acting": context}, status=403)
    user = context.holder
    form = PinForm(request.POST if request.POST.get("action") == "confirm" else None)
    if request.method == "POST" and request.POST.get("action") == "post":
        try:
            services.identity_pin_post(acting_user=user, user=user)
        except services.IdentityError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "We are posting you a PIN. It should arrive within 5 working days.")
        return redirect("myaccount:identity")
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_pin_confirm(user=user, pin=form.cleaned_data["pin"])
        except services.IdentityError as error:
            form.add_error("pin", str(error))
        else:
            messages.success(request, "Thank you. Your identity is confirmed.")
            return redirect("myaccount:identity")
    return render(
        request,
        "myaccount/identity.html",
        {
            "acting": context,
            "form": form,
            "verified": selectors.identity_verified(user=user),
            "waiting": selectors.identity_pin_waiting(user=user),
            "address_lines": selectors.postal_address_lines(user=user),
            "one_login_links": _one_login_identity_links(),
        },
    )
