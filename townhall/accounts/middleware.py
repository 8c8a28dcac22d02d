"""Guard the whole staff area (/staff/): signed in, council staff, MFA enrolled and used.

One check at the door, so no staff view can forget it. Residents and anonymous
users never learn what is inside: anonymous users are sent to sign in, residents get 404.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from townhall.accounts import permissions

STAFF_PREFIX = "/staff/"


class StaffAreaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(STAFF_PREFIX) or request.path == STAFF_PREFIX.rstrip("/"):
            refusal = self._refuse(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
        if not permissions.is_council_staff(user):
            raise Http404("Page not found")
        if not permissions.has_mfa(user):
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if not _session_used_mfa(request):
            # Enrolled since signing in (or signed in another way): prove it now.
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(_mfa_reauthentication_view(user))}?{query}")
        return None


def _mfa_reauthentication_view(user: object) -> str:
    """The authenticator-app step if they have the app, else the passkey step (staff with only a passkey)."""
    from allauth.mfa.models import Authenticator

    has_app = Authenticator.objects.filter(user_id=getattr(user, "pk", None), type=Authenticator.Type.TOTP).exists()
    return "mfa_reauthenticate" if has_app else "mfa_reauthenticate_webauthn"


def _session_used_mfa(request: HttpRequest) -> bool:
    """True when this session's sign-in or a later re-authentication used the authenticator app."""
    from allauth.account.authentication import get_authentication_records

    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))
