"""Reading a source extract: every row checked and normalised before anything is stored.

Errors name the row and column and say what is wrong, never the value: the report is
shown to staff and kept with the load batch, and the values are personal data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from townhall.people.constants import DELETED_KEY, DELETED_VALUES, PERSON_FIELDS, SOURCE_ID_KEY

# Errors kept in full in a report; beyond this only the count grows.
MAX_REPORTED_ERRORS = 100
MAX_LENGTHS = {
    SOURCE_ID_KEY: 100,
    "given_name": 100,
    "surname": 100,
    "address_line_1": 200,
    "address_line_2": 200,
    "town": 100,
    "postcode": 20,
    "email": 254,
    "phone": 30,
}
EARLIEST_BIRTH = dt.date(1850, 1, 1)
_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the first data row (the header is row 0)
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedExtract:
    rows: list[dict[str, object]] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    row_count: int = 0

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))


def record_hash(values: dict[str, object]) -> str:
    """A fingerprint of a record's person fields, to tell changed records from unchanged ones."""
    text = "\x1f".join("" if values.get(name) is None else str(values[name]) for name in PERSON_FIELDS)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(value: str) -> str:
    return _SPACES.sub(" ", value).strip()


def normalise_postcode(value: str) -> str:
    """UK postcodes upper case with one space ("nm12ab" -> "NM1 2AB"); anything else tidied only."""
    compact = re.sub(r"\s", "", value).upper()
    match = _UK_POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else _text(value).upper()


def parse_date_of_birth(value: str, *, today: dt.date) -> dt.date | None:
    """ISO 2001-05-31 or UK 31/05/2001; raises ValueError with the reason otherwise."""
    text = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            born = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time zone)
        except ValueError:
            continue
        if born < EARLIEST_BIRTH or born > today:
            raise ValueError("is not a plausible date of birth (before 1850 or in the future)")
        return born
    raise ValueError("is not a date written as YYYY-MM-DD or DD/MM/YYYY")


def _decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise ValueError("the file is not a CSV file (it contains binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (byte {exc.start} is not UTF-8)") from None


def parse_extract(
    handle: IO[bytes], mapping: dict[str, str], *, today: dt.date, deletions_allowed: bool
) -> ParsedExtract:
    """Read and check every row of a CSV extract against a column mapping.

    File-level problems (not UTF-8, missing mapped columns, empty) are reported as row
    0 errors. Deleted rows (a truthy deletion column, delta extracts only) need only an id.
    """
    parsed = ParsedExtract()
    try:
        text = _decode(handle.read())
    except ValueError as exc:
        parsed.error(0, "", str(exc))
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        parsed.error(0, "", "the file is empty: expected a header row")
        return parsed
    except csv.Error as exc:
        parsed.error(0, "", f"the header row is not valid CSV ({exc})")
        return parsed
    missing = [column for column in mapping.values() if column.strip() not in header]
    if missing:
        parsed.error(0, "", f"the header has no column(s) {', '.join(missing)} named in the column mapping")
        return parsed
    if DELETED_KEY in mapping and not deletions_allowed:
        parsed.error(
            0, DELETED_KEY, "a deletion column is only read in delta mode; a full extract omits deleted records"
        )
        return parsed
    position = {key: header.index(column.strip()) for key, column in mapping.items()}
    seen: set[str] = set()
    try:
        for number, raw in enumerate(reader, start=1):
            parsed.row_count += 1
            if not any(cell.strip() for cell in raw):
                parsed.error(number, "", "the row is blank")
                continue
            if len(raw) != len(header):
                parsed.error(number, "", f"the row has {len(raw)} cells but the header has {len(header)}")
                continue
            _parse_row(parsed, number, raw, position, seen, today=today)
    except csv.Error as exc:
        parsed.error(parsed.row_count + 1, "", f"the row is not valid CSV ({exc})")
    if parsed.row_count == 0:
        parsed.error(0, "", "the file has a header but no records")
    return parsed


def _parse_row(
    parsed: ParsedExtract,
    number: int,
    raw: list[str],
    position: dict[str, int],
    seen: set[str],
    *,
    today: dt.date,
) -> None:
    def cell(key: str) -> str:
        return raw[position[key]] if key in position else ""

    source_id = _text(cell(SOURCE_ID_KEY))
    if not source_id:
        parsed.error(number, SOURCE_ID_KEY, "the record id is blank")
        return
    if source_id in seen:
        parsed.error(number, SOURCE_ID_KEY, "the record id appears on an earlier row of this file")
        return
    seen.add(source_id)
    if len(source_id) > MAX_LENGTHS[SOURCE_ID_KEY]:
        parsed.error(number, SOURCE_ID_KEY, f"the record id is longer than {MAX_LENGTHS[SOURCE_ID_KEY]} characters")
        return
    if cell(DELETED_KEY).strip().lower() in DELETED_VALUES:
        parsed.deleted_ids.append(source_id)
        return
    values: dict[str, object] = {SOURCE_ID_KEY: source_id}
    ok = True
    for name in PERSON_FIELDS:
        value = _text(cell(name))
        if name == "date_of_birth":
            try:
                values[name] = parse_date_of_birth(value, today=today) if value else None
            except ValueError as exc:
                parsed.error(number, name, f"the date of birth {exc}")
                ok = False
            continue
        if name == "postcode":
            value = normalise_postcode(value) if value else ""
        elif name == "email":
            value = value.lower()
            if value and (value.count("@") != 1 or value.startswith("@") or value.endswith("@")):
                parsed.error(number, name, "the email address is not of the form name@domain")
                ok = False
        if len(value) > MAX_LENGTHS[name]:
            parsed.error(number, name, f"longer than {MAX_LENGTHS[name]} characters")
            ok = False
        values[name] = value
    if ok and not (values["given_name"] or values["surname"]):
        parsed.error(number, "given_name", "the record has neither a given name nor a surname")
        ok = False
    if ok:
        values["record_hash"] = record_hash(values)
        parsed.rows.append(values)


def report_lines(errors: Iterable[RowError]) -> list[str]:
    """Readable lines for a command or a page: "row 12, date_of_birth: the date of birth is ..."."""
    lines = []
    for error in errors:
        where = "file" if error.row == 0 else f"row {error.row}"
        lines.append(f"{where}{', ' + error.column if error.column else ''}: {error.message}")
    return lines
