"""CKAN's input dicts (package_create/update, resource_create/patch) turned into the services' fields.

CKAN clients send numbers and booleans as strings too, and send back whatever package_show
gave them (read-only keys such as `metadata_modified` or `num_tags` included), so unknown
and read-only keys are ignored. Every problem is a ValidationError keyed by CKAN's field
name, as CKAN reports them ("Missing value", "That URL is already in use.").
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.dateparse import parse_date, parse_datetime

from townhall.opendata import ckan_shapes, selectors
from townhall.opendata.models import Dataset, DatasetState, Resource, Theme, name_validator
from townhall.opendata.services import DatasetFields, ResourceFields

MISSING = "Missing value"
# Model field → CKAN key, so a model's full_clean errors read in CKAN's words.
CKAN_KEYS = {
    "publisher": "owner_org",
    "licence": "license_id",
    "landing_page": "url",
    "contact_name": "maintainer",
    "contact_email": "maintainer_email",
    "spatial_geojson": "spatial",
    "spatial_label": "spatial_text",
    "__all__": "extras",
}
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off", ""}


def ckan_errors(error: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as CKAN's {field: [messages]}."""
    if not hasattr(error, "error_dict"):
        return {"message": list(error.messages)}
    found: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        found.setdefault(CKAN_KEYS.get(key, key), []).extend(messages)
    return found


