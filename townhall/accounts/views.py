"""Account and staff-area pages owned by accounts.

Sign-in, passwords, email addresses and MFA are allauth's pages; these views add the
account overview, account deletion, the staff home page and "Find a resident".
StaffAreaMiddleware has already checked sign-in and MFA for everything under /staff/.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.decorators import reauthentication_required
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from townhall.accounts import permissions, selectors, services
from townhall.accounts.constants import SIGN_IN_HISTORY_DAYS, StaffRole
from townhall.accounts.forms import (
    AccountDeletionForm,
    IdentityEvidenceForm,
    ResidentSearchForm,
    StaffRepresentationForm,
    ViewingReasonForm,
)
from townhall.accounts.models import User
from townhall.core.pagination import pagination_context
from townhall.myaccount import selectors as myaccount_selectors
from townhall.myaccount import services as myaccount_services
from townhall.myaccount.constants import PREFERENCE_HELPER_ROLES
from townhall.opendata import permissions as opendata_permissions
from townhall.people import services as people_services

# Set in the fresh (signed-out) session after a deletion request, so only that browser sees the confirmation.
_DELETION_DONE_SESSION_KEY = "townhall.accounts.deletion_requested"


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - login_required and the middleware come first
        raise Http404("Page not found")
    return user


@login_required
def account_overview(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    return render(
        request,
        "accounts/account_overview.html",
        {
            "account_user": user,
            "has_password": user.has_usable_password(),
            "can_delete_account": permissions.can_request_account_deletion(user),
            "can_have_api_tokens": opendata_permissions.can_manage_datasets(user),
        },
    )


SIGN_IN_HISTORY_PAGE_SIZE = 25


@never_cache
@login_required
def sign_in_history(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own sign-ins and failed attempts: there is no way to ask for anyone else's."""
    user = _signed_in_user(request)
    page = Paginator(selectors.sign_in_history(user=user), SIGN_IN_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "events": page.object_list, "history_days": SIGN_IN_HISTORY_DAYS}
    context.update(pagination_context(page, request.GET))
    return render(request, "accounts/sign_in_history.html", context)


def _needs_code_reauthentication(request: HttpRequest) -> bool:
    """People who sign in by emailed code have no password to confirm with: allauth asks for a fresh code."""
    user = request.user
    return isinstance(user, User) and not user.has_usable_password()


@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    if not permissions.can_request_account_deletion(request.user):
        raise Http404("Page not found")
    return _account_delete(request)


