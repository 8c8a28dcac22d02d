"""package_search's query language: the Solr subset CKAN clients and harvesters send, in `q` and `fq`.

`solr_query` parses it; `FIELDS` says which CKAN field names may be used and where each
lives (relations through subqueries, so terms never duplicate rows). A bare word or quoted
phrase is full-text search in the database (`search_index`: PostgreSQL full-text search,
SQLite FTS5), with stemming; `relevance` ranks by the positive free-text terms of `q` for
`sort=score desc`. Anything outside the subset is a SearchQueryError.
"""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from townhall.opendata import search_index
from townhall.opendata.models import Dataset
from townhall.opendata.solr_query import And, Field, FieldMap, Node, Or, SearchQueryError, Text, parse, solr_to_q

__all__ = ["FIELDS", "MATCH_ALL", "SearchQueryError", "relevance", "to_q"]


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
# The same fields for a search over the index rows (PostgreSQL, models.DatasetSearchRow): the columns copied
# onto the row are read there, notes and version through the row's dataset; to-many fields keep their
# Dataset paths, as each is its own `pk__in` subquery over Dataset (the row's key is the dataset's).
# Exact tags, groups and formats are read from the row's facet arrays (GIN-indexed tags and themes).
ROW_FIELDS: FieldMap = {
    **FIELDS,
    "notes": Field("dataset__notes", lookup="icontains"),
    "version": Field("dataset__version"),
    "groups": Field("themes__name", many=True, exact=lambda value: search_index.row_array_has("themes", value)),
    "tags": Field("tags__name", many=True, exact=lambda value: search_index.row_array_has("tags", value)),
    "res_format": Field(
        "resources__format",
        lookup="iexact",
        many=True,
        exact=lambda value: search_index.row_array_has("formats", value, ignore_case=True),
    ),
}


def _free_text(term: str) -> Q:
    """A bare word (`word*` a prefix) or a quoted phrase, against the full-text index."""
    return search_index.matches(term, vendor=connection.vendor)


def _positive_text(node: Node) -> list[str]:
    """Free-text terms that a result may match (those under NOT only exclude, so they do not rank)."""
    if isinstance(node, Text):
        return [node.value]
    if isinstance(node, And | Or):
        return [term for child in node.children for term in _positive_text(child)]
    return []


def relevance(*, q: str, rows: bool = False) -> RawSQL | None:
    """The relevance score of `q`'s free text (higher first), or None when `q` has none.

    `rows`: for a query over the index rows (PostgreSQL, see `to_q`).
    """
    if q.strip() in MATCH_ALL:
        return None
    terms = _positive_text(parse(q))
    return search_index.row_relevance(terms) if rows else search_index.relevance(terms, vendor=connection.vendor)


def to_q(*, q: str, fq: str, rows: bool = False) -> Q:
    """One condition for `q` AND `fq`, both in the Solr subset (see solr_query).

    For Dataset, or with `rows` for the full-text index rows (PostgreSQL's models.DatasetSearchRow),
    where free text is a condition on the row's own document.
    """
    condition = Q()
    for text in (q, fq):
        if text.strip() not in MATCH_ALL:
            if rows:
                condition &= solr_to_q(text, fields=ROW_FIELDS, text_q=search_index.row_matches, model=Dataset)
            else:
                condition &= solr_to_q(text, fields=FIELDS, text_q=_free_text, model=Dataset)
    return condition
