"""/bin-collections/: find a property's collection days, and /staff/bin-collections/ for changed dates.

The public lookup asks for the postcode, then the address, with plain GET forms: no
session, no JavaScript, nothing personal, and the answer page (/bin-collections/<UPRN>/)
can be bookmarked. The staff pages are for team managers (administrators hold every staff
permission); StaffAreaMiddleware has already required sign-in and MFA.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.permissions import staff_role_required
from townhall.places import selectors as place_selectors
from townhall.places.models import Address
from townhall.waste import ical, selectors, services
from townhall.waste.constants import COLLECTION_MANAGER_ROLE
from townhall.waste.forms import AddressChoiceForm, CollectionChangeForm, PostcodeForm

ADDRESS_LIMIT = 300
NEXT_COUNT = 3
waste_manager_required = staff_role_required(COLLECTION_MANAGER_ROLE)


def _property(uprn: int) -> Address:
    address = selectors.address_for_uprn(uprn=uprn)
    if address is None:
        raise Http404("Page not found")
    return address


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "waste/postcode.html", {"form": PostcodeForm()})


@require_GET
def choose_address(request: HttpRequest) -> HttpResponse:
    """?postcode=…: the addresses in it; ?postcode=…&uprn=…: on to that address's collections."""
    form = PostcodeForm(request.GET)
    if not form.is_valid():
        return render(request, "waste/postcode.html", {"form": form})
    postcode = form.cleaned_data["postcode"]
    addresses = list(place_selectors.addresses_for_postcode(postcode=postcode)[:ADDRESS_LIMIT])
    if not addresses:
        council = settings.TOWNHALL_BRANDING.council_name
        form.add_error(
            "postcode",
            f"We could not find {postcode} in the area {council} looks after. Check the postcode, or contact your "
            "own council if you live in another area",
        )
        return render(request, "waste/postcode.html", {"form": form})
    # The address page sends `choose` with its answer, so choosing nothing is an error, not a fresh start.
    answered = "uprn" in request.GET or "choose" in request.GET
    choice = AddressChoiceForm(request.GET if answered else None, addresses=addresses)
    if choice.is_valid():
        return redirect("waste:collections", uprn=int(choice.cleaned_data["uprn"]))
    return render(
        request, "waste/address.html", {"form": choice, "postcode": postcode, "back_url": reverse("waste:start")}
    )


@require_GET
def collections(request: HttpRequest, uprn: int) -> HttpResponse:
    address = _property(uprn)
    services_due = selectors.next_collections(uprn, today=timezone.localdate(), count=NEXT_COUNT)
    back = reverse("waste:address") + "?" + urlencode({"postcode": address.postcode})
    return render(
        request,
        "waste/collections.html",
        {"address": address, "services": services_due, "today": timezone.localdate(), "back_url": back},
    )


@require_GET
def calendar(request: HttpRequest, uprn: int) -> HttpResponse:
    """The next 12 months as an .ics file (404 for a property on no round: there is nothing to add)."""
    address = _property(uprn)
    services_due = selectors.collections_for_calendar(uprn, today=timezone.localdate())
    if not services_due:
        raise Http404("Page not found")
    body = ical.collections_calendar(
        uprn=uprn,
        address=address.single_line,
        council=settings.TOWNHALL_BRANDING.council_name,
        services=services_due,
        stamp=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bin-collections-{uprn}.ics"'
    return response


# --- staff -----------------------------------------------------------------------------------------


@waste_manager_required
@require_GET
def staff_overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "waste/staff_overview.html",
        {"rounds": selectors.rounds_all(), "changes": selectors.changes_upcoming(today=today)},
    )


@waste_manager_required
@require_http_methods(["GET", "POST"])
def staff_change_create(request: HttpRequest) -> HttpResponse:
    form = CollectionChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.collection_change_add(
                acting_user=request.user,  # type: ignore[arg-type]
                round_=data["round"],
                original_date=data["original_date"],
                new_date=data["new_date"],
                reason=data["reason"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, f"{change.round.name}: the collection is moved")
            return redirect("waste_staff:overview")
    return render(request, "waste/staff_change_form.html", {"form": form, "back_url": reverse("waste_staff:overview")})


@waste_manager_required
@require_POST
def staff_change_remove(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_get(change_id=pk)
    if change is None:
        raise Http404("Page not found")
    services.collection_change_remove(acting_user=request.user, change=change)  # type: ignore[arg-type]
    messages.success(request, f"{change.round.name}: the collection is back on its usual day")
    return redirect("waste_staff:overview")
