"""Personal data the Citizen Index holds about an account holder: the link from their account to their citizen.

The index's own rows (source records, golden records) describe residents as the
council's other systems know them and are not keyed on accounts (ADR 0021); only the
link made when the account's identity was verified is. Registered by PeopleConfig.ready().
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables
from townhall.people.models import AccountCitizenLink


class AccountCitizenLinkProvider(personal_data.PersonalDataProvider):
    label = "Your council records"
    covers: ClassVar[tuple[str, ...]] = ("people.AccountCitizenLink.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        links = AccountCitizenLink.objects.filter(user_id=user.pk).order_by("pk")
        return {"Link between your account and your council records": personal_data.model_rows(links)}

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        # The council records themselves belong to the systems they came from; only the link is the account's.
        deleted, _ = AccountCitizenLink.objects.filter(user_id=user.pk).delete()
        return [
            ErasureItem(
                self.label, "The link between your account and your council records", ErasureAction.DELETED, deleted
            )
        ]


def register() -> None:
    personal_data.register(AccountCitizenLinkProvider())
