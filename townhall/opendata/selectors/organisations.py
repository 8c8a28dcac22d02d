"""Reads for the steward pages on publishers and themes: each with how many datasets it has (deleted ones aside)."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet

from townhall.opendata.models import DatasetState, Publisher, Theme

_LIVE = ~Q(datasets__state=DatasetState.DELETED)


def publishers_with_counts() -> QuerySet[Publisher]:
    """Every publisher by title, each with `dataset_count`."""
    return Publisher.objects.annotate(dataset_count=Count("datasets", filter=_LIVE)).order_by("title", "name")


def themes_with_counts() -> QuerySet[Theme]:
    """Every theme by title, each with `dataset_count`."""
    return Theme.objects.annotate(dataset_count=Count("datasets", filter=_LIVE)).order_by("title", "name")


def publisher(*, publisher_id: uuid.UUID) -> Publisher | None:
    return Publisher.objects.filter(pk=publisher_id).first()


def theme(*, theme_id: uuid.UUID) -> Theme | None:
    return Theme.objects.filter(pk=theme_id).first()
