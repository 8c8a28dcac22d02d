"""Every read of the catalogue: who sees which datasets, and CKAN's read actions as dicts.

Visibility: the public sees active, non-private datasets whose scheduled publication time
(if any) has passed; withdrawn ones stay showable by name but leave lists and searches.
Data stewards (permissions.can_manage_datasets) see everything, and lists include private
and draft datasets only when they ask (include_private / include_drafts), as in CKAN.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Count, Func, IntegerField, Min, Prefetch, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from townhall.accounts.models import User
from townhall.opendata import ckan_shapes, search_index
from townhall.opendata.models import (
    ApiToken,
    Dataset,
    DatasetSearchRow,
    DatasetState,
    Licence,
    Publisher,
    Resource,
    Tag,
    Theme,
    token_digest,
)
from townhall.opendata.permissions import can_manage_datasets
from townhall.opendata.search import MATCH_ALL, SearchQueryError, relevance, to_q

AnyUser = User | AnonymousUser | None

ROWS_DEFAULT = 10
ROWS_MAX = 1000
FACET_LIMIT_DEFAULT = 50
BROWSE_CACHE_SECONDS = 3600  # an upper bound only: a write changes the catalogue version, and so the key
DEFAULT_SORT = "score desc, metadata_modified desc"
# sort field → model field; "score" is relevance to q's free text (search.relevance), skipped when q has none.
SORT_FIELDS = {
    "id": "id",
    "name": "name",
    "title": "title",
    "title_string": "title",
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "score": "score",
}
FACET_TITLES = {
    "organization": "Organizations",
    "groups": "Groups",
    "tags": "Tags",
    "res_format": "Formats",
    "license_id": "Licenses",
}


# --- tokens -----------------------------------------------------------------------------------------


def api_token_user(*, raw_token: str) -> User | None:
    """The active user a CKAN API token belongs to, or None (unknown, revoked, or the account is closed)."""
    raw_token = raw_token.strip()
    if not raw_token:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_digest(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return token.user if token is not None else None


def token_holder_by_email(*, email: str) -> User | None:
    """The account a token is issued to (`townhall apitoken`), by email address in any case."""
    return User.objects.filter(email__iexact=email.strip()).first()


def api_tokens_of(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))


# --- which datasets --------------------------------------------------------------------------------


def _public_q() -> Q:
    now = timezone.now()
    scheduled_passed = Q(scheduled_publication_at__isnull=True) | Q(scheduled_publication_at__lte=now)
    return Q(state=DatasetState.ACTIVE, private=False) & scheduled_passed


def datasets_listed(
    *, user: AnyUser, include_private: bool = False, include_drafts: bool = False, include_withdrawn: bool = False
) -> QuerySet[Dataset]:
    """Datasets lists and searches show this user (see the module docstring).

    `include_withdrawn` adds public withdrawn datasets, which stay findable on /data/ (marked
    withdrawn) when someone asks for them; CKAN's own lists never include them.
    """
    return Dataset.objects.filter(
        _listed_q(
            user=user,
            include_private=include_private,
            include_drafts=include_drafts,
            include_withdrawn=include_withdrawn,
        )
    )


def _listed_q(*, user: AnyUser, include_private: bool, include_drafts: bool, include_withdrawn: bool) -> Q:
    """datasets_listed's condition, on columns Dataset and DatasetSearchRow share (state, private, schedule)."""
    condition = _public_q()
    if include_withdrawn:
        condition |= Q(state=DatasetState.WITHDRAWN, private=False)
    if can_manage_datasets(user):
        condition = Q(state=DatasetState.ACTIVE) if include_private else condition
        if include_drafts:
            drafts = Q(state__in=[DatasetState.DRAFT, DatasetState.IN_REVIEW])
            condition |= drafts if include_private else drafts & Q(private=False)
    return condition


def datasets_showable(*, user: AnyUser) -> QuerySet[Dataset]:
    """Datasets this user may open by id or name: lists' public ones plus withdrawn; everything for stewards."""
    if can_manage_datasets(user):
        return Dataset.objects.all()
    return Dataset.objects.filter(_public_q() | Q(state=DatasetState.WITHDRAWN, private=False))


