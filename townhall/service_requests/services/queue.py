"""The back-office queue: saved filters and bulk changes (all or nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import Team, User
from townhall.service_requests import selectors
from townhall.service_requests.constants import Status
from townhall.service_requests.models import SavedFilter, ServiceRequest
from townhall.service_requests.services._shared import Actor, require_council_staff
from townhall.service_requests.services.backoffice import service_request_assign
from townhall.service_requests.services.status import service_request_status_change

# The queue's own GET parameters: a saved filter keeps these and nothing else.
SAVED_FILTER_PARAMETERS = ("team", "category", "ward", "status", "priority", "sla", "mine", "waiting", "sort")
SAVED_FILTER_NAME_MAX_LENGTH = 100
SAVED_FILTER_QUERY_MAX_LENGTH = 1000
# One bulk action changes at most this many requests (a page of the queue is 50).
BULK_LIMIT = 200


def saved_filter_query_clean(query: str) -> str:
    """The queue filters in a query string, in a fixed order, blanks and unknown parameters dropped."""
    data = parse_qs(query.strip().lstrip("?"))
    kept = [(name, (data.get(name) or [""])[0].strip()) for name in SAVED_FILTER_PARAMETERS]
    return urlencode([(name, value) for name, value in kept if value])


def _saved_filter_name_clean(*, owner: User, name: str, exclude_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter a name for the filter"})
    if len(name) > SAVED_FILTER_NAME_MAX_LENGTH:
        raise ValidationError({"name": f"Name must be {SAVED_FILTER_NAME_MAX_LENGTH} characters or fewer"})
    clash = SavedFilter.objects.filter(owner_id=owner.pk, name__iexact=name)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise ValidationError({"name": "You already have a filter with this name"})
    return name


def _require_filter_owner(acting_user: Actor, saved_filter: SavedFilter) -> User:
    if not isinstance(acting_user, User) or saved_filter.owner_id != acting_user.pk:
        raise PermissionDenied("Only the member of staff who saved a filter can change it.")
    return acting_user


@transaction.atomic
def saved_filter_create(*, acting_user: Actor, name: str, query: str) -> SavedFilter:
    """Save the queue's current filters under a name, for this member of staff only."""
    require_council_staff(acting_user)
    if not isinstance(acting_user, User):
        raise PermissionDenied("Saved filters belong to a member of staff.")
    cleaned_name = _saved_filter_name_clean(owner=acting_user, name=name)
    cleaned_query = saved_filter_query_clean(query)
    if not cleaned_query:
        raise ValidationError({"name": "Apply at least one filter before saving it"})
    if len(cleaned_query) > SAVED_FILTER_QUERY_MAX_LENGTH:
        raise ValidationError({"name": "These filters are too long to save"})
    return SavedFilter.objects.create(
        owner=acting_user, name=cleaned_name, query=cleaned_query, created_at=timezone.now()
    )


@transaction.atomic
def saved_filter_rename(*, acting_user: Actor, saved_filter: SavedFilter, name: str) -> SavedFilter:
    owner = _require_filter_owner(acting_user, saved_filter)
    saved_filter.name = _saved_filter_name_clean(owner=owner, name=name, exclude_id=saved_filter.pk)
    saved_filter.save(update_fields=["name"])
    return saved_filter


@transaction.atomic
def saved_filter_delete(*, acting_user: Actor, saved_filter: SavedFilter) -> None:
    _require_filter_owner(acting_user, saved_filter)
    saved_filter.delete()


@dataclass(frozen=True)
class BulkProblem:
    """Why one selected request cannot take a bulk change; `reference` is blank for requests the user may not see."""

    reference: str
    message: str


class BulkActionError(Exception):
    """A bulk action changed nothing, because of these problems (every one found, not only the first)."""

    def __init__(self, problems: list[BulkProblem]) -> None:
        super().__init__("; ".join(f"{p.reference}: {p.message}" if p.reference else p.message for p in problems))
        self.problems = problems


def _error_text(error: ValidationError) -> str:
    return "; ".join(str(message) for message in error.messages)


def _bulk_requests(*, acting_user: Actor, request_ids: Sequence[int]) -> tuple[list[ServiceRequest], list[BulkProblem]]:
    """The selected requests the user may work on, and a problem naming how many others were selected."""
    wanted = set(request_ids)
    if not wanted:
        raise ValidationError({"requests": "Select at least one request"})
    if len(wanted) > BULK_LIMIT:
        raise ValidationError({"requests": f"Select {BULK_LIMIT} requests or fewer"})
    actor = acting_user if acting_user is not None else AnonymousUser()
    found = list(selectors.staff_visible_requests(acting_user=actor).filter(pk__in=wanted).order_by("reference"))
    problems = []
    hidden = len(wanted) - len(found)
    if hidden:
        problems.append(
            BulkProblem("", f"{hidden} of the selected requests are not in your teams' queues, or no longer exist")
        )
    return found, problems


@transaction.atomic
def service_requests_bulk_assign(
    *,
    acting_user: Actor,
    request_ids: Sequence[int],
    team: Team,
    officer: User | None = None,
    internal_note: str = "",
) -> int:
    """Assign every selected request to a team (and officer), or none of them: returns how many changed.

    Each change goes through service_request_assign (history and audit entry per request);
    requests already with that team and officer are left as they are. Any request the user
    may not work on, or that refuses the change, raises BulkActionError and rolls all back.
    """
    require_council_staff(acting_user)
    actor = acting_user if acting_user is not None else AnonymousUser()
    if acting_user is not None and not selectors.staff_queue_teams(acting_user=actor).filter(pk=team.pk).exists():
        raise ValidationError({"team": "Choose one of your teams"})
    if officer is not None and not team.members.filter(pk=officer.pk).exists():
        raise ValidationError({"officer": "Choose an officer who is in the team"})
    found, problems = _bulk_requests(acting_user=acting_user, request_ids=request_ids)
    changed = 0
    for service_request in found:
        officer_id = officer.pk if officer is not None else None
        if service_request.assigned_team_id == team.pk and service_request.assigned_officer_id == officer_id:
            continue
        try:
            service_request_assign(
                acting_user=acting_user,
                service_request=service_request,
                team=team,
                officer=officer,
                internal_note=internal_note,
            )
        except ValidationError as error:
            problems.append(BulkProblem(service_request.reference, _error_text(error)))
        else:
            changed += 1
    if problems:
        raise BulkActionError(problems)
    return changed


@transaction.atomic
def service_requests_bulk_status_change(
    *,
    acting_user: Actor,
    request_ids: Sequence[int],
    to: Status | str,
    public_message: str = "",
    internal_note: str = "",
) -> int:
    """Move every selected request to one status, or none of them: returns how many changed.

    Each move goes through service_request_status_change (allowed moves, history, audit);
    a duplicate must name its original, so it is marked one request at a time.
    """
    require_council_staff(acting_user)
    if to == Status.DUPLICATE:
        raise ValidationError({"status": "Mark duplicates one at a time, from the request's page"})
    found, problems = _bulk_requests(acting_user=acting_user, request_ids=request_ids)
    for service_request in found:
        try:
            service_request_status_change(
                acting_user=acting_user,
                service_request=service_request,
                to=to,
                public_message=public_message,
                internal_note=internal_note,
            )
        except ValidationError as error:
            problems.append(BulkProblem(service_request.reference, _error_text(error)))
    if problems:
        raise BulkActionError(problems)
    return len(found)
