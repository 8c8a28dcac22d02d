"""/staff/residents/contact-preferences/<id>/: an adviser changes a resident's preferences at their request.

Residents who phone or call in can have their contact preferences changed for them; the
change is audited with how they asked, and they are told by email and in their inbox.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from townhall.accounts import permissions
from townhall.accounts import selectors as account_selectors
from townhall.accounts.models import User
from townhall.myaccount import constants, services
from townhall.myaccount.forms import StaffPreferencesForm, preferences_initial


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_role_required(*constants.PREFERENCE_HELPER_ROLES)
def resident_preferences(request: HttpRequest, pk: int) -> HttpResponse:
    resident = account_selectors.resident_get(resident_id=pk)
    if resident is None or not isinstance(request.user, User):
        raise Http404("Page not found")
    if request.method == "POST":
        form = StaffPreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_change_for_resident(
                acting_user=request.user,
                user=resident,
                values=form.values(),
                asked_by=form.cleaned_data["asked_by"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, "Contact preferences changed. The resident has been told by email.")
            return redirect("staff_resident_preferences", pk=pk)
    else:
        current = services.preferences_view_by_staff(acting_user=request.user, user=resident)
        form = StaffPreferencesForm(initial=preferences_initial(current))
    return render(request, "myaccount/staff/preferences.html", {"form": form, "resident": resident})
