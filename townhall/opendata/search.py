"""package_search's query language: the Solr subset CKAN clients and harvesters send, in `q` and `fq`.

`solr_query` parses it; `FIELDS` says which CKAN field names may be used and where each
lives (relations through subqueries, so terms never duplicate rows), and `_free_text` is
what a bare word or phrase matches. Anything outside the subset is a SearchQueryError.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from townhall.opendata.models import Dataset
from townhall.opendata.solr_query import Field, FieldMap, SearchQueryError, solr_to_q

__all__ = ["FIELDS", "SearchQueryError", "to_q"]


def _in(queryset: QuerySet[Dataset]) -> Q:
    return Q(pk__in=queryset.values("pk"))


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _by_id(value: str) -> Q:
    found = _uuid_or_none(value)
    return Q(pk=found) if found else Q(pk__in=[])


def _by_owner(value: str) -> Q:
    found = _uuid_or_none(value)
    return Q(publisher_id=found) if found else Q(publisher__name=value)


# CKAN field → where it lives. Callables take one exact value; Fields also allow ranges and `field:*`.
FIELDS: FieldMap = {
    "id": _by_id,
    "name": Field("name"),
    "title": Field("title", lookup="iexact"),
    "notes": Field("notes", lookup="icontains"),
    "organization": Field("publisher__name"),
    "owner_org": _by_owner,
    "groups": Field("themes__name", many=True),
    "tags": Field("tags__name", many=True),
    "res_format": Field("resources__format", lookup="iexact", many=True),
    "license_id": Field("licence__key"),
    "version": Field("version"),
    "state": Field("state"),
    "private": Field("private", kind="bool"),
    "metadata_created": Field("metadata_created", kind="date"),
    "metadata_modified": Field("metadata_modified", kind="date"),
    "dataset_type": lambda value: Q() if value == "dataset" else Q(pk__in=[]),
    "type": lambda value: Q() if value == "dataset" else Q(pk__in=[]),
}
MATCH_ALL = {"", "*:*", "*"}


def _free_text(word: str) -> Q:
    return (
        Q(title__icontains=word)
        | Q(name__icontains=word)
        | Q(notes__icontains=word)
        | Q(publisher__title__icontains=word)
        | _in(Dataset.objects.filter(tags__name__iexact=word))
    )


def to_q(*, q: str, fq: str) -> Q:
    """One condition for `q` AND `fq`, both in the Solr subset (see solr_query)."""
    condition = Q()
    for text in (q, fq):
        if text.strip() not in MATCH_ALL:
            condition &= solr_to_q(text, fields=FIELDS, text_q=_free_text, model=Dataset)
    return condition