@reauthentication_required(allow_get=True, enabled=_needs_code_reauthentication)
def _account_delete(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    form = AccountDeletionForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        services.user_request_deletion(user)
        logout(request)
        request.session[_DELETION_DONE_SESSION_KEY] = True
        return redirect("account_delete_done")
    return render(request, "accounts/account_delete.html", {"form": form, "has_password": user.has_usable_password()})


def account_delete_done(request: HttpRequest) -> HttpResponse:
    if not request.session.get(_DELETION_DONE_SESSION_KEY):
        return redirect("home")
    return render(request, "accounts/account_delete_done.html")


@dataclass(frozen=True)
class StaffAreaLink:
    title: str
    href: str
    description: str


def _url_if_present(name: str) -> str | None:
    """The path of an optional page (another app may not be installed yet)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@permissions.staff_role_required()
def staff_home(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    links = []
    queue_roles = (StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER, StaffRole.CUSTOMER_SERVICE_ADVISER)
    if permissions.has_role(user, *queue_roles) and (queue_url := _url_if_present("backoffice_queue")):
        links.append(
            StaffAreaLink("Service requests", queue_url, "Your teams' reports: check, assign and update them.")
        )
    assisted_roles = (StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.CASE_OFFICER)
    if permissions.has_role(user, *assisted_roles) and (new_request_url := _url_if_present("assisted_start")):
        links.append(
            StaffAreaLink(
                "Record a report for a caller",
                new_request_url,
                "Report a problem for someone who phones, visits, emails or uses a kiosk.",
            )
        )
    if permissions.can_find_residents(user):
        links.append(
            StaffAreaLink(
                "Find a resident",
                reverse("staff_resident_search"),
                "Look up a resident's account by name or email address. Viewing their details is recorded.",
            )
        )
    governance = permissions.has_role(user, StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    if governance and (erasure_url := _url_if_present("staff_erasure_list")):
        links.append(
            StaffAreaLink("Erasure requests", erasure_url, "Check what was kept when a resident asked to be erased.")
        )
    if governance and (subject_access_url := _url_if_present("staff_subject_access_list")):
        links.append(
            StaffAreaLink(
                "Requests for council records",
                subject_access_url,
                "Review, redact and release what other council systems hold about a resident.",
            )
        )
    volunteer_roles = (StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.TEAM_MANAGER)
    if permissions.has_role(user, *volunteer_roles) and (volunteers_url := _url_if_present("staff_volunteers")):
        links.append(StaffAreaLink("Digital champions", volunteers_url, "Residents who offered to help others online."))
    open_data_roles = (StaffRole.TEAM_MANAGER, StaffRole.DATA_STEWARD)
    if permissions.has_role(user, *open_data_roles) and (open_data_url := _url_if_present("opendata_staff:list")):
        links.append(
            StaffAreaLink("Open data", open_data_url, "Draft datasets, review and publish them, withdraw old ones.")
        )
    if permissions.has_role(user, StaffRole.TEAM_MANAGER) and (bins_url := _url_if_present("waste_staff:overview")):
        links.append(
            StaffAreaLink("Bin collections", bins_url, "Collection rounds, and moving a collection for a bank holiday.")
        )
    index_roles = (StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    if permissions.has_role(user, *index_roles) and (index_url := _url_if_present("people_staff:overview")):
        links.append(
            StaffAreaLink(
                "Citizen Index",
                index_url,
                "One record per resident across council systems: review uncertain matches, merge and split.",
            )
        )
    if register_url := _url_if_present("information_assets:list"):
        links.append(
            StaffAreaLink(
                "Information asset register",
                register_url,
                "The council's systems and datasets: owners, lawful basis, retention and what feeds what.",
            )
        )
    if permissions.has_role(user, StaffRole.TEAM_MANAGER) and (notices_url := _url_if_present("notices_staff:list")):
        links.append(StaffAreaLink("Council notices", notices_url, "Local events, service changes and ward news."))
    if permissions.has_role(user, StaffRole.TEAM_MANAGER) and (
        consultations_url := _url_if_present("staff_consultations:list")
    ):
        links.append(
            StaffAreaLink("Consultations", consultations_url, "Run consultations, publish results and the outcome.")
        )
    if permissions.can_view_audit_log(user) and (audit_url := _url_if_present("audit_log")):
        links.append(StaffAreaLink("Audit log", audit_url, "See who viewed or changed records, and why."))
    if permissions.has_role(user, StaffRole.ADMINISTRATOR):
        if catalogue_url := _url_if_present("catalogue"):
            links.append(
                StaffAreaLink("Service catalogue", catalogue_url, "What residents can report, with questions and SLAs.")
            )
        if outbox_url := _url_if_present("notify_message_list"):
            links.append(StaffAreaLink("Outbound messages", outbox_url, "Emails and webhooks waiting, sent or failed."))
        if keys_url := _url_if_present("open311_keys"):
            links.append(StaffAreaLink("Open311 API keys", keys_url, "Client applications that report and update."))
    return render(
        request, "accounts/staff_home.html", {"overview": selectors.staff_overview(user), "staff_links": links}
    )


@never_cache
@permissions.staff_role_required(*permissions.RESIDENT_LOOKUP_ROLES)
def staff_resident_search(request: HttpRequest) -> HttpResponse:
    form = ResidentSearchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_valid():
        results = selectors.resident_search(acting_user=request.user, query=form.cleaned_data["q"])
    return render(
        request,
        "accounts/staff_resident_search.html",
        {"form": form, "results": results, "search_limit": selectors.RESIDENT_SEARCH_LIMIT},
    )


@never_cache
@permissions.staff_role_required(*permissions.RESIDENT_LOOKUP_ROLES)
@require_http_methods(["GET", "POST"])
def staff_resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask why first; show the details only in the response to a valid reason (each showing is audited)."""
    if not selectors.resident_exists(resident_id=pk):
        raise Http404("Page not found")
    form = ViewingReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            details = services.resident_personal_data_view(
                acting_user=_signed_in_user(request), resident_id=pk, reason=form.audit_reason()
            )
        except selectors.ResidentNotFoundError:
            raise Http404("Page not found") from None
        resident = selectors.resident_get(resident_id=pk)
        single_view = myaccount_selectors.resident_single_view(user=resident) if resident is not None else None
        council_record = (
            people_services.account_golden_record_view(acting_user=_signed_in_user(request), user=resident)
            if resident is not None
            else None
        )
        context = {
            "details": details,
            "single_view": single_view,
            "council_record": council_record,
            "can_change_preferences": permissions.has_role(request.user, *PREFERENCE_HELPER_ROLES),
        }
        return render(request, "accounts/staff_resident_detail.html", context)
    return render(request, "accounts/staff_resident_reason.html", {"form": form, "resident_id": pk})


@never_cache
@permissions.staff_role_required(*permissions.RESIDENT_LOOKUP_ROLES)
@require_http_methods(["GET", "POST"])
def staff_resident_representative(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that someone may act for a resident (lasting power of attorney, deputyship), with the evidence."""
    resident = selectors.resident_get(resident_id=pk)
    if resident is None:
        raise Http404("Page not found")
    form = StaffRepresentationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.representation_authorise(
                acting_user=_signed_in_user(request),
                represented=resident,
                representative_email=form.cleaned_data["email"],
                relationship=form.cleaned_data["relationship"],
                evidence=form.cleaned_data["evidence"],
            )
        except services.RepresentationError as error:
            form.add_error("email", str(error))
        else:
            return render(request, "accounts/staff_representative_done.html", {"resident_id": pk})
    return render(request, "accounts/staff_representative.html", {"form": form, "resident_id": pk})


@never_cache
@permissions.staff_role_required(*permissions.RESIDENT_LOOKUP_ROLES)
@require_http_methods(["GET", "POST"])
def staff_resident_identity(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a resident's identity after checking their documents in person (audited)."""
    resident = selectors.resident_get(resident_id=pk)
    if resident is None:
        raise Http404("Page not found")
    form = IdentityEvidenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            myaccount_services.identity_verify_by_staff(
                acting_user=_signed_in_user(request), user=resident, evidence=form.cleaned_data["evidence"]
            )
        except myaccount_services.IdentityError as error:
            form.add_error("evidence", str(error))
        else:
            return render(request, "accounts/staff_identity_done.html", {"resident_id": pk})
    return render(
        request,
        "accounts/staff_identity.html",
        {"form": form, "resident_id": pk, "verified": myaccount_selectors.identity_verified(user=resident)},
    )
