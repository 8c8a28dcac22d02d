"""Personal data the information asset register holds: none about residents.

It may name a member of staff as an asset's steward contact, and records which member of
staff made each change; both are about their work, and a resident never has either.
Registered by CatalogueConfig.ready(); see townhall/core/personal_data.py.
"""

from __future__ import annotations

from townhall.core import personal_data


def register() -> None:
    staff_only = "Names only members of staff, about their work (the register describes data, not people)."
    personal_data.exempt("catalogue.InformationAsset.steward", staff_only)
    personal_data.exempt("catalogue.AssetRevision.changed_by", staff_only)
