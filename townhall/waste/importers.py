"""Read and check the two CSV files staff import, without touching the database.

rounds:      code, name, service, weekday, frequency, reference_date[, ward][, holiday_rule]
assignments: uprn, round

Headers are matched case-insensitively. Every problem is collected with its row number
(the header is row 1, as in a spreadsheet), so one run lists everything to fix; checks
that need the database (does the ward, UPRN or round exist?) are services.py's.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from townhall.waste.constants import MAX_INTERVAL_WEEKS, WEEKDAYS, HolidayRule, Service

ROUND_COLUMNS = ("code", "name", "service", "weekday", "frequency", "reference_date")
ROUND_OPTIONAL_COLUMNS = ("ward", "holiday_rule")
ASSIGNMENT_COLUMNS = ("uprn", "round")

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_EVERY_N_WEEKS = re.compile(r"^every\s+(\d{1,2})\s+weeks?$")
_UPRN = re.compile(r"^\d{1,12}$")
_FREQUENCIES = {"weekly": 1, "fortnightly": 2, "every week": 1, "every other week": 2}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column.upper()} {self.value!r}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRejectedError(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass(frozen=True)
class RoundRow:
    row: int
    code: str
    name: str
    service: str
    weekday: int
    interval_weeks: int
    reference_date: dt.date
    ward_code: str
    holiday_rule: str


@dataclass(frozen=True)
class AssignmentRow:
    row: int
    uprn: int
    round_code: str


def _rows(
    lines: Iterable[str], *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: stripped value}) for each data row; ImportRejectedError for a bad header."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise ImportRejectedError([Problem(1, "", "", "the file is empty: it needs a header row")])
    names = [name.strip().lower() for name in header]
    missing = [column for column in required if column not in names]
    if missing:
        raise ImportRejectedError(
            [Problem(1, "", "", f"missing column(s) {', '.join(missing)}; the header has {', '.join(names)}")]
        )
    wanted = {*required, *optional}
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        yield number, {name: value.strip() for name, value in zip(names, values, strict=False) if name in wanted}


def _choice(value: str, choices: type[Service] | type[HolidayRule]) -> str | None:
    """A TextChoices value given as its value or label, in any case."""
    folded = value.casefold().replace(" ", "_")
    for choice in choices:
        if folded in {choice.value, str(choice.label).casefold().replace(" ", "_")}:
            return str(choice.value)
    return None


def parse_weekday(value: str) -> int | None:
    folded = value.casefold()
    for index, name in enumerate(WEEKDAYS):
        if folded in {name.casefold(), name[:3].casefold()}:
            return index
    return None


def parse_frequency(value: str) -> int | None:
    """Weeks between collections: weekly, fortnightly, "every 3 weeks" or a plain number of weeks."""
    folded = " ".join(value.casefold().split())
    weeks = _FREQUENCIES.get(folded)
    if weeks is None and (match := _EVERY_N_WEEKS.match(folded) or re.fullmatch(r"(\d{1,2})", folded)):
        weeks = int(match.group(1))
    return weeks if weeks is not None and 1 <= weeks <= MAX_INTERVAL_WEEKS else None


def parse_date(value: str) -> dt.date | None:
    """2026-01-05 or 05/01/2026 (UK day first)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


def read_rounds(lines: Iterable[str]) -> tuple[list[RoundRow], list[Problem]]:
    """The good rows and every problem (ImportRejectedError at once only for a bad header)."""
    problems: list[Problem] = []
    rounds: list[RoundRow] = []
    seen: dict[str, int] = {}
    for number, row in _rows(lines, required=ROUND_COLUMNS, optional=ROUND_OPTIONAL_COLUMNS):
        before = len(problems)

        def problem(column: str, message: str, number: int = number, row: dict[str, str] = row) -> None:
            problems.append(Problem(number, column, row.get(column, ""), message))

        code = row.get("code", "")
        if not _CODE.match(code):
            problem("code", "a round code is 1 to 40 letters, digits, dots, dashes or underscores")
        elif code in seen:
            problem("code", f"the same round code is on row {seen[code]}")
        else:
            seen[code] = number
        name = row.get("name", "")
        if not name or len(name) > 100:
            problem("name", "give the round a name of at most 100 characters")
        service = _choice(row.get("service", ""), Service)
        if service is None:
            problem("service", f"the service must be one of {', '.join(Service.values)}")
        weekday = parse_weekday(row.get("weekday", ""))
        if weekday is None:
            problem("weekday", "the weekday must be a day name, like Monday")
        interval = parse_frequency(row.get("frequency", ""))
        if interval is None:
            problem("frequency", f"use weekly, fortnightly or every N weeks (N from 1 to {MAX_INTERVAL_WEEKS})")
        reference = parse_date(row.get("reference_date", ""))
        if reference is None:
            problem("reference_date", "give a date the round collects on, like 2026-01-05")
        elif weekday is not None and reference.weekday() != weekday:
            problem("reference_date", f"this date is a {WEEKDAYS[reference.weekday()]}, not a {WEEKDAYS[weekday]}")
        rule = _choice(row.get("holiday_rule", ""), HolidayRule) if row.get("holiday_rule") else HolidayRule.SLIP_WEEK
        if rule is None:
            problem("holiday_rule", f"the holiday rule must be one of {', '.join(HolidayRule.values)} (or blank)")
        if (
            len(problems) == before
            and service is not None
            and weekday is not None
            and interval is not None
            and reference is not None
            and rule is not None
        ):
            rounds.append(
                RoundRow(number, code, name, service, weekday, interval, reference, row.get("ward", ""), str(rule))
            )
    return rounds, problems


def read_assignments(lines: Iterable[str]) -> tuple[list[AssignmentRow], list[Problem]]:
    """The good (UPRN, round code) rows and every problem (ImportRejectedError at once for a bad header)."""
    problems: list[Problem] = []
    assignments: list[AssignmentRow] = []
    seen: dict[tuple[int, str], int] = {}
    for number, row in _rows(lines, required=ASSIGNMENT_COLUMNS):
        uprn_text, code = row.get("uprn", ""), row.get("round", "")
        ok = True
        if not _UPRN.match(uprn_text):
            problems.append(Problem(number, "uprn", uprn_text, "a UPRN is 1 to 12 digits"))
            ok = False
        if not code:
            problems.append(Problem(number, "round", code, "give the round code"))
            ok = False
        if not ok:
            continue
        key = (int(uprn_text), code)
        if key in seen:
            problems.append(Problem(number, "uprn", uprn_text, f"the same UPRN and round are on row {seen[key]}"))
            continue
        seen[key] = number
        assignments.append(AssignmentRow(number, int(uprn_text), code))
    return assignments, problems
