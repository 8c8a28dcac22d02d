"""Catalogue rows as CKAN's dicts (package, resource, organization, group, tag, licence), key for key.

One function per shape, used by package_show and package_search alike so search results
equal package_show output. Packages are built from plain rows (`DATASET_COLUMNS`,
`RESOURCE_COLUMNS`) that selectors.package_dicts loads with a few `.values()` queries for a
whole page, which costs far less than model instances with prefetched relations.

DCAT properties CKAN has no column for travel as extras with ckanext-dcat's and
ckanext-spatial's keys (`EXTRA_FIELDS`), so package_show → package_update round-trips.
Times are UTC without an offset, as CKAN writes them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from townhall.opendata.models import Licence, Publisher, Resource, ResourceVersion, Tag, Theme

# extras key → Dataset field, for the DCAT properties CKAN keeps in extras.
EXTRA_FIELDS: dict[str, str] = {
    "frequency": "frequency",
    "temporal_start": "temporal_start",
    "temporal_end": "temporal_end",
    "spatial": "spatial_geojson",
    "spatial_text": "spatial_label",
    "issued": "published_at",
    "withdrawn_reason": "withdrawn_reason",
    "scheduled_publication": "scheduled_publication_at",
}
# Read-only extras: shown, never written from input.
READ_ONLY_EXTRAS = frozenset({"issued"})


def ckan_time(value: dt.datetime | str | None) -> str | None:
    """UTC without an offset, to the microsecond; text is taken as already formatted (by the database)."""
    if value is None or isinstance(value, str):
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def organization_dict(publisher: Publisher, *, package_count: int | None = None) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "id": str(publisher.id),
        "name": publisher.name,
        "title": publisher.title,
        "display_name": publisher.title,
        "type": "organization",
        "description": publisher.description,
        "image_url": publisher.image_url,
        "image_display_url": publisher.image_url,
        "created": ckan_time(publisher.created),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "homepage": publisher.homepage,
        "email": publisher.email,
        "publisher_type": publisher.publisher_type,
    }
    if package_count is not None:
        shape["package_count"] = package_count
    return shape


def group_dict(theme: Theme, *, package_count: int | None = None) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "id": str(theme.id),
        "name": theme.name,
        "title": theme.title,
        "display_name": theme.title,
        "type": "group",
        "description": theme.description,
        "image_url": theme.image_url,
        "image_display_url": theme.image_url,
        "created": ckan_time(theme.created),
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "iri": theme.iri,
    }
    if package_count is not None:
        shape["package_count"] = package_count
    return shape


def tag_dict(tag: Tag) -> dict[str, Any]:
    return {"id": str(tag.id), "name": tag.name, "display_name": tag.name, "state": "active", "vocabulary_id": None}


def licence_dict(licence: Licence) -> dict[str, Any]:
    conformance = "approved" if licence.is_open else "not reviewed"
    return {
        "id": licence.key,
        "title": licence.title,
        "url": licence.url,
        "status": "active",
        "maintainer": "",
        "family": "",
        "domain_content": False,
        "domain_data": True,
        "domain_software": False,
        "is_generic": False,
        "od_conformance": conformance,
        "osd_conformance": "not reviewed",
        "is_okd_compliant": licence.is_open,
        "is_osi_compliant": False,
    }


# Columns the shapes read, so callers can load them with `.values()` (no model instances for a page of results).
RESOURCE_COLUMNS = (
    "id", "dataset_id", "name", "description", "url", "upload", "format", "mimetype", "size", "hash", "position",
    "created", "last_modified", "metadata_modified", "datastore_active",
)  # fmt: skip
DATASET_COLUMNS = (
    "id", "name", "title", "notes", "state", "private", "landing_page", "version", "contact_name", "contact_email",
    "metadata_created", "metadata_modified", "extras", *EXTRA_FIELDS.values(),
    "publisher__id", "publisher__name", "publisher__title", "publisher__description", "publisher__image_url",
    "publisher__created", "licence__key", "licence__title", "licence__url", "licence__is_open",
)  # fmt: skip

# The timestamps among them (which the database may already give as ckan_time's text).
RESOURCE_TIMES = frozenset({"created", "last_modified", "metadata_modified"})
DATASET_TIMES = frozenset(
    {"metadata_created", "metadata_modified", "published_at", "scheduled_publication_at", "publisher__created"}
)
# A dataset's tag and theme links (the through tables' rows), for package_dict.
PACKAGE_TAG_COLUMNS = ("tag_id", "tag__name")
PACKAGE_GROUP_COLUMNS = ("theme_id", "theme__name", "theme__title", "theme__description", "theme__image_url")


def _upload_url(*, dataset_id: Any, resource_id: Any, upload: str, site_url: str) -> str:
    filename = upload.rsplit("/", 1)[-1]
    return f"{site_url}/dataset/{dataset_id}/resource/{resource_id}/download/{filename}"


def resource_url(resource: Resource, *, site_url: str) -> str:
    """A link resource's own URL; an uploaded file's download address on this site."""
    if resource.upload:
        upload = resource.upload.name or ""
        return _upload_url(dataset_id=resource.dataset_id, resource_id=resource.id, upload=upload, site_url=site_url)
    return resource.url


def version_url(version: ResourceVersion, *, dataset_id: Any, site_url: str) -> str:
    """A version's own download address, which never changes (the file behind it never does)."""
    filename = (version.file.name or "").rsplit("/", 1)[-1]
    return (
        f"{site_url}/dataset/{dataset_id}/resource/{version.resource_id}/version/{version.number}/download/{filename}"
    )


