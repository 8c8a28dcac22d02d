"""Reads for the DCAT documents: only what the public sees, whoever asks.

The catalogue lists the public datasets (active, not private, past their scheduled
publication), as package_list does; a single dataset's document is also served when it
is withdrawn (marked so), as its page and package_show are. Drafts, datasets in review,
private and deleted ones never appear, even to a signed-in data steward: these documents
are for harvesters and are cached and copied as public.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from townhall.opendata.models import Dataset
from townhall.opendata.selectors import datasets_for_shapes, datasets_listed, datasets_showable

CATALOGUE_PAGE_SIZE = 100


def catalogue_count() -> int:
    return datasets_listed(user=None).count()


def catalogue_page(*, number: int, size: int = CATALOGUE_PAGE_SIZE) -> list[Dataset]:
    """One page of the public catalogue, by name (stable pages for harvesters), relations loaded."""
    start = (number - 1) * size
    return list(datasets_for_shapes(datasets_listed(user=None).order_by("name", "id"))[start : start + size])


def catalogue_modified() -> dt.datetime | None:
    return datasets_listed(user=None).aggregate(latest=Max("metadata_modified"))["latest"]


def dataset_for_dcat(*, name: str) -> Dataset | None:
    """A public or withdrawn dataset by name, relations loaded; None for anything else."""
    return datasets_for_shapes(datasets_showable(user=None)).filter(name=name).first()
