"""Who may add to or reopen a report from its tracking page, and what the page offers them.

The reporter is the signed-in account that made the report (or a representative acting for
that account through MyAccount's switch, while their authorisation lasts), or, for a report
made without an account, whoever opened the signed "manage" link from the acknowledgement
email in this browser session. Everyone else sees the public page only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from townhall.accounts import selectors as account_selectors
from townhall.accounts.constants import ACTING_FOR_SESSION_KEY
from townhall.accounts.models import User
from townhall.service_requests import selectors, services
from townhall.service_requests.models import ServiceRequest
from townhall.service_requests.report_forms import ReopenForm, ReporterUpdateForm

MANAGE_SESSION_KEY = "report_manage"
MAX_MANAGED = 20


def manage_grant(request: HttpRequest, service_request: ServiceRequest) -> None:
    """Remember in this session that its holder opened the report's manage link."""
    managed: list[str] = request.session.get(MANAGE_SESSION_KEY, [])
    if service_request.reference not in managed:
        managed = [*managed[-(MAX_MANAGED - 1) :], service_request.reference]
        request.session[MANAGE_SESSION_KEY] = managed


def acting_for(request: HttpRequest) -> User | None:
    """The account a signed-in representative is acting for (MyAccount's switch), if they are still
    authorised now (checked on every request, so a revoked authorisation ends at the next click); else None."""
    user = request.user
    represented_id = request.session.get(ACTING_FOR_SESSION_KEY)
    if not isinstance(user, User) or not user.is_authenticated or represented_id is None:
        return None
    return account_selectors.represented_by(representative=user, represented_id=int(represented_id))


def is_reporter(request: HttpRequest, service_request: ServiceRequest) -> bool:
    if service_request.reporter_id is not None:
        if not request.user.is_authenticated:
            return False
        if request.user.pk == service_request.reporter_id:
            return True
        represented = acting_for(request)
        return represented is not None and represented.pk == service_request.reporter_id
    return service_request.reference in request.session.get(MANAGE_SESSION_KEY, [])


def through_manage_link(service_request: ServiceRequest) -> bool:
    """Whether the reporter's right to change the report comes from the manage link (no account made it)."""
    return service_request.reporter_id is None


def reporter_actions(request: HttpRequest, found: ServiceRequest, forms: dict[str, Any]) -> dict[str, Any]:
    """Template context for the reporter's part of the tracking page (empty for anyone else)."""
    if not is_reporter(request, found):
        return {"is_reporter": False}
    deadline = services.reopen_deadline(found)
    return {
        "is_reporter": True,
        "update_form": forms.get("update") or ReporterUpdateForm(),
        "reopen_form": forms.get("reopen") or ReopenForm(),
        "reopen_deadline": deadline,
        "can_reopen": deadline is not None and timezone.now() <= deadline,
        # The case officer's unanswered question: for the reporter's eyes only, never on the public page.
        "reporter_question": selectors.reporter_question_pending(service_request=found),
    }