def as_bool(value: Any, *, key: str, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError({key: ["Value must be one of: True, False"]})


def as_int(value: Any, *, key: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValidationError({key: ["Invalid integer"]})
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError({key: ["Invalid integer"]}) from None


def as_list(value: Any, *, key: str) -> list[Any]:
    """A list, or a JSON list in a string (how GET parameters carry them), or one value alone."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError({key: ["Not a list"]}) from None
        if isinstance(parsed, list):
            return parsed
    if isinstance(value, str):
        return [value]
    raise ValidationError({key: ["Not a list"]})


def uuid_or_error(value: str, key: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationError({key: ["Invalid id"]}) from None


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip() if not isinstance(value, str) else value.strip()


def _date(value: str, key: str) -> dt.date | None:
    if not value:
        return None
    found = parse_date(value[:10]) if len(value) >= 10 else None
    if found is None:
        raise ValidationError({key: ["Date format incorrect"]})
    return found


def _datetime(value: str, key: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        found = parse_datetime(value)
    except ValueError:
        found = None
    if found is None:
        raise ValidationError({key: ["Date format incorrect"]})
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _extras(value: Any) -> tuple[list[dict[str, str]], dict[str, str]]:
    """(the dataset's own extras, the DCAT ones keyed as ckan_shapes.EXTRA_FIELDS)."""
    own: list[dict[str, str]] = []
    dcat: dict[str, str] = {}
    seen = set()
    for item in as_list(value, key="extras"):
        if not isinstance(item, dict) or "key" not in item:
            raise ValidationError({"extras": ["Each extra needs a key and a value"]})
        key = str(item["key"]).strip()
        if not key or key in seen:
            raise ValidationError({"extras": [f"Duplicate or empty key {key!r}"]})
        seen.add(key)
        raw = item.get("value")
        text = raw if isinstance(raw, str) else json.dumps(raw) if raw is not None else ""
        if key in ckan_shapes.EXTRA_FIELDS:
            if key not in ckan_shapes.READ_ONLY_EXTRAS:
                dcat[key] = text.strip()
        else:
            own.append({"key": key, "value": text})
    return own, dcat


def _names(value: Any, key: str) -> list[str]:
    names = []
    for item in as_list(value, key=key):
        name = item.get("name") or item.get("id") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise ValidationError({key: ["Each item needs a name"]})
        names.append(name.strip())
    return names


def _tag_names(data: dict[str, Any]) -> list[str]:
    """`tags` ([{"name": …}] or names), else CKAN's comma-separated `tag_string`."""
    if "tags" not in data and "tag_string" in data:
        return [name.strip() for name in _text(data, "tag_string").split(",") if name.strip()]
    return _names(data.get("tags"), "tags")


def _themes(value: Any) -> list[Theme]:
    themes = []
    for name in _names(value, "groups"):
        theme = selectors.theme_by_id_or_name(id_or_name=name)
        if theme is None:
            raise ValidationError({"groups": [f"Group {name} not found"]})
        themes.append(theme)
    return themes


def resource_fields(
    data: dict[str, Any], *, existing: Resource | None = None, site_url: str = "", upload: UploadedFile | None = None
) -> ResourceFields:
    raw_id = _text(data, "id")
    try:
        resource_id = uuid.UUID(raw_id) if raw_id else None
    except ValueError:
        raise ValidationError({"id": ["Invalid id"]}) from None
    url = _text(data, "url")
    if existing is not None and existing.upload and url == ckan_shapes.resource_url(existing, site_url=site_url):
        url = ""  # the download address of its own file: keep the file
    size = data.get("size")
    return ResourceFields(
        id=resource_id,
        name=_text(data, "name"),
        description=_text(data, "description"),
        url=url,
        format=_text(data, "format"),
        mimetype=_text(data, "mimetype"),
        size=as_int(size, key="size", default=0) if size not in (None, "") else None,
        hash=_text(data, "hash"),
        last_modified=_datetime(_text(data, "last_modified"), "last_modified"),
        upload=upload,
        change_note=_text(data, "change_note") if upload is not None else "",
    )


def _resources(value: Any, *, dataset: Dataset | None, site_url: str) -> list[ResourceFields]:
    existing = {str(r.id): r for r in dataset.resources.all()} if dataset is not None else {}
    found = []
    for index, item in enumerate(as_list(value, key="resources")):
        if not isinstance(item, dict):
            raise ValidationError({"resources": [f"Resource {index} is not an object"]})
        try:
            found.append(resource_fields(item, existing=existing.get(str(item.get("id", ""))), site_url=site_url))
        except ValidationError as error:
            raise ValidationError(
                {"resources": [f"{k}: {m}" for k, ms in error.message_dict.items() for m in ms]}
            ) from None
    return found


def package_fields(data: dict[str, Any], *, dataset: Dataset | None = None, site_url: str = "") -> DatasetFields:
    """A whole CKAN package dict as DatasetFields; `dataset` is the one being updated, if any.

    Absent `resources` keep the dataset's resources; other absent keys are emptied (CKAN's
    package_update), which is why package_patch merges into package_show first.
    """
    errors: dict[str, list[str]] = {}

    def collect(key: str, make: Any) -> Any:
        try:
            return make()
        except ValidationError as error:
            found = ckan_errors(error) if hasattr(error, "error_dict") else {key: list(error.messages)}
            for field, messages in found.items():
                errors.setdefault(field, []).extend(messages)
            return None

    name = _text(data, "name")
    if not name:
        errors["name"] = [MISSING]
    else:
        collect("name", lambda: name_validator(name))
    owner = _text(data, "owner_org")
    publisher = selectors.publisher_by_id_or_name(id_or_name=owner) if owner else None
    if publisher is None:
        errors["owner_org"] = [MISSING if not owner else "Organization does not exist"]
    licence_key = _text(data, "license_id")
    licence = selectors.licence_by_key(key=licence_key) if licence_key else selectors.licence_default()
    if licence is None:
        errors["license_id"] = ["License not found" if licence_key else MISSING]
    state = _text(data, "state") or (dataset.state if dataset is not None else DatasetState.ACTIVE)
    private = collect("private", lambda: as_bool(data.get("private"), key="private"))
    split: tuple[list[dict[str, str]], dict[str, str]] = collect("extras", lambda: _extras(data.get("extras"))) or (
        [],
        {},
    )
    extras, dcat = split
    spatial_text = dcat.get("spatial", "")
    spatial = collect("spatial", lambda: json.loads(spatial_text) if spatial_text else None) if spatial_text else None
    if spatial_text and spatial is None and "spatial" not in errors:
        errors["spatial"] = ["Not valid GeoJSON"]
    fields = DatasetFields(
        name=name,
        title=_text(data, "title") or name,
        publisher=publisher,  # type: ignore[arg-type]
        licence=licence,  # type: ignore[arg-type]
        notes=_text(data, "notes"),
        private=bool(private),
        state=state,
        landing_page=_text(data, "url"),
        version=_text(data, "version"),
        contact_name=_text(data, "maintainer"),
        contact_email=_text(data, "maintainer_email"),
        frequency=dcat.get("frequency", ""),
        temporal_start=collect("temporal_start", lambda: _date(dcat.get("temporal_start", ""), "temporal_start")),
        temporal_end=collect("temporal_end", lambda: _date(dcat.get("temporal_end", ""), "temporal_end")),
        spatial_label=dcat.get("spatial_text", ""),
        spatial_geojson=spatial,
        withdrawn_reason=dcat.get("withdrawn_reason", ""),
        scheduled_publication_at=collect(
            "scheduled_publication",
            lambda: _datetime(dcat.get("scheduled_publication", ""), "scheduled_publication"),
        ),
        extras=extras,
        tag_names=collect("tags", lambda: _tag_names(data)) or [],
        themes=collect("groups", lambda: _themes(data.get("groups"))) or [],
        resources=(
            collect("resources", lambda: _resources(data["resources"], dataset=dataset, site_url=site_url))
            if "resources" in data
            else None
        ),
    )
    if errors:
        raise ValidationError(errors)
    return fields
