"""/staff/volunteers/: the residents who signed up as digital champions, for the digital inclusion team."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from townhall.accounts import permissions
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.myaccount import services


@require_GET
@never_cache
@permissions.staff_role_required(StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.TEAM_MANAGER)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    if not isinstance(request.user, User):  # pragma: no cover - the staff decorator has checked
        raise Http404("Page not found")
    champions = services.digital_champions_view(acting_user=request.user)
    return render(request, "myaccount/staff/volunteers.html", {"champions": champions})
