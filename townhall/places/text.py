"""Address text normalised the same way when it is stored and when it is searched for."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def search_words(*parts: str) -> list[str]:
    """Lower-case words with punctuation dropped: ("Flat 2,", "St. Mary's Rd") -> [flat, 2, st, mary, s, rd]."""
    return _NOT_WORD.sub(" ", " ".join(parts).lower()).split()
