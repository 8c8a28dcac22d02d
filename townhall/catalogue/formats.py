"""Checks for the value formats corporate data standards name: postcode, NI number, dates, phone, UPRN.

Pure functions, no database: each returns an error message, or "" for a valid value.
Data quality checks (the Citizen Index's source records) reach them through
`selectors.check_value`, so a rule means the same everywhere it is applied.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from townhall.catalogue.constants import RuleKind

# BS 7666 / Royal Mail: outward code A9, A99, AA9, AA99, A9A or AA9A; inward code 9AA.
# Letters are restricted by position (Q, V, X never first; I, J, Z never second; ...) and the
# inward letters never use C, I, K, M, O or V. GIR 0AA (Girobank) is the one exception.
_POSTCODE = re.compile(
    r"^(?:"
    r"[A-PR-UWYZ][0-9]{1,2}"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"  # AA9A
    r") ?[0-9][ABD-HJLNP-UW-Z]{2}$"
)
# HMRC (National Insurance Manual NIM39110): D, F, I, Q, U and V are never used in the prefix;
# O is never the second letter; these prefixes are never allocated; the suffix is A to D.
_NINO = re.compile(r"^([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])([0-9]{6})([A-D])$")
_NINO_UNALLOCATED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
# Ofcom: the only geographic numbers with 10 digits are in these 40 "mixed" areas (some 5-digit local
# numbers) and in 016977 (Brampton, some 4-digit local numbers); everywhere else has 11.
# fmt: off
_TEN_DIGIT_AREA_CODES = frozenset((
    "01204", "01208", "01254", "01276", "01297", "01298", "01363", "01364", "01384", "01386",
    "01404", "01420", "01460", "01461", "01480", "01488", "01524", "01527", "01562", "01566",
    "01606", "01629", "01635", "01647", "01659", "01695", "01726", "01744", "01750", "01768",
    "01827", "01837", "01884", "01900", "01905", "01935", "01946", "01949", "01963", "01995",
))
# fmt: on
UPRN_MAX = 999_999_999_999  # 12 digits (OS AddressBase)
_email = EmailValidator()


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code: "ts1 1aa" -> "TS1 1AA"."""
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def check_uk_postcode(value: str) -> str:
    compact = normalise_postcode(value)
    if compact == "GIR 0AA" or _POSTCODE.match(compact):
        return ""
    return "Enter a real UK postcode, like TS1 1AA"


def check_ni_number(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    match = _NINO.match(compact)
    if match is None or match.group(1) + match.group(2) in _NINO_UNALLOCATED_PREFIXES:
        return "Enter a National Insurance number in the right format, like QQ 12 34 56 C"
    return ""


def check_iso_date(value: str) -> str:
    text = value.strip()
    if not _ISO_DATE.match(text):
        return "Enter a date as YYYY-MM-DD, like 2026-03-31"
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return "Enter a real date, like 2026-03-31"
    return ""


def check_email(value: str) -> str:
    try:
        _email(value.strip())
    except ValidationError:
        return "Enter an email address in the correct format, like name@example.com"
    return ""


def normalise_uk_phone(value: str) -> str:
    """Digits in national form: "+44 (0)1632 960 001" -> "01632960001"; "" when it cannot be one."""
    text = _PHONE_SEPARATORS.sub("", value.strip())
    text = text.replace("+44(0)", "+44").replace("+440", "+44")
    if text.startswith("+44"):
        text = "0" + text[3:]
    elif text.startswith("0044"):
        text = "0" + text[4:]
    return text if text.isdigit() else ""


def check_uk_phone(value: str) -> str:
    """The Ofcom national numbering plan's lengths: 01/02 geographic, 03, 05, 07, 08 and 09 ranges.

    Catches wrong lengths and unallocated ranges (04, 06); it cannot tell whether a
    number is actually in service.
    """
    digits = normalise_uk_phone(value)
    error = "Enter a UK telephone number, like 01632 960 001 or 07700 900 982"
    if not digits.startswith("0") or len(digits) not in {10, 11}:
        return error
    prefix = digits[1]
    if prefix == "1" and len(digits) == 10:
        return "" if digits[:5] in _TEN_DIGIT_AREA_CODES or digits.startswith("016977") else error
    if prefix == "8" and digits.startswith("0800"):
        return ""  # freephone 0800 has 10- and 11-digit numbers
    if prefix in "123579" or prefix == "8":
        return "" if len(digits) == 11 else error
    return error  # 00, 04 and 06 are not allocated to telephone numbers


def check_uprn(value: str) -> str:
    text = value.strip()
    if not text.isdigit() or not 0 < int(text) <= UPRN_MAX:
        return "Enter a UPRN: a whole number of up to 12 digits"
    return ""


def check_pattern(value: str, parameter: str) -> str:
    try:
        matched = re.fullmatch(parameter, value) is not None
    except re.error:
        return "The standard's pattern is not a valid regular expression"
    return "" if matched else "The value is not in the format the standard asks for"


def check_max_length(value: str, parameter: str) -> str:
    limit = int(parameter) if parameter.strip().isdigit() else 0
    return "" if len(value) <= limit else f"Use {limit} characters or fewer"


def choice_values(parameter: str) -> list[str]:
    return [item.strip() for item in parameter.split(",") if item.strip()]


def check_choices(value: str, parameter: str) -> str:
    allowed = choice_values(parameter)
    return "" if value.strip() in allowed else f"Use one of: {', '.join(allowed)}"


_PLAIN_CHECKS: dict[str, Callable[[str], str]] = {
    RuleKind.UK_POSTCODE: check_uk_postcode,
    RuleKind.NI_NUMBER: check_ni_number,
    RuleKind.ISO_DATE: check_iso_date,
    RuleKind.EMAIL: check_email,
    RuleKind.UK_PHONE: check_uk_phone,
    RuleKind.UPRN: check_uprn,
    RuleKind.TEXT: lambda value: "",
}
_PARAMETER_CHECKS: dict[str, Callable[[str, str], str]] = {
    RuleKind.PATTERN: check_pattern,
    RuleKind.MAX_LENGTH: check_max_length,
    RuleKind.CHOICES: check_choices,
}


def check_format(kind: str, value: str, parameter: str = "") -> str:
    """The error for `value` under a rule of `kind` (with its parameter), or "" when it is valid."""
    if kind in _PLAIN_CHECKS:
        return _PLAIN_CHECKS[kind](value)
    if kind in _PARAMETER_CHECKS:
        return _PARAMETER_CHECKS[kind](value, parameter)
    raise ValueError(f"Unknown rule kind {kind!r}")


def parameter_error(kind: str, parameter: str) -> str:
    """Why a standard's parameter does not fit its kind, or "" (used when a standard is saved)."""
    if kind == RuleKind.PATTERN:
        if not parameter:
            return "Enter the regular expression values must match"
        try:
            re.compile(parameter)
        except re.error as error:
            return f"This is not a valid regular expression: {error}"
    elif kind == RuleKind.MAX_LENGTH:
        if not parameter.strip().isdigit() or int(parameter) < 1:
            return "Enter the maximum number of characters, a whole number like 50"
    elif kind == RuleKind.CHOICES:
        if not choice_values(parameter):
            return "Enter the allowed values, separated by commas"
    elif parameter:
        return "This kind of standard takes no parameter: leave it blank"
    return ""
