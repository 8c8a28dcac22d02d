"""Staff pages for outbound messages: list by state, one message, and resending a dead one.

Administrators only for now. The staff-area middleware has already required sign-in and
MFA. Pages never show a message body and mask each recipient; resending is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.core.pagination import pagination_context
from townhall.notify import selectors, services
from townhall.notify.constants import MessageState
from townhall.notify.forms import OutboxFilterForm
from townhall.notify.models import OutboxMessage

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    message: OutboxMessage
    destination_masked: str


@dataclass(frozen=True)
class StateCount:
    value: str
    label: str
    count: int
    href: str
    current: bool


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    filtered = any(key != "page" for key in request.GET)
    form = OutboxFilterForm(request.GET if filtered else None)
    counts = selectors.outbox_state_counts()
    current_state = request.GET.get("state", "")
    context: dict[str, object] = {
        "form": form,
        "filtered": filtered,
        "state_counts": [
            StateCount(state.value, state.label, counts[state.value], f"?state={state.value}", state == current_state)
            for state in MessageState
        ],
        "page": None,
        "rows": [],
        "page_links": [],
        "previous_href": "",
        "next_href": "",
    }
    if form.is_bound and not form.is_valid():
        return render(request, "notify/message_list.html", context)

    found = selectors.outbox_messages(**form.filters()) if form.is_bound else selectors.outbox_messages()
    paginator = Paginator(found, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context["page"] = page
    context["rows"] = [Row(m, selectors.mask_destination(m.channel, m.destination)) for m in page]
    context.update(pagination_context(page, request.GET))
    return render(request, "notify/message_list.html", context)


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_GET
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    detail = selectors.outbox_message_detail(message_id=message_id)
    if detail is None:
        raise Http404("No such message")
    return render(request, "notify/message_detail.html", {"detail": detail, "message": detail.message})


@staff_role_required(StaffRole.ADMINISTRATOR)
@require_POST
def message_resend(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = services.outbox_message_resend(acting_user=cast(User, request.user), message_id=message_id)
    except OutboxMessage.DoesNotExist:
        raise Http404("No such message") from None
    except services.OutboxMessageNotResendableError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Message {message.pk} will be sent again.")
    return redirect("notify_message_detail", message_id=message_id)