def resource_row_dict(row: Mapping[str, Any], *, site_url: str) -> dict[str, Any]:
    """CKAN's resource dict from RESOURCE_COLUMNS (`upload` the stored file's name, "" for a link)."""
    upload = row["upload"] or ""
    if upload:
        url = _upload_url(dataset_id=row["dataset_id"], resource_id=row["id"], upload=upload, site_url=site_url)
    else:
        url = row["url"]
    return {
        "id": str(row["id"]),
        "package_id": str(row["dataset_id"]),
        "name": row["name"],
        "description": row["description"],
        "url": url,
        "url_type": "upload" if upload else None,
        "format": row["format"],
        "mimetype": row["mimetype"] or None,
        "mimetype_inner": None,
        "size": row["size"],
        "hash": row["hash"],
        "position": row["position"],
        "created": ckan_time(row["created"]),
        "last_modified": ckan_time(row["last_modified"]),
        "metadata_modified": ckan_time(row["metadata_modified"]),
        "datastore_active": row["datastore_active"],
        "state": "active",
        "resource_type": None,
        "cache_url": None,
        "cache_last_updated": None,
    }


def resource_dict(resource: Resource, *, site_url: str) -> dict[str, Any]:
    row = {column: getattr(resource, column) for column in RESOURCE_COLUMNS if column != "upload"}
    row["upload"] = resource.upload.name if resource.upload else ""
    return resource_row_dict(row, site_url=site_url)


def _extra_value(value: Any, field: str) -> str:
    if value is None or value == "":
        return ""
    if field == "spatial_geojson":
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, dt.datetime):
        return ckan_time(value) or ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def extras_list(dataset: Mapping[str, Any]) -> list[dict[str, str]]:
    """The dataset's own extras, then the DCAT properties that have a value, sorted by key as CKAN does."""
    extras = {str(item["key"]): str(item["value"]) for item in dataset["extras"]}
    for key, field in EXTRA_FIELDS.items():
        value = _extra_value(dataset[field], field)
        if value:
            extras[key] = value
    return [{"key": key, "value": extras[key]} for key in sorted(extras)]


def package_dict(
    dataset: Mapping[str, Any],
    *,
    resources: Sequence[Mapping[str, Any]],
    tags: Sequence[Mapping[str, Any]],
    groups: Sequence[Mapping[str, Any]],
    site_url: str,
) -> dict[str, Any]:
    """CKAN's package_show result for one dataset from DATASET_COLUMNS, its resources (RESOURCE_COLUMNS),
    tags (PACKAGE_TAG_COLUMNS) and groups (PACKAGE_GROUP_COLUMNS), as selectors.package_dicts loads them."""
    resources = sorted(resources, key=lambda resource: (resource["position"], resource["created"]))
    tags = sorted(tags, key=lambda tag: tag["tag__name"])
    groups = sorted(groups, key=lambda theme: theme["theme__name"])
    return {
        "id": str(dataset["id"]),
        "name": dataset["name"],
        "title": dataset["title"],
        "notes": dataset["notes"],
        "type": "dataset",
        "state": dataset["state"],
        "private": dataset["private"],
        "url": dataset["landing_page"],
        "version": dataset["version"] or None,
        "author": None,
        "author_email": None,
        "maintainer": dataset["contact_name"] or None,
        "maintainer_email": dataset["contact_email"] or None,
        "creator_user_id": None,
        "license_id": dataset["licence__key"],
        "license_title": dataset["licence__title"],
        "license_url": dataset["licence__url"],
        "isopen": dataset["licence__is_open"],
        "metadata_created": ckan_time(dataset["metadata_created"]),
        "metadata_modified": ckan_time(dataset["metadata_modified"]),
        "owner_org": str(dataset["publisher__id"]),
        "organization": {
            "id": str(dataset["publisher__id"]),
            "name": dataset["publisher__name"],
            "title": dataset["publisher__title"],
            "type": "organization",
            "description": dataset["publisher__description"],
            "image_url": dataset["publisher__image_url"],
            "created": ckan_time(dataset["publisher__created"]),
            "is_organization": True,
            "approval_status": "approved",
            "state": "active",
        },
        "groups": [
            {
                "id": str(theme["theme_id"]),
                "name": theme["theme__name"],
                "title": theme["theme__title"],
                "display_name": theme["theme__title"],
                "description": theme["theme__description"],
                "image_display_url": theme["theme__image_url"],
            }
            for theme in groups
        ],
        "tags": [
            {
                "id": str(tag["tag_id"]),
                "name": tag["tag__name"],
                "display_name": tag["tag__name"],
                "state": "active",
                "vocabulary_id": None,
            }
            for tag in tags
        ],
        "num_tags": len(tags),
        "resources": [resource_row_dict(resource, site_url=site_url) for resource in resources],
        "num_resources": len(resources),
        "extras": extras_list(dataset),
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }
