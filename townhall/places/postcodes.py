"""UK postcode validation and normalisation.

No maintained PyPI package does only this without also calling a web API or shipping
the whole postcode directory, so the Royal Mail format rules are written out here:
an outward code (area + district) and an inward code (sector digit + two unit letters),
with the letters each position may hold. Whether a postcode *exists* is the
gazetteer's business, not this module's.
"""

from __future__ import annotations

import re

# Position 1 never Q, V, X; position 2 never I, J, Z; a trailing district letter is
# restricted (A9A and AA9A forms); inward letters never C, I, K, M, O, V.
_FIRST = "[A-PR-UWYZ]"
_SECOND = "[A-HK-Y]"
_OUTWARD = (
    f"(?:{_FIRST}[0-9][0-9]?"  # A9, A99
    f"|{_FIRST}{_SECOND}[0-9][0-9]?"  # AA9, AA99
    f"|{_FIRST}[0-9][A-HJKPSTUW]"  # A9A
    f"|{_FIRST}{_SECOND}[0-9][ABEHMNPRVWXY])"  # AA9A
)
_INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(f"(?:{_OUTWARD}{_INWARD}|GIR0AA)")
_SPACES = re.compile(r"\s+")


class InvalidPostcodeError(ValueError):
    """A string that is not in the format of a UK postcode."""


def postcode_compact(value: str) -> str:
    """Upper case with every space removed: "ts1 2ab " -> "TS12AB" (not validated)."""
    return _SPACES.sub("", value).upper()


def postcode_is_valid(value: str) -> bool:
    return _POSTCODE.fullmatch(postcode_compact(value)) is not None


def postcode_normalise(value: str) -> str:
    """Return the postcode as Royal Mail writes it ("TS1 2AB"), or raise InvalidPostcodeError."""
    compact = postcode_compact(value)
    if _POSTCODE.fullmatch(compact) is None:
        shown = value.strip()[:20] or "(empty)"
        raise InvalidPostcodeError(
            f"{shown!r} is not a valid UK postcode. Enter a postcode in the format TS1 2AB or SW1A 1AA."
        )
    return f"{compact[:-3]} {compact[-3:]}"
