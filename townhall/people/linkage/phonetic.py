"""Soundex codes for names.

DuckDB has no phonetic function and Splink expects phonetic keys to be computed
before linkage, so Townhall computes them once per distinct name in Python (a few
thousand to a few hundred thousand names even for millions of records).
"""

from __future__ import annotations

_SOUNDEX_DIGITS = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def soundex(name: str) -> str | None:
    """American Soundex (as in the US census rules): first letter plus three digits.

    `h` and `w` do not separate letters with the same code; vowels do. Returns None
    for a name without letters, so the phonetic level treats it as missing.
    """
    letters = [c for c in name.lower() if "a" <= c <= "z"]
    if not letters:
        return None
    code = [letters[0].upper()]
    previous = _SOUNDEX_DIGITS.get(letters[0], "")
    for letter in letters[1:]:
        digit = _SOUNDEX_DIGITS.get(letter, "")
        if digit and digit != previous:
            code.append(digit)
            if len(code) == 4:
                break
        if letter not in "hw":
            previous = digit
    return "".join(code).ljust(4, "0")
