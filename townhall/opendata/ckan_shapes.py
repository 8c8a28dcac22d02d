"""Catalogue rows as CKAN's dicts (package, resource, organization, group, tag, licence), key for key.

One function per shape, used by package_show and package_search alike so search results
equal package_show output. The rows must come with their relations loaded
(selectors.datasets_for_shapes) or this module makes one query per relation.

DCAT properties CKAN has no column for travel as extras with ckanext-dcat's and
ckanext-spatial's keys (`EXTRA_FIELDS`), so package_show → package_update round-trips.
Times are UTC without an offset, as CKAN writes them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from townhall.opendata.models import Dataset, Licence, Publisher, Resource, ResourceVersion, Tag, Theme

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


def ckan_time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value, dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


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


def _package_organization(publisher: Publisher) -> dict[str, Any]:
    """The organization as package_show nests it (CKAN's shorter form)."""
    return {
        "id": str(publisher.id),
        "name": publisher.name,
        "title": publisher.title,
        "type": "organization",
        "description": publisher.description,
        "image_url": publisher.image_url,
        "created": ckan_time(publisher.created),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }


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


def _package_group(theme: Theme) -> dict[str, Any]:
    return {
        "id": str(theme.id),
        "name": theme.name,
        "title": theme.title,
        "display_name": theme.title,
        "description": theme.description,
        "image_display_url": theme.image_url,
    }


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


def resource_url(resource: Resource, *, site_url: str) -> str:
    """A link resource's own URL; an uploaded file's download address on this site."""
    if resource.upload:
        filename = (resource.upload.name or "").rsplit("/", 1)[-1]
        return f"{site_url}/dataset/{resource.dataset_id}/resource/{resource.id}/download/{filename}"
    return resource.url


def version_url(version: ResourceVersion, *, dataset_id: Any, site_url: str) -> str:
    """A version's own download address, which never changes (the file behind it never does)."""
    filename = (version.file.name or "").rsplit("/", 1)[-1]
    return (
        f"{site_url}/dataset/{dataset_id}/resource/{version.resource_id}/version/{version.number}/download/{filename}"
    )


def resource_dict(resource: Resource, *, site_url: str) -> dict[str, Any]:
    return {
        "id": str(resource.id),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description,
        "url": resource_url(resource, site_url=site_url),
        "url_type": "upload" if resource.upload else None,
        "format": resource.format,
        "mimetype": resource.mimetype or None,
        "mimetype_inner": None,
        "size": resource.size,
        "hash": resource.hash,
        "position": resource.position,
        "created": ckan_time(resource.created),
        "last_modified": ckan_time(resource.last_modified),
        "metadata_modified": ckan_time(resource.metadata_modified),
        "datastore_active": resource.datastore_active,
        "state": "active",
        "resource_type": None,
        "cache_url": None,
        "cache_last_updated": None,
    }


def _extra_value(dataset: Dataset, field: str) -> str:
    value = getattr(dataset, field)
    if value is None or value == "":
        return ""
    if field == "spatial_geojson":
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, dt.datetime):
        return ckan_time(value) or ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def extras_list(dataset: Dataset) -> list[dict[str, str]]:
    """The dataset's own extras, then the DCAT properties that have a value, sorted by key as CKAN does."""
    extras = {str(item["key"]): str(item["value"]) for item in dataset.extras}
    for key, field in EXTRA_FIELDS.items():
        value = _extra_value(dataset, field)
        if value:
            extras[key] = value
    return [{"key": key, "value": extras[key]} for key in sorted(extras)]


def package_dict(dataset: Dataset, *, site_url: str) -> dict[str, Any]:
    """CKAN's package_show result for one dataset (relations preloaded; see the module docstring)."""
    resources = sorted(dataset.resources.all(), key=lambda resource: (resource.position, resource.created))
    tags = sorted(dataset.tags.all(), key=lambda tag: tag.name)
    groups = sorted(dataset.themes.all(), key=lambda theme: theme.name)
    licence = dataset.licence
    publisher = dataset.publisher
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "type": "dataset",
        "state": dataset.state,
        "private": dataset.private,
        "url": dataset.landing_page,
        "version": dataset.version or None,
        "author": None,
        "author_email": None,
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "creator_user_id": None,
        "license_id": licence.key,
        "license_title": licence.title,
        "license_url": licence.url,
        "isopen": licence.is_open,
        "metadata_created": ckan_time(dataset.metadata_created),
        "metadata_modified": ckan_time(dataset.metadata_modified),
        "owner_org": str(publisher.id),
        "organization": _package_organization(publisher),
        "groups": [_package_group(theme) for theme in groups],
        "tags": [tag_dict(tag) for tag in tags],
        "num_tags": len(tags),
        "resources": [resource_dict(resource, site_url=site_url) for resource in resources],
        "num_resources": len(resources),
        "extras": extras_list(dataset),
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }
