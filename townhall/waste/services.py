"""Every write to bin collection data: the two CSV imports and staff's changed dates.

Each runs in one transaction and writes one audit entry; an import that finds any problem
raises ImportRejectedError listing all of them, having written nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from townhall.accounts.models import User
from townhall.accounts.permissions import has_role
from townhall.audit.services import audit_record
from townhall.places.models import Address, Ward
from townhall.waste import importers
from townhall.waste.constants import COLLECTION_MANAGER_ROLE, MAX_CHANGE_DAYS, REASON_MAX_LENGTH
from townhall.waste.importers import ImportRejectedError, Problem
from townhall.waste.models import CollectionChange, CollectionRound, RoundAssignment
from townhall.waste.schedule import Pattern, day_text, usual_dates

_LOOKUP_CHUNK = 5_000
_WRITE_BATCH = 2_000


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _require_manager(acting_user: User) -> None:
    """The staff page answers 404 first; the rule also lives here, with the writes."""
    if not has_role(acting_user, COLLECTION_MANAGER_ROLE):
        raise PermissionDenied("Only team managers and administrators move collections")


def _pattern(round_: CollectionRound) -> Pattern:
    return Pattern(round_.weekday, round_.interval_weeks, round_.reference_date, round_.holiday_rule)


@transaction.atomic
def rounds_import(*, acting_user: User | None, lines: Iterable[str], file_name: str) -> ImportResult:
    """Create or update rounds by code from a rounds CSV (importers.read_rounds); others are left alone."""
    rows, problems = importers.read_rounds(lines)
    ward_ids = dict(Ward.objects.values_list("code", "id"))
    problems += [
        Problem(row.row, "ward", row.ward_code, "no ward has this code in the gazetteer")
        for row in rows
        if row.ward_code and row.ward_code not in ward_ids
    ]
    if problems:
        raise ImportRejectedError(sorted(problems, key=lambda problem: problem.row))
    existing = {round_.code: round_ for round_ in CollectionRound.objects.select_for_update()}
    created = updated = 0
    for row in rows:
        values = {
            "name": row.name,
            "service": row.service,
            "weekday": row.weekday,
            "interval_weeks": row.interval_weeks,
            "reference_date": row.reference_date,
            "holiday_rule": row.holiday_rule,
            "ward_id": ward_ids.get(row.ward_code) if row.ward_code else None,
        }
        round_ = existing.get(row.code)
        if round_ is None:
            CollectionRound.objects.create(code=row.code, **values)
            created += 1
            continue
        if round_.service != row.service and RoundAssignment.objects.filter(round=round_).exists():
            problems.append(
                Problem(row.row, "service", row.service, "this round has properties on it: it cannot change service")
            )
            continue
        if any(getattr(round_, field) != value for field, value in values.items()):
            CollectionRound.objects.filter(pk=round_.pk).update(**values)
            updated += 1
    if problems:
        raise ImportRejectedError(problems)  # rolls back the rows already written
    audit_record(
        actor=acting_user,
        action="waste.rounds.imported",
        object_type="waste.file",
        object_id=file_name[:100],
        reason=f"{created} created, {updated} updated",
    )
    return ImportResult(created=created, updated=updated)


def _known_uprns(uprns: set[int]) -> set[int]:
    known: set[int] = set()
    ordered = sorted(uprns)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        known.update(Address.objects.filter(uprn__in=chunk).values_list("uprn", flat=True))
    return known


@transaction.atomic
def assignments_import(*, acting_user: User | None, lines: Iterable[str], file_name: str) -> ImportResult:
    """Put each property in the file on its rounds (one round per service per property).

    A property's round for a service not in the file is left as it was; one given here
    replaces its old round for that service.
    """
    rows, problems = importers.read_assignments(lines)
    rounds = {round_.code: round_ for round_ in CollectionRound.objects.all()}
    known = _known_uprns({row.uprn for row in rows})
    first_for_service: dict[tuple[int, str], int] = {}
    wanted: dict[tuple[int, str], CollectionRound] = {}
    for row in rows:
        round_ = rounds.get(row.round_code)
        if row.uprn not in known:
            problems.append(Problem(row.row, "uprn", str(row.uprn), "no address has this UPRN in the gazetteer"))
        if round_ is None:
            problems.append(Problem(row.row, "round", row.round_code, "no round has this code; import rounds first"))
            continue
        key = (row.uprn, round_.service)
        if key in first_for_service:
            problems.append(
                Problem(
                    row.row,
                    "round",
                    row.round_code,
                    f"row {first_for_service[key]} already puts this UPRN on a {round_.get_service_display()} round",
                )
            )
            continue
        first_for_service[key] = row.row
        wanted[key] = round_
    if problems:
        raise ImportRejectedError(sorted(problems, key=lambda problem: problem.row))
    before = _existing_assignments(wanted)
    changed = [
        RoundAssignment(address_id=uprn, service=service, round=round_)
        for (uprn, service), round_ in wanted.items()
        if before.get((uprn, service)) != round_.pk
    ]
    RoundAssignment.objects.bulk_create(
        changed,
        batch_size=_WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["address", "service"],
        update_fields=["round"],
    )
    updated = sum(1 for item in changed if (item.address_id, item.service) in before)
    audit_record(
        actor=acting_user,
        action="waste.assignments.imported",
        object_type="waste.file",
        object_id=file_name[:100],
        reason=f"{len(changed) - updated} created, {updated} updated, {len(wanted) - len(changed)} unchanged",
    )
    return ImportResult(created=len(changed) - updated, updated=updated)


def _existing_assignments(wanted: dict[tuple[int, str], CollectionRound]) -> dict[tuple[int, str], int]:
    uprns = sorted({uprn for uprn, _ in wanted})
    existing: dict[tuple[int, str], int] = {}
    for start in range(0, len(uprns), _LOOKUP_CHUNK):
        chunk = uprns[start : start + _LOOKUP_CHUNK]
        for uprn, service, round_id in RoundAssignment.objects.filter(address_id__in=chunk).values_list(
            "address_id", "service", "round_id"
        ):
            existing[(uprn, service)] = round_id
    return existing


@transaction.atomic
def collection_change_add(
    *, acting_user: User, round_: CollectionRound, original_date: dt.date, new_date: dt.date, reason: str
) -> CollectionChange:
    """Move one collection of a round; ValidationError (by field) when the move is not possible."""
    _require_manager(acting_user)
    reason = " ".join(reason.split())
    errors: dict[str, str] = {}
    if original_date not in set(usual_dates(_pattern(round_), start=original_date, end=original_date)):
        errors["original_date"] = f"{round_.name} does not usually collect on {day_text(original_date)}"
    elif CollectionChange.objects.filter(round=round_, original_date=original_date).exists():
        errors["original_date"] = f"The collection on {day_text(original_date)} has already been moved"
    if new_date == original_date:
        errors["new_date"] = "The new date must be different from the usual date"
    elif abs((new_date - original_date).days) > MAX_CHANGE_DAYS:
        errors["new_date"] = f"The new date must be within {MAX_CHANGE_DAYS} days of the usual date"
    if not reason:
        errors["reason"] = "Enter the reason residents will see"
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = f"The reason must be {REASON_MAX_LENGTH} characters or fewer"
    if errors:
        raise ValidationError(errors)
    change = CollectionChange(round=round_, original_date=original_date, new_date=new_date, reason=reason)
    change.full_clean()
    change.save()
    audit_record(
        actor=acting_user,
        action="waste.collection_change.created",
        object_type="waste.collectionchange",
        object_id=change.pk,
        reason=f"{round_.code} {original_date.isoformat()} -> {new_date.isoformat()}",
    )
    return change


@transaction.atomic
def collection_change_remove(*, acting_user: User, change: CollectionChange) -> None:
    """Undo a changed date: the collection goes back to its usual day (or the bank holiday rule's)."""
    _require_manager(acting_user)
    summary = f"{change.round.code} {change.original_date.isoformat()} -> {change.new_date.isoformat()}"
    change_id = change.pk
    change.delete()
    audit_record(
        actor=acting_user,
        action="waste.collection_change.removed",
        object_type="waste.collectionchange",
        object_id=change_id,
        reason=summary,
    )
