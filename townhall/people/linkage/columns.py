"""The person-record columns the Citizen Index links on, as source extracts name them."""

from __future__ import annotations

RECORD_ID = "record_id"

# Every column except record_id may be absent from an extract or blank in a row.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "source_system",
    "given_name",
    "surname",
    "date_of_birth",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "email",
    "phone",
)
INPUT_COLUMNS: tuple[str, ...] = (RECORD_ID, *OPTIONAL_COLUMNS)

# Internal row number: Splink's unique id, and the order output rows are written in.
ROW_NUMBER = "row_number"
