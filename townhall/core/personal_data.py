"""The personal data registry: every source of personal data, and how to export and erase it for one person.

Each app that holds personal data has a `personal_data.py` with one provider class per
source (STYLE.md "Personal data providers", after yournextrepresentative's
`people/data_removal_helpers.py`) and registers them from its AppConfig.ready().
Subject access downloads, erasure and retention iterate over `providers()`; nothing
else needs to know which apps hold what.

A provider:

- `label`: how the source is named to the resident ("Your reports").
- `covers`: the user-pointing fields it handles, as "app_label.Model.field"; the guard
  test (tests/myaccount/test_personal_data_registry.py) fails when a foreign key to the
  user model is neither covered nor exempted with `exempt()`.
- `collect(user)`: {table label: rows}, each row every column the database holds,
  JSON-safe (see `model_rows`), minus what `withheld()` names.
- `withheld()`: what is deliberately not exported, each with why.
- `erase(user)`: deletes or anonymises what nothing requires us to keep and says, item
  by item, what was retained and why. Runs inside the caller's transaction; a provider
  that must touch files defers that with `transaction.on_commit`.
- `erase_order`: lower runs first. Sources found through the account's email address
  run before the account itself is anonymised (accounts runs last).

core imports no app: providers are plain objects typed against Django's base user.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.db.models.fields.files import FieldFile

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

Rows = list[dict[str, Any]]
Tables = dict[str, Rows]


class ErasureAction(enum.StrEnum):
    DELETED = "deleted"
    ANONYMISED = "anonymised"
    RETAINED = "retained"


@dataclass(frozen=True)
class ErasureItem:
    """One line of an erasure's outcome: what happened to one kind of record, and why if it was kept.

    `needs_review` is False for what is kept without any personal details in it (the audit
    log's ids); anything else retained waits for an information governance officer.
    """

    source: str
    what: str
    action: ErasureAction
    count: int
    reason: str = ""
    needs_review: bool = True

    def __post_init__(self) -> None:
        if self.action == ErasureAction.RETAINED and not self.reason:
            raise ValueError(f"{self.source}: {self.what} is retained without a reason.")

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["action"] = str(self.action)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ErasureItem:
        return cls(
            source=str(values["source"]),
            what=str(values["what"]),
            action=ErasureAction(values["action"]),
            count=int(values["count"]),
            reason=str(values.get("reason", "")),
            needs_review=bool(values.get("needs_review", True)),
        )


class PersonalDataProvider:
    """Base class for one source of personal data. Subclasses set `label` and `covers` and override the methods."""

    label: ClassVar[str] = ""
    covers: ClassVar[tuple[str, ...]] = ()
    erase_order: ClassVar[int] = 50

    def collect(self, user: AbstractBaseUser) -> Tables:
        raise NotImplementedError

    def withheld(self) -> list[str]:
        return []

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        raise NotImplementedError


_providers: dict[str, PersonalDataProvider] = {}
_exemptions: dict[str, str] = {}


def register(*providers: PersonalDataProvider) -> None:
    """Add providers (from an AppConfig.ready()); registering the same label twice replaces it."""
    for provider in providers:
        if not provider.label:
            raise ValueError(f"{type(provider).__name__} has no label.")
        _providers[provider.label] = provider


def exempt(field: str, reason: str) -> None:
    """Declare that a user-pointing field ("app_label.Model.field") holds no resident's personal data, and why."""
    if not reason.strip():
        raise ValueError(f"Exempting {field} needs a reason.")
    _exemptions[field] = reason


def providers() -> list[PersonalDataProvider]:
    """Every registered provider, in the order erasure runs them (then by label)."""
    return sorted(_providers.values(), key=lambda provider: (provider.erase_order, provider.label))


def covered_fields() -> dict[str, str]:
    """ "app_label.Model.field" → what covers it: a provider's label, or "exempt: <reason>"."""
    covered = {field: f"exempt: {reason}" for field, reason in _exemptions.items()}
    for provider in providers():
        covered.update(dict.fromkeys(provider.covers, provider.label))
    return covered


def collect_all(user: AbstractBaseUser) -> dict[str, Tables]:
    return {provider.label: provider.collect(user) for provider in providers()}


def withheld_all() -> list[str]:
    return [f"{provider.label}: {item}" for provider in providers() for item in provider.withheld()]


# --- turning rows into JSON ----------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """A database value as JSON: times and dates in ISO 8601, decimals and UUIDs as text, files by name."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    return str(value)


def model_row(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every concrete column of one row (foreign keys as `<name>_id`), minus `exclude` (attribute names)."""
    skipped = set(exclude)
    return {
        field.attname: json_safe(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in skipped
    }


def model_rows(rows: Iterable[models.Model], *, exclude: Iterable[str] = ()) -> Rows:
    skipped = tuple(exclude)
    return [model_row(instance, exclude=skipped) for instance in rows]
