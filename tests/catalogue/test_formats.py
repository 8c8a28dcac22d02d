"""The corporate standards' format checks against real values and real near-misses."""

from __future__ import annotations

import pytest

from townhall.catalogue.constants import RuleKind
from townhall.catalogue.formats import check_format, normalise_postcode, normalise_uk_phone, parameter_error


@pytest.mark.parametrize(
    "value",
    [
        "TS1 1AA",  # AN NAA
        "ts11aa",  # lower case, no space
        "M1 1AE",  # A9 9AA
        "B33 8TH",  # A99 9AA
        "CR2 6XH",  # AA9 9AA
        "DN55 1PT",  # AA99 9AA
        "W1A 0AX",  # A9A 9AA
        "EC1A 1BB",  # AA9A 9AA
        "SW1A 2AA",  # 10 Downing Street
        "GIR 0AA",  # Girobank
    ],
)
def test_real_postcodes_pass(value: str) -> None:
    assert check_format(RuleKind.UK_POSTCODE, value) == ""


@pytest.mark.parametrize(
    "value",
    [
        "",
        "TS1",  # outward code only
        "TS1 1A",  # inward code too short
        "QS1 1AA",  # Q is never the first letter
        "TI1 1AA",  # I is never the second letter
        "TS1 1CA",  # C is never used in the inward code
        "TS1 1AI",
        "W1I 0AX",  # I is not allowed in the third position
        "EC1C 1BB",  # C is not allowed in the fourth position
        "1TS 1AA",
        "TS1 AAA",
    ],
)
def test_malformed_postcodes_fail(value: str) -> None:
    assert check_format(RuleKind.UK_POSTCODE, value) != ""


def test_postcode_is_normalised_to_upper_case_with_one_space() -> None:
    assert normalise_postcode(" ec1a1bb ") == "EC1A 1BB"


@pytest.mark.parametrize("value", ["AB123456C", "ab 12 34 56 c", "JG103759A", "ZX999999D", "CE000000B"])
def test_valid_ni_numbers_pass(value: str) -> None:
    assert check_format(RuleKind.NI_NUMBER, value) == ""


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("DA123456A", "D is never the first letter"),
        ("FA123456A", "F is never the first letter"),
        ("IA123456A", "I is never the first letter"),
        ("QA123456A", "Q is never the first letter"),
        ("QQ123456C", "GOV.UK's example number is never issued"),
        ("UA123456A", "U is never the first letter"),
        ("VA123456A", "V is never the first letter"),
        ("AD123456A", "D is never the second letter"),
        ("AO123456A", "O is never the second letter"),
        ("BG123456A", "BG is not allocated"),
        ("GB123456A", "GB is not allocated"),
        ("NK123456A", "NK is not allocated"),
        ("KN123456A", "KN is not allocated"),
        ("TN123456A", "TN is not allocated"),
        ("NT123456A", "NT is not allocated"),
        ("ZZ123456A", "ZZ is not allocated"),
        ("AB123456E", "the suffix is A to D"),
        ("AB12345A", "five digits"),
        ("AB1234567A", "seven digits"),
        ("AB123456", "no suffix"),
    ],
)
def test_invalid_ni_numbers_fail(value: str, why: str) -> None:
    assert check_format(RuleKind.NI_NUMBER, value) != "", why


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2026-03-31", True),
        ("2024-02-29", True),  # leap year
        ("2025-02-29", False),  # not a leap year
        ("2026-13-01", False),
        ("31/03/2026", False),
        ("2026-3-31", False),
        ("20260331", False),
        ("2026-03-31T10:00", False),
    ],
)
def test_iso_dates(value: str, valid: bool) -> None:
    assert (check_format(RuleKind.ISO_DATE, value) == "") is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("name@example.com", True),
        ("first.last+tag@council.gov.uk", True),
        ("no-at-sign.example.com", False),
        ("two@@example.com", False),
        ("name@", False),
        ("name@example", False),
    ],
)
def test_email_addresses(value: str, valid: bool) -> None:
    assert (check_format(RuleKind.EMAIL, value) == "") is valid


@pytest.mark.parametrize(
    "value",
    [
        "01632 960 001",  # Ofcom drama range, geographic
        "020 7946 0000",  # London
        "016977 3456",  # 10-digit Brampton number
        "01204 12345",  # 10-digit Bolton number (a mixed area)
        "0300 123 4567",  # non-geographic 03
        "07700 900 982",  # mobile (drama range)
        "+44 7700 900982",
        "+44 (0)1632 960001",
        "0044 20 7946 0000",
        "0800 123 456",  # 10-digit freephone
        "0808 157 0192",
        "0845 600 0000",
        "0909 879 0000",
    ],
)
def test_uk_phone_numbers_pass(value: str) -> None:
    assert check_format(RuleKind.UK_PHONE, value) == ""


@pytest.mark.parametrize(
    "value",
    [
        "07700 90098",  # mobile one digit short
        "07700 9009821",  # one digit too many
        "0400 123 4567",  # 04 is not allocated
        "0600 123 4567",  # 06 is not allocated
        "1632 960 001",  # no trunk prefix
        "+1 212 555 0100",  # not a UK number
        "0161 496 000",  # Manchester number one digit short
        "01632 96000",  # 10 digits outside the mixed areas
        "call me",
    ],
)
def test_bad_uk_phone_numbers_fail(value: str) -> None:
    assert check_format(RuleKind.UK_PHONE, value) != ""


def test_phone_numbers_normalise_to_national_digits() -> None:
    assert normalise_uk_phone("+44 (0)1632 960-001") == "01632960001"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("100023336956", True),  # 12 digits
        ("10091834567", True),
        ("1", True),
        ("0", False),
        ("1000233369561", False),  # 13 digits
        ("10002333695A", False),
        ("-5", False),
        ("", False),
    ],
)
def test_uprns(value: str, valid: bool) -> None:
    assert (check_format(RuleKind.UPRN, value) == "") is valid


def test_parameterised_rules() -> None:
    assert check_format(RuleKind.PATTERN, "40012345", r"[0-9]{8}") == ""
    assert check_format(RuleKind.PATTERN, "4001234", r"[0-9]{8}") != ""
    assert check_format(RuleKind.PATTERN, "x", "[") != ""  # a broken pattern never passes
    assert check_format(RuleKind.MAX_LENGTH, "abc", "3") == ""
    assert check_format(RuleKind.MAX_LENGTH, "abcd", "3") != ""
    assert check_format(RuleKind.CHOICES, " B ", "A, B, C") == ""
    assert check_format(RuleKind.CHOICES, "E", "A, B, C") == "Use one of: A, B, C"
    with pytest.raises(ValueError, match="Unknown rule kind"):
        check_format("nonsense", "x")


def test_parameters_must_fit_their_kind() -> None:
    assert parameter_error(RuleKind.PATTERN, "[0-9]+") == ""
    assert "regular expression" in parameter_error(RuleKind.PATTERN, "(")
    assert parameter_error(RuleKind.MAX_LENGTH, "0") != ""
    assert parameter_error(RuleKind.CHOICES, " , ") != ""
    assert parameter_error(RuleKind.UK_POSTCODE, "anything") != ""
    assert parameter_error(RuleKind.UK_POSTCODE, "") == ""
