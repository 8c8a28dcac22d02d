"""Golden-record survivorship: which source record's value stands for the citizen, field by field.

The rule for each field is in constants.GOLDEN_RECORD_RULES. Ties fall back to trust,
then recency, then the oldest record, so the same records always give the same golden
record. The address is chosen as a whole from one record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from townhall.people.constants import ADDRESS_FIELDS, GOLDEN_RECORD_RULES, PERSON_FIELDS, SurvivorshipRule


@dataclass(frozen=True)
class Candidate:
    """One active source record of a citizen, as survivorship sees it."""

    record: int
    source: str
    source_id: str
    trust_rank: int
    changed_at: dt.datetime
    values: dict[str, Any]


def _blank(value: object) -> bool:
    return value is None or value == ""


def _trusted(c: Candidate) -> tuple[Any, ...]:
    return (c.trust_rank, -c.changed_at.timestamp(), c.record)


def _recent(c: Candidate) -> tuple[Any, ...]:
    return (-c.changed_at.timestamp(), c.trust_rank, c.record)


def _ordering(rule: SurvivorshipRule, field: str) -> Callable[[Candidate], tuple[Any, ...]]:
    if rule == SurvivorshipRule.MOST_TRUSTED:
        return _trusted
    if rule == SurvivorshipRule.MOST_RECENT:
        return _recent
    return lambda c: (-len(str(c.values[field])), *_trusted(c))


def golden_values(candidates: Sequence[Candidate]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(field values, provenance) for one citizen; a field no record holds is blank and has no provenance."""
    values: dict[str, Any] = {field: None if field == "date_of_birth" else "" for field in PERSON_FIELDS}
    provenance: dict[str, dict[str, Any]] = {}

    def take(field: str, chosen: Candidate, rule: SurvivorshipRule) -> None:
        values[field] = chosen.values[field]
        provenance[field] = {
            "record": chosen.record,
            "source": chosen.source,
            "source_id": chosen.source_id,
            "rule": str(rule),
        }

    address_rule = GOLDEN_RECORD_RULES[ADDRESS_FIELDS[0]]
    with_address = [c for c in candidates if any(not _blank(c.values[f]) for f in ADDRESS_FIELDS)]
    if with_address:
        chosen = min(with_address, key=_ordering(address_rule, ADDRESS_FIELDS[0]))
        for field in ADDRESS_FIELDS:
            if not _blank(chosen.values[field]):
                take(field, chosen, address_rule)
    for field in PERSON_FIELDS:
        if field in ADDRESS_FIELDS:
            continue
        rule = GOLDEN_RECORD_RULES[field]
        holding = [c for c in candidates if not _blank(c.values[field])]
        if holding:
            take(field, min(holding, key=_ordering(rule, field)), rule)
    return values, provenance
