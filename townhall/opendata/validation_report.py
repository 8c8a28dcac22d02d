"""A rejected upload's validation report: problems by row and field, in words, and as CSV.

Frictionless finds the problems (services/versions.py); this module only shapes them for
people (the upload page, the CKAN API's 409) and for a spreadsheet (the report download).
It holds no data beyond the report itself, so a report can outlive the rejected file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

# The API's 409 names at most this many problems; the page and the CSV have them all (up to REPORT_LIMIT).
API_MESSAGES = 50
# Frictionless stops after this many problems: a wholly wrong file would otherwise list every cell.
REPORT_LIMIT = 1000
CELL_SHOWN = 80


@dataclass(frozen=True)
class Problem:
    """One problem: the spreadsheet row (the header is row 1; None for the whole file), field, cell and why."""

    row: int | None
    field: str
    cell: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Problem:
        row = values.get("row")
        return cls(
            row=int(row) if row is not None else None,
            field=str(values.get("field", "")),
            cell=str(values.get("cell", "")),
            message=str(values.get("message", "")),
        )

    def sentence(self) -> str:
        """ "Row 3, amount: …" — how the API and the error summary say it."""
        where = "The file" if self.row is None else f"Row {self.row}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


def summary(problems: list[Problem], *, truncated: bool) -> str:
    rows = {problem.row for problem in problems if problem.row is not None}
    counted = f"{len(problems)}{' or more' if truncated else ''} problem{'s' if len(problems) != 1 else ''}"
    if rows:
        return f"The file was not accepted: {counted} in {len(rows)} row{'s' if len(rows) != 1 else ''}."
    return f"The file was not accepted: {counted}."


def api_messages(problems: list[Problem], *, truncated: bool) -> list[str]:
    """The summary, then the first problems as sentences (CKAN's {field: [messages]})."""
    messages = [summary(problems, truncated=truncated)]
    messages.extend(problem.sentence() for problem in problems[:API_MESSAGES])
    if len(problems) > API_MESSAGES:
        messages.append(f"… and {len(problems) - API_MESSAGES} more.")
    return messages


def shown_cell(value: str) -> str:
    return value if len(value) <= CELL_SHOWN else value[: CELL_SHOWN - 1] + "…"


def report_csv(problems: list[Problem]) -> str:
    """The report as CSV (row, field, value, problem), for the steward to fix the file from."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["row", "field", "value", "problem"])
    for problem in problems:
        # A value starting = + - @ would run as a formula in a spreadsheet: quote it as text.
        cell = "'" + problem.cell if problem.cell[:1] in ("=", "+", "-", "@") else problem.cell
        writer.writerow(["" if problem.row is None else problem.row, problem.field, cell, problem.message])
    return buffer.getvalue()
