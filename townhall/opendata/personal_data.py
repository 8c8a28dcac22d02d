"""Personal data the open data portal holds: the API tokens a person created, and who uploaded which file
(each version, and each large upload checked in the background).

Datasets hold none by design (contact points are role mailboxes; see models.py).
Registered by OpenDataConfig.ready(); see townhall/core/personal_data.py.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables
from townhall.opendata.models import ApiToken, ResourceVersion, StagedUpload


class ApiTokensProvider(personal_data.PersonalDataProvider):
    label = "Your open data API tokens"
    covers: ClassVar[tuple[str, ...]] = ("opendata.ApiToken.user",)
    erase_order = 10

    def collect(self, user: AbstractBaseUser) -> Tables:
        tokens = ApiToken.objects.filter(user_id=user.pk).order_by("created_at")
        return {"Open data API tokens": personal_data.model_rows(tokens, exclude=["token_hash"])}

    def withheld(self) -> list[str]:
        return ["Open data API tokens: the token's hash, which is a credential and says nothing about you"]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted, _ = ApiToken.objects.filter(user_id=user.pk).delete()
        return [ErasureItem(self.label, "Your open data API tokens", ErasureAction.DELETED, deleted)]


class ResourceVersionsProvider(personal_data.PersonalDataProvider):
    """Versions a data steward uploaded name them as the uploader; the published files themselves are the council's."""

    label = "Open data files you uploaded"
    covers: ClassVar[tuple[str, ...]] = ("opendata.ResourceVersion.created_by",)
    erase_order = 10

    def collect(self, user: AbstractBaseUser) -> Tables:
        versions = ResourceVersion.objects.filter(created_by_id=user.pk).order_by("created_at")
        return {"Open data file versions you uploaded": personal_data.model_rows(versions)}

    def withheld(self) -> list[str]:
        return ["Open data file versions: the files' contents, which are published council data, not about you"]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        count = ResourceVersion.objects.filter(created_by_id=user.pk).update(created_by=None)
        return [
            ErasureItem(self.label, "Your name as the uploader of open data files", ErasureAction.ANONYMISED, count)
        ]


class StagedUploadsProvider(personal_data.PersonalDataProvider):
    """Large uploads checked in the background name their uploader until the sweep removes them (30 days)."""

    label = "Large open data files you uploaded for checking"
    covers: ClassVar[tuple[str, ...]] = ("opendata.StagedUpload.created_by",)
    erase_order = 10

    def collect(self, user: AbstractBaseUser) -> Tables:
        staged = StagedUpload.objects.filter(created_by_id=user.pk).order_by("created_at")
        return {"Open data files checked in the background": personal_data.model_rows(staged, exclude=["problems"])}

    def withheld(self) -> list[str]:
        return ["Open data files checked in the background: the files and their reports, which are council data"]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        count = StagedUpload.objects.filter(created_by_id=user.pk).update(created_by=None)
        return [
            ErasureItem(
                self.label, "Your name on large files checked in the background", ErasureAction.ANONYMISED, count
            )
        ]


def register() -> None:
    personal_data.register(ApiTokensProvider(), ResourceVersionsProvider(), StagedUploadsProvider())
