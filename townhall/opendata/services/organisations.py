"""Publishers (CKAN organizations) and themes (CKAN groups): create and change them, each write audited.

The CKAN API's organization_create/group_create and the steward pages at
/staff/open-data/publishers/ and /themes/ both come through here. Only data stewards (and
administrators) write; `acting_user=None` is Townhall itself. Each write is one transaction
with its audit entry; bad input raises ValidationError keyed by field and writes nothing.

Search stays right without any work here: the search_index triggers refresh the index rows
of a publisher's datasets when its title changes and a theme's when its name changes, and
every statement on either table bumps the catalogue version that keys cached browse facets.
An update saves only the columns that changed, so editing a description does not re-index
every dataset of a large publisher. There is no delete: a publisher with datasets is
protected by its foreign key, and a theme's datasets would silently lose it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.opendata.models import Publisher, PublisherType, Theme
from townhall.opendata.permissions import can_manage_datasets

Actor = User | AnonymousUser | None

OBJECT_PUBLISHER = "opendata.publisher"
OBJECT_THEME = "opendata.theme"
PUBLISHER_FIELDS = ("name", "title", "description", "homepage", "email", "publisher_type", "image_url")
THEME_FIELDS = ("name", "title", "description", "iri", "image_url")
NAME_TAKEN = {
    Publisher: "Another publisher already has this URL name",
    Theme: "Another theme already has this URL name",
}


def _require_steward(acting_user: Actor) -> None:
    if acting_user is not None and not can_manage_datasets(acting_user):
        raise PermissionDenied("Only data stewards can change publishers and themes.")


def _clean(row: Publisher | Theme) -> None:
    """Validate every field (CKAN's name rule, lengths, URLs, email) and a clear message for a taken name."""
    errors: dict[str, list[str]] = {}
    try:
        row.full_clean(validate_unique=False)
    except ValidationError as error:
        errors = error.message_dict
    taken = type(row).objects.filter(name=row.name).exclude(pk=row.pk).exists()
    if "name" not in errors and taken:
        errors["name"] = [NAME_TAKEN[type(row)]]
    if errors:
        raise ValidationError(errors)


def _save(acting_user: Actor, row: models.Model, object_type: str, changed: list[str] | None) -> None:
    """Insert (changed None) or update the changed columns, and audit it, naming what changed."""
    if changed is None:
        row.save(force_insert=True)
        action, reason = "created", ""
    else:
        row.save(update_fields=changed)
        action, reason = "updated", f"Changed: {', '.join(changed)}."
    audit_record(
        actor=acting_user,
        action=f"{object_type}.{action}",
        object_type=object_type,
        object_id=str(row.pk),
        reason=reason,
    )


def _apply(row: Publisher | Theme, names: tuple[str, ...], values: dict[str, Any]) -> list[str]:
    """Set the given fields (text stripped, except descriptions); the names of those whose value changed."""
    changed = []
    for name in names:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str) and name != "description":
            value = value.strip()
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


Row = TypeVar("Row", Publisher, Theme)


def _update(acting_user: Actor, row: Row, names: tuple[str, ...], object_type: str, values: dict[str, Any]) -> Row:
    """Lock the row, apply the given fields, validate, and save and audit only what changed."""
    _require_steward(acting_user)
    unknown = set(values) - set(names)
    if unknown:
        raise TypeError(f"Not a {row._meta.verbose_name} field: {', '.join(sorted(unknown))}")
    locked = type(row)._default_manager.select_for_update().get(pk=row.pk)
    changed = _apply(locked, names, values)
    _clean(locked)
    if changed:
        _save(acting_user, locked, object_type, changed)
    return locked


@transaction.atomic
def publisher_create(
    *,
    acting_user: Actor,
    name: str,
    title: str,
    description: str = "",
    homepage: str = "",
    email: str = "",
    image_url: str = "",
    publisher_type: str = PublisherType.LOCAL_AUTHORITY,
) -> Publisher:
    """A new publisher (CKAN's organization_create); the title defaults to the name. `email` is a role mailbox."""
    _require_steward(acting_user)
    publisher = Publisher()
    values = {
        "name": name,
        "title": title or name,
        "description": description,
        "homepage": homepage,
        "email": email,
        "image_url": image_url,
        "publisher_type": publisher_type,
    }
    _apply(publisher, PUBLISHER_FIELDS, values)
    _clean(publisher)
    _save(acting_user, publisher, OBJECT_PUBLISHER, None)
    return publisher


@transaction.atomic
def publisher_update(*, acting_user: Actor, publisher: Publisher, **values: Any) -> Publisher:
    """Change a publisher's fields (any of PUBLISHER_FIELDS); renaming it changes what search and the API return."""
    return _update(acting_user, publisher, PUBLISHER_FIELDS, OBJECT_PUBLISHER, values)


@transaction.atomic
def theme_create(
    *, acting_user: Actor, name: str, title: str, description: str = "", iri: str = "", image_url: str = ""
) -> Theme:
    """A new theme (CKAN's group_create); the title defaults to the name."""
    _require_steward(acting_user)
    theme = Theme()
    values = {"name": name, "title": title or name, "description": description, "iri": iri, "image_url": image_url}
    _apply(theme, THEME_FIELDS, values)
    _clean(theme)
    _save(acting_user, theme, OBJECT_THEME, None)
    return theme


@transaction.atomic
def theme_update(*, acting_user: Actor, theme: Theme, **values: Any) -> Theme:
    """Change a theme's fields (any of THEME_FIELDS); renaming it changes what search and the API return."""
    return _update(acting_user, theme, THEME_FIELDS, OBJECT_THEME, values)
