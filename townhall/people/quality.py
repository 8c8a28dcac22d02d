"""Data quality rules of the Citizen Index: what counts as complete, valid, duplicated or conflicting.

Pure functions over rows already read (no database), so the figures a steward sees and
the issues they work through come from one pass and one set of definitions:

- completeness of a field: share of a source's active records with a non-blank value;
- validity of a field the source's information asset rules (catalogue standards): of
  the values checked (those present, or every record when the field is required), the
  share meeting the standard;
- a likely duplicate: a record linked to the same citizen as an older record of the same
  source (the oldest of the group is not an issue, the others are);
- a conflict: a record whose surname (ignoring case) or date of birth differs from a
  record of another source linked to the same citizen (both values present).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from townhall.catalogue.selectors import FieldStandard, check_value
from townhall.people.constants import CONSISTENCY_FIELDS, PERSON_FIELDS, DataQualityIssueKind


@dataclass(frozen=True)
class Row:
    """One active source record as data quality reads it."""

    record: int
    source: int
    citizen: int | None
    values: Mapping[str, object]


@dataclass(frozen=True)
class Found:
    """A problem found on one record; (kind, record, field) identifies it across measurements."""

    kind: DataQualityIssueKind
    record: int
    source: int
    citizen: int | None
    field: str
    detail: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (str(self.kind), self.record, self.field)


@dataclass
class Figures:
    """One source's counts: completeness and validity {field: [good, out of]}, duplicates, conflicts."""

    records: int = 0
    completeness: dict[str, list[int]] = field(default_factory=dict)
    validity: dict[str, list[int]] = field(default_factory=dict)
    duplicates: int = 0
    conflicts: int = 0


def blank(value: object) -> bool:
    return value is None or not str(value).strip()


def _comparable(name: str, value: object) -> str:
    text = str(value).strip()
    return text.casefold() if name == "surname" else text


def measure(
    rows: Iterable[Row], rules: Mapping[int, Mapping[str, FieldStandard]], sources: Iterable[int]
) -> tuple[dict[int, Figures], list[Found]]:
    """Figures for every source (even one with no records) and every problem found, in one pass."""
    figures = {source: Figures() for source in sources}
    found: list[Found] = []
    by_citizen: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        counts = figures.setdefault(row.source, Figures())
        counts.records += 1
        for name in PERSON_FIELDS:
            filled = counts.completeness.setdefault(name, [0, 0])
            filled[0] += not blank(row.values.get(name))
            filled[1] += 1
        for name, rule in rules.get(row.source, {}).items():
            if name not in PERSON_FIELDS:
                continue  # the asset rules a field the index does not hold (an account reference, a UPRN)
            checked = counts.validity.setdefault(name, [0, 0])
            value = row.values.get(name)
            if blank(value) and not rule.required:
                continue
            result = check_value(rule, value)
            checked[1] += 1
            checked[0] += result.valid
            if not result.valid:
                detail = f"{result.message} ({rule.standard_name})"[:300]
                found.append(Found(DataQualityIssueKind.INVALID, row.record, row.source, row.citizen, name, detail))
        if row.citizen is not None:
            by_citizen[row.citizen].append(row)
    for citizen, members in by_citizen.items():
        found.extend(_duplicates(citizen, members))
        found.extend(_conflicts(citizen, members))
    for problem in found:
        if problem.kind == DataQualityIssueKind.DUPLICATE:
            figures[problem.source].duplicates += 1
        elif problem.kind == DataQualityIssueKind.CONFLICT:
            figures[problem.source].conflicts += 1
    return figures, found


def _duplicates(citizen: int, members: list[Row]) -> list[Found]:
    by_source: dict[int, list[Row]] = defaultdict(list)
    for row in members:
        by_source[row.source].append(row)
    found = []
    for source, group in by_source.items():
        for row in sorted(group, key=lambda r: r.record)[1:]:
            detail = f"Another record in this system ({len(group)} in all) is linked to the same citizen"
            found.append(Found(DataQualityIssueKind.DUPLICATE, row.record, source, citizen, "", detail))
    return found


def _conflicts(citizen: int, members: list[Row]) -> list[Found]:
    found = []
    for name in CONSISTENCY_FIELDS:
        present = [(row, _comparable(name, row.values.get(name))) for row in members if not blank(row.values.get(name))]
        for row, value in present:
            differing = {other.source for other, v in present if other.source != row.source and v != value}
            if differing:
                label = name.replace("_", " ")
                detail = f"The {label} differs from {len(differing)} other system{'s' if len(differing) > 1 else ''}"
                found.append(Found(DataQualityIssueKind.CONFLICT, row.record, row.source, citizen, name, detail))
    return found


def share(counts: list[int] | tuple[int, int] | None) -> float | None:
    """good / out of, as a percentage; None when nothing was counted."""
    if not counts or not counts[1]:
        return None
    return 100 * counts[0] / counts[1]


def overall(per_field: Mapping[str, list[int]]) -> list[int]:
    """Counts summed over every field: [good, out of]."""
    return [sum(c[0] for c in per_field.values()), sum(c[1] for c in per_field.values())]


@dataclass(frozen=True)
class TimeToCorrect:
    corrected: int
    median_days: float | None
    mean_days: float | None


def time_to_correct(durations: Iterable[dt.timedelta]) -> TimeToCorrect:
    days = [d.total_seconds() / 86400 for d in durations]
    if not days:
        return TimeToCorrect(0, None, None)
    return TimeToCorrect(len(days), statistics.median(days), statistics.fmean(days))