def datasets_for_shapes(queryset: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Datasets with their publisher, licence, tags, themes and resources, in a fixed number of queries (DCAT's
    documents, the services' edits); CKAN's package dicts come from package_dicts instead."""
    return queryset.select_related("publisher", "licence").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("themes", queryset=Theme.objects.order_by("name")),
        Prefetch("resources", queryset=Resource.objects.order_by("position", "created")),
    )


def _by_id_or_name(queryset: QuerySet[Dataset], id_or_name: str) -> Dataset | None:
    try:
        as_id = uuid.UUID(str(id_or_name))
    except ValueError:
        return queryset.filter(name=id_or_name).first()
    return queryset.filter(Q(pk=as_id) | Q(name=id_or_name)).first()


def dataset_for_write(*, id_or_name: str) -> Dataset | None:
    """Any dataset, for services (the caller has checked who is asking)."""
    return _by_id_or_name(datasets_for_shapes(Dataset.objects.all()), id_or_name)


def publisher_by_id_or_name(*, id_or_name: str) -> Publisher | None:
    try:
        return Publisher.objects.filter(pk=uuid.UUID(str(id_or_name))).first()
    except ValueError:
        return Publisher.objects.filter(name=id_or_name).first()


def theme_by_id_or_name(*, id_or_name: str) -> Theme | None:
    try:
        return Theme.objects.filter(pk=uuid.UUID(str(id_or_name))).first()
    except ValueError:
        return Theme.objects.filter(name=id_or_name).first()


def licence_default() -> Licence | None:
    return Licence.objects.filter(is_default=True).first()


def licence_by_key(*, key: str) -> Licence | None:
    return Licence.objects.filter(key=key).first()


def resource_for_show(*, user: AnyUser, resource_id: str) -> Resource | None:
    try:
        as_id = uuid.UUID(str(resource_id))
    except ValueError:
        return None
    visible = datasets_showable(user=user).values("pk")
    return Resource.objects.select_related("dataset").filter(pk=as_id, dataset__in=visible).first()


# --- CKAN read actions -----------------------------------------------------------------------------


def package_list(*, limit: int | None = None, offset: int = 0) -> list[str]:
    """Names of the public datasets, by name (CKAN lists only public, active datasets here, whoever asks)."""
    names = datasets_listed(user=None).order_by("name").values_list("name", flat=True)
    return list(names[offset : offset + limit] if limit is not None else names[offset:])


PACKAGE_DICTS_BATCH = 500  # ids per query: SQLite limits the parameters of one statement


class _CkanTimeText(Func):
    """PostgreSQL: a timestamp as CKAN writes it (UTC, no offset, microseconds), formatted by the database.

    Equal to ckan_shapes.ckan_time's text, without parsing and formatting hundreds of datetimes a page in Python.
    """

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    output_field = CharField()


def _values(queryset: QuerySet[Any], columns: tuple[str, ...], times: frozenset[str]) -> Iterator[dict[str, Any]]:
    """Rows of `columns`, no ORDER BY; on PostgreSQL the `times` columns come as CKAN's text already."""
    if connection.vendor != "postgresql":
        yield from queryset.order_by().values(*columns)
        return
    texts = {f"ckan_{column}": column for column in columns if column in times}
    plain = [column for column in columns if column not in times]
    for row in queryset.order_by().values(*plain, **{name: _CkanTimeText(column) for name, column in texts.items()}):
        for name, column in texts.items():
            row[column] = row.pop(name)
        yield row


def package_dicts(ids: list[uuid.UUID], *, site_url: str) -> list[dict[str, Any]]:
    """package_show's dict for each dataset in `ids`, in that order (missing ones skipped).

    Four `.values()` queries a batch (datasets with publisher and licence, resources, tags,
    themes), sorted here: a page of 100 results costs a fraction of model instances with prefetches.
    """
    shapes: dict[uuid.UUID, dict[str, Any]] = {}
    for offset in range(0, len(ids), PACKAGE_DICTS_BATCH):
        batch = ids[offset : offset + PACKAGE_DICTS_BATCH]
        resources: dict[uuid.UUID, list[dict[str, Any]]] = {pk: [] for pk in batch}
        tags: dict[uuid.UUID, list[dict[str, Any]]] = {pk: [] for pk in batch}
        groups: dict[uuid.UUID, list[dict[str, Any]]] = {pk: [] for pk in batch}
        found = Resource.objects.filter(dataset_id__in=batch)
        for row in _values(found, ckan_shapes.RESOURCE_COLUMNS, ckan_shapes.RESOURCE_TIMES):
            resources[row["dataset_id"]].append(row)
        links = Dataset.tags.through.objects.filter(dataset_id__in=batch)
        for row in links.order_by().values("dataset_id", *ckan_shapes.PACKAGE_TAG_COLUMNS):
            tags[row["dataset_id"]].append(row)
        themes = Dataset.themes.through.objects.filter(dataset_id__in=batch)
        for row in themes.order_by().values("dataset_id", *ckan_shapes.PACKAGE_GROUP_COLUMNS):
            groups[row["dataset_id"]].append(row)
        for row in _values(
            Dataset.objects.filter(pk__in=batch), ckan_shapes.DATASET_COLUMNS, ckan_shapes.DATASET_TIMES
        ):
            pk = row["id"]
            shapes[pk] = ckan_shapes.package_dict(
                row, resources=resources[pk], tags=tags[pk], groups=groups[pk], site_url=site_url
            )
    return [shapes[pk] for pk in ids if pk in shapes]


def package_show(*, user: AnyUser, id_or_name: str, site_url: str) -> dict[str, Any] | None:
    found = _by_id_or_name(datasets_showable(user=user), id_or_name)
    return package_dicts([found.pk], site_url=site_url)[0] if found is not None else None


def _ordering(sort: str) -> list[str]:
    ordering: list[str] = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or words[0] not in SORT_FIELDS or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise SearchQueryError(f'Invalid "sort" parameter: {sort!r}')
        field = SORT_FIELDS[words[0]]
        ordering.append(("-" if len(words) == 2 and words[1] == "desc" else "") + field)
    if not any(item.lstrip("-") == "id" for item in ordering):
        ordering.append("id")  # stable pages
    return ordering


@dataclass(frozen=True)
class _Facet:
    name: str
    display_name: str
    count: int


@dataclass(frozen=True)
class _FacetSource:
    """A facet field's value and label on the found datasets; `many` when one dataset can hold a value twice."""

    name: str
    title: str
    many: bool = False


# CKAN facet field → where its values are, on SQLite: one GROUP BY each over the found datasets themselves
# (joined to the relation); an empty value is no value. PostgreSQL: search_index.pg_count_and_facets.
FACET_SOURCES: dict[str, _FacetSource] = {
    "organization": _FacetSource("publisher__name", "publisher__title"),
    "license_id": _FacetSource("licence__key", "licence__title"),
    "groups": _FacetSource("themes__name", "themes__title"),
    "tags": _FacetSource("tags__name", "tags__name"),
    "res_format": _FacetSource("resources__format", "resources__format", many=True),
}


def _facet_counts(found: QuerySet[Dataset], field: str, limit: int | None) -> list[_Facet]:
    """SQLite: one facet, one GROUP BY (catalogues there are small; PostgreSQL uses the index rows)."""
    source = FACET_SOURCES[field]
    rows = (
        found.filter(**{f"{source.name}__gt": ""})
        .values(*dict.fromkeys((source.name, source.title)))
        .annotate(count=Count("pk", distinct=source.many))
        .order_by("-count", source.name)
    )
    return [_Facet(row[source.name], row[source.title], row["count"]) for row in rows[:limit]]


def _pg_count_and_facets(
    found: QuerySet[Dataset], fields: list[str], limit: int | None, *, ordering: list[str], page: tuple[int, int] | None
) -> tuple[int, dict[str, list[_Facet]], list[uuid.UUID]]:
    """PostgreSQL: the count, facets and (if `page`) the page's ids in `ordering`, in one statement."""
    position = Window(RowNumber(), order_by=ordering) if page else Value(0, output_field=IntegerField())
    numbered = found.order_by().annotate(position=position)
    ids = numbered.values_list(
        "pk", "publisher_id", "licence_id", "position", "facet_themes", "facet_tags", "facet_formats"
    )
    count, rows, page_ids = search_index.pg_count_and_facets(
        connection, ids.query.sql_with_params(), fields, limit, page
    )
    facets = {field: [_Facet(*row) for row in items] for field, items in rows.items()}
    return count, facets, [uuid.UUID(dataset_id) for dataset_id in page_ids]


def _count_and_facets(
    found: QuerySet[Dataset],
    *,
    fields: list[str],
    limit: int | None,
    browse_key: str | None,
    ordering: list[str],
    page: tuple[int, int] | None,
) -> tuple[int, dict[str, list[_Facet]], list[uuid.UUID] | None]:
    """How many datasets were found, their facets, and the page's ids when that came in the same query.

    PostgreSQL answers a search (count, facets, page) in one statement over the index rows
    (search_index). Browsing with no `q` or `fq` (`browse_key` says for whom) facets the whole
    catalogue, which no query makes cheap, so that count and those facets are cached under the
    catalogue version (changed by every write, see search_index) until the next scheduled
    publication, if any, makes them stale; the page is then a query of its own.
    """
    if connection.vendor != "postgresql":
        return found.count(), {field: _facet_counts(found, field, limit) for field in fields}, None
    if browse_key is None:
        return _pg_count_and_facets(found, fields, limit, ordering=ordering, page=page)
    version = search_index.catalogue_version(connection)
    key = f"opendata:browse:{version}:{browse_key}:{','.join(fields)}:{limit}"
    now = timezone.now()
    cached = cache.get(key)
    if cached is not None and (cached[2] is None or now < cached[2]):
        return cached[0], cached[1], None
    stale_at = Dataset.objects.filter(scheduled_publication_at__gt=now).aggregate(
        first=Min("scheduled_publication_at")
    )["first"]
    count, facets, _ = _pg_count_and_facets(found, fields, limit, ordering=ordering, page=None)
    cache.set(key, (count, facets, stale_at), BROWSE_CACHE_SECONDS)
    return count, facets, None


def package_search(
    *,
    user: AnyUser,
    site_url: str,
    q: str = "",
    fq: str = "",
    rows: int = ROWS_DEFAULT,
    start: int = 0,
    sort: str = "",
    facet_fields: list[str] | None = None,
    facet_limit: int = FACET_LIMIT_DEFAULT,
    include_private: bool = False,
    include_drafts: bool = False,
    include_withdrawn: bool = False,
) -> dict[str, Any]:
    """CKAN's package_search result; each result equals package_show's. Raises SearchQueryError.

    `q`/`fq` go through search.to_q (fields exactly, free text through the database's full-text
    index); `score` in `sort` ranks by q's free text (search.relevance) and is skipped without it.
    """
    sort = sort.strip() or DEFAULT_SORT
    ordering = _ordering(sort)
    rows = max(0, min(rows, ROWS_MAX))
    fields = list(dict.fromkeys(facet_fields or []))
    for field in fields:
        if field not in FACET_SOURCES:
            raise SearchQueryError(f"undefined field {field}")
    listed = _listed_q(
        user=user, include_private=include_private, include_drafts=include_drafts, include_withdrawn=include_withdrawn
    )
    # PostgreSQL searches the full-text index rows themselves (visibility, publisher, licence and dates are
    # copied onto them); SQLite searches the datasets with FTS5 subqueries.
    index_rows = connection.vendor == "postgresql"
    found: QuerySet[Any] = (
        DatasetSearchRow.objects.filter(listed)
        .filter(to_q(q=q, fq=fq, rows=True))
        .annotate(**search_index.row_facet_values())
        if index_rows
        else Dataset.objects.filter(listed).filter(to_q(q=q, fq=fq))
    )
    if index_rows:
        ordering = ["dataset_id" if key == "id" else "-dataset_id" if key == "-id" else key for key in ordering]
    steward = can_manage_datasets(user)
    browsing = q.strip() in MATCH_ALL and fq.strip() in MATCH_ALL
    browse_key = f"{steward and include_private}:{steward and include_drafts}:{include_withdrawn}" if browsing else None
    limit = None if facet_limit < 0 else facet_limit
    score = relevance(q=q, rows=index_rows) if any(key.lstrip("-") == "score" for key in ordering) else None
    if score is not None:
        found = found.annotate(score=score)
    else:
        ordering = [key for key in ordering if key.lstrip("-") != "score"]
    count, counted, page_ids = _count_and_facets(
        found,
        fields=fields,
        limit=limit,
        browse_key=browse_key,
        ordering=ordering,
        page=(start, rows) if rows else None,
    )
    if page_ids is None:  # the page's ids first (a narrow sort), then only those rows in full
        wanted = found.order_by(*ordering).values_list("pk", flat=True)[start : start + rows]
        page_ids = list(wanted) if rows and start < count else []
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict[str, Any]] = {}
    for field in fields:
        facets[field] = {facet.name: facet.count for facet in counted[field]}
        search_facets[field] = {
            "title": field,
            "items": [
                {"name": facet.name, "display_name": facet.display_name, "count": facet.count}
                for facet in counted[field]
            ],
        }
    return {
        "count": count,
        "sort": sort,
        "results": package_dicts(page_ids, site_url=site_url),
        "facets": facets,
        "search_facets": search_facets,
    }


def current_package_list_with_resources(*, site_url: str, limit: int | None, offset: int) -> list[dict[str, Any]]:
    """Public datasets, most recently changed first, as package_show shows them."""
    found = datasets_listed(user=None).order_by("-metadata_modified", "id").values_list("pk", flat=True)
    page = found[offset : offset + limit] if limit is not None else found[offset:]
    return package_dicts(list(page), site_url=site_url)


def _public_count() -> Count:
    return Count("datasets", filter=Q(datasets__in=datasets_listed(user=None).values("pk")), distinct=True)


def organization_list(
    *, all_fields: bool, sort: str = "title asc", limit: int | None = None, offset: int = 0
) -> list[Any]:
    order = "-" if sort.strip().endswith("desc") else ""
    key = "name" if sort.strip().startswith("name") else "title"
    found = Publisher.objects.annotate(package_count=_public_count()).order_by(order + key, "name")
    page = found[offset : offset + limit] if limit is not None else found[offset:]
    if not all_fields:
        return [publisher.name for publisher in page]
    return [ckan_shapes.organization_dict(p, package_count=p.package_count) for p in page]


def group_list(*, all_fields: bool, sort: str = "title asc", limit: int | None = None, offset: int = 0) -> list[Any]:
    order = "-" if sort.strip().endswith("desc") else ""
    key = "name" if sort.strip().startswith("name") else "title"
    found = Theme.objects.annotate(package_count=_public_count()).order_by(order + key, "name")
    page = found[offset : offset + limit] if limit is not None else found[offset:]
    if not all_fields:
        return [theme.name for theme in page]
    return [ckan_shapes.group_dict(t, package_count=t.package_count) for t in page]


def organization_show(*, id_or_name: str, include_datasets: bool, site_url: str) -> dict[str, Any] | None:
    publisher = publisher_by_id_or_name(id_or_name=id_or_name)
    if publisher is None:
        return None
    public = datasets_listed(user=None).filter(publisher=publisher)
    shape = ckan_shapes.organization_dict(publisher, package_count=public.count())
    shape.update({"users": [], "tags": [], "groups": [], "extras": []})
    if include_datasets:
        shape["packages"] = package_dicts(list(public.order_by("name").values_list("pk", flat=True)), site_url=site_url)
    return shape


def group_show(*, id_or_name: str, include_datasets: bool, site_url: str) -> dict[str, Any] | None:
    theme = theme_by_id_or_name(id_or_name=id_or_name)
    if theme is None:
        return None
    public = datasets_listed(user=None).filter(themes=theme)
    shape = ckan_shapes.group_dict(theme, package_count=public.count())
    shape.update({"users": [], "tags": [], "groups": [], "extras": []})
    if include_datasets:
        shape["packages"] = package_dicts(list(public.order_by("name").values_list("pk", flat=True)), site_url=site_url)
    return shape


def tag_list(*, query: str = "", all_fields: bool = False) -> list[Any]:
    """Tags on public datasets, by name; `query` narrows to names containing it."""
    found = Tag.objects.filter(datasets__in=datasets_listed(user=None).values("pk")).distinct().order_by("name")
    if query:
        found = found.filter(name__icontains=query)
    return [ckan_shapes.tag_dict(tag) for tag in found] if all_fields else [tag.name for tag in found]


def licence_list() -> list[dict[str, Any]]:
    return [ckan_shapes.licence_dict(licence) for licence in Licence.objects.order_by("title")]


def resource_show(*, user: AnyUser, resource_id: str, site_url: str) -> dict[str, Any] | None:
    resource = resource_for_show(user=user, resource_id=resource_id)
    return ckan_shapes.resource_dict(resource, site_url=site_url) if resource is not None else None


def api_token_of(*, user: User, token_id: uuid.UUID) -> ApiToken | None:
    return ApiToken.objects.filter(user=user, pk=token_id).first()


def datasets_first_published(*, published_from: dt.datetime, published_before: dt.datetime) -> QuerySet[Dataset]:
    """Public datasets first published in [published_from, published_before): Insight's "datasets published"."""
    return Dataset.objects.filter(_public_q(), published_at__gte=published_from, published_at__lt=published_before)
