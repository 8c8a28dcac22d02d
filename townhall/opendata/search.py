"""package_search's query language, for now: free text in `q`, exact `field:value` / `field:"value"` terms in `fq`.

Terms are joined by spaces (AND). `FIELDS` names what may be filtered and the database
lookup behind it, so the full Solr-syntax parser (solr_query.py) can take over `q`/`fq`
through `to_q` without changing selectors.package_search.
"""

from __future__ import annotations

import re
import shlex
import uuid
from collections.abc import Callable

from django.db.models import Q, QuerySet

from townhall.opendata.models import Dataset


class SearchQueryError(ValueError):
    """The query cannot be understood (CKAN answers "Search Query Error", HTTP 400)."""


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


# field → how one value is matched. Relations go through subqueries, so terms never duplicate rows.
FIELDS: dict[str, Callable[[str], Q]] = {
    "id": _by_id,
    "name": lambda value: Q(name=value),
    "title": lambda value: Q(title__iexact=value),
    "organization": lambda value: Q(publisher__name=value),
    "owner_org": _by_owner,
    "groups": lambda value: _in(Dataset.objects.filter(themes__name=value)),
    "tags": lambda value: _in(Dataset.objects.filter(tags__name=value)),
    "res_format": lambda value: _in(Dataset.objects.filter(resources__format__iexact=value)),
    "license_id": lambda value: Q(licence__key=value),
    "version": lambda value: Q(version=value),
    "dataset_type": lambda value: Q() if value == "dataset" else Q(pk__in=[]),
    "type": lambda value: Q() if value == "dataset" else Q(pk__in=[]),
}
TERM = re.compile(r"^(?P<negate>[-+]?)(?P<field>[A-Za-z_]+):(?P<value>.+)$", re.DOTALL)
MATCH_ALL = {"", "*:*", "*"}


def _terms(text: str, *, strict: bool) -> list[str]:
    """Space-separated terms, double quotes grouping; free text with a stray quote is split on spaces."""
    try:
        return shlex.split(text, posix=True)
    except ValueError as error:
        if strict:
            raise SearchQueryError(f"Cannot parse {text!r}: {error}") from None
        return text.split()


def _field_term(term: str) -> Q | None:
    """`field:value` as a Q, None for a plain word; unknown fields are refused."""
    found = TERM.match(term)
    if found is None:
        return None
    field = found["field"]
    if field not in FIELDS:
        raise SearchQueryError(f"undefined field {field}")
    condition = FIELDS[field](found["value"])
    return ~condition if found["negate"] == "-" else condition


def _free_text(word: str) -> Q:
    return (
        Q(title__icontains=word)
        | Q(name__icontains=word)
        | Q(notes__icontains=word)
        | Q(publisher__title__icontains=word)
        | _in(Dataset.objects.filter(tags__name__iexact=word))
    )


def to_q(*, q: str, fq: str) -> Q:
    """One condition for `q` (words and field terms) AND `fq` (field terms only)."""
    condition = Q()
    if q.strip() not in MATCH_ALL:
        for term in _terms(q, strict=False):
            found = _field_term(term)
            condition &= found if found is not None else _free_text(term)
    if fq.strip() not in MATCH_ALL:
        for term in _terms(fq, strict=True):
            found = _field_term(term)
            if found is None:
                raise SearchQueryError(f"fq terms must be field:value, not {term!r}")
            condition &= found
    return condition
