"""Personal data council notices hold: none about residents.

A notice records which member of staff wrote it; that is about their work (as the
information asset register treats its change history), and a resident never has one.
Registered by NoticesConfig.ready(); see townhall/core/personal_data.py.
"""

from __future__ import annotations

from townhall.core import personal_data


def register() -> None:
    personal_data.exempt(
        "notices.Notice.created_by", "Names only the member of staff who wrote the notice, about their work."
    )
