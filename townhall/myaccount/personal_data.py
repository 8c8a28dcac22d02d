"""Personal data myaccount holds about a resident: details, address history, preferences, consent, timeline,
volunteering and their own data requests.

Registered by MyAccountConfig.ready(); see townhall/core/personal_data.py.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables
from townhall.myaccount.constants import SubjectAccessState
from townhall.myaccount.models import (
    AddressChange,
    CommunicationPreferences,
    ConsentDecision,
    DataExport,
    DigitalChampion,
    ErasureRequest,
    IdentityPin,
    IdentityVerification,
    ResidentProfile,
    SubjectAccessRedaction,
    SubjectAccessRequest,
    SuggestionOpened,
    TimelineFeed,
)
from townhall.myaccount.services.data_rights import export_file_delete

ERASURE_RECORD_RETENTION = (
    "The record of your erasure request and what we did about it is kept to show we complied with it "
    "(UK GDPR Art. 5(2)); it holds no personal details, only what kinds of record were erased or kept."
)


class DetailsProvider(personal_data.PersonalDataProvider):
    label = "Your details"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.ResidentProfile.user", "myaccount.AddressChange.user")

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Your details": personal_data.model_rows(ResidentProfile.objects.filter(user_id=user.pk)),
            "Your addresses": personal_data.model_rows(AddressChange.objects.filter(user_id=user.pk).order_by("pk")),
        }

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        profiles, _ = ResidentProfile.objects.filter(user_id=user.pk).delete()
        moves, _ = AddressChange.objects.filter(user_id=user.pk).delete()
        return [
            ErasureItem(self.label, "Phone number, date of birth and address", ErasureAction.DELETED, profiles),
            ErasureItem(self.label, "Address history", ErasureAction.DELETED, moves),
        ]


class PreferencesProvider(personal_data.PersonalDataProvider):
    label = "Your preferences"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.CommunicationPreferences.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        interests = CommunicationPreferences.interests.through.objects.filter(
            communicationpreferences__user_id=user.pk
        ).order_by("pk")
        return {
            "How we contact you": personal_data.model_rows(CommunicationPreferences.objects.filter(user_id=user.pk)),
            "Your interests": personal_data.model_rows(interests),
        }

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted = CommunicationPreferences.objects.filter(user_id=user.pk).count()
        CommunicationPreferences.objects.filter(user_id=user.pk).delete()  # interests go with them
        return [ErasureItem(self.label, "Communication preferences and interests", ErasureAction.DELETED, deleted)]


class ConsentProvider(personal_data.PersonalDataProvider):
    label = "Your consent decisions"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.ConsentDecision.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Consent given or withdrawn": personal_data.model_rows(
                ConsentDecision.objects.filter(user_id=user.pk).order_by("pk")
            )
        }

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted, _ = ConsentDecision.objects.filter(user_id=user.pk).delete()
        return [ErasureItem(self.label, "Consent given or withdrawn", ErasureAction.DELETED, deleted)]


class TimelineProvider(personal_data.PersonalDataProvider):
    label = "Your timeline"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.TimelineFeed.user", "myaccount.SuggestionOpened.user")

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Private feed addresses": personal_data.model_rows(
                TimelineFeed.objects.filter(user_id=user.pk).order_by("pk"), exclude=["token_digest"]
            ),
            "Suggestions you opened": personal_data.model_rows(
                SuggestionOpened.objects.filter(user_id=user.pk).order_by("pk")
            ),
        }

    def withheld(self) -> list[str]:
        return ["the secret part of your private feed address (anyone holding it could read your timeline)"]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        feeds, _ = TimelineFeed.objects.filter(user_id=user.pk).delete()
        opened, _ = SuggestionOpened.objects.filter(user_id=user.pk).delete()
        return [
            ErasureItem(self.label, "Private feed addresses", ErasureAction.DELETED, feeds),
            ErasureItem(self.label, "Suggestions you opened", ErasureAction.DELETED, opened),
        ]


class VolunteeringProvider(personal_data.PersonalDataProvider):
    label = "Digital champion"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.DigitalChampion.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {"Digital champion": personal_data.model_rows(DigitalChampion.objects.filter(user_id=user.pk))}

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted, _ = DigitalChampion.objects.filter(user_id=user.pk).delete()
        return [ErasureItem(self.label, "Your offer to help as a digital champion", ErasureAction.DELETED, deleted)]


class DataRequestsProvider(personal_data.PersonalDataProvider):
    label = "Your data requests"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.DataExport.user", "myaccount.ErasureRequest.user")

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Downloads of your data": personal_data.model_rows(
                DataExport.objects.filter(user_id=user.pk).order_by("pk")
            ),
            "Erasure requests": personal_data.model_rows(
                ErasureRequest.objects.filter(user_id=user.pk).order_by("pk"), exclude=["reviewed_by_id"]
            ),
        }

    def withheld(self) -> list[str]:
        return ["which officer reviewed an erasure request (the date they did is included)"]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        exports = DataExport.objects.filter(user_id=user.pk)
        files = [name for name in exports.values_list("file_name", flat=True) if name]
        deleted, _ = exports.delete()
        for name in files:  # after commit: a rolled-back erasure keeps the downloads it would have deleted
            transaction.on_commit(lambda name=name: export_file_delete(name))  # type: ignore[misc]
        kept = ErasureRequest.objects.filter(user_id=user.pk).count()
        items = [ErasureItem(self.label, "Downloads of your data (and their files)", ErasureAction.DELETED, deleted)]
        if kept:
            items.append(
                ErasureItem(
                    self.label,
                    "Earlier erasure requests",
                    ErasureAction.RETAINED,
                    kept,
                    ERASURE_RECORD_RETENTION,
                    needs_review=False,
                )
            )
        return items


class IdentityProvider(personal_data.PersonalDataProvider):
    label = "Your identity checks"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.IdentityVerification.user", "myaccount.IdentityPin.user")

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Identity checks": personal_data.model_rows(
                IdentityVerification.objects.filter(user_id=user.pk).order_by("pk"), exclude=["verified_by_id"]
            ),
            "PIN letters": personal_data.model_rows(
                IdentityPin.objects.filter(user_id=user.pk).order_by("pk"), exclude=["pin_digest"]
            ),
        }

    def withheld(self) -> list[str]:
        return [
            "the PIN sent in a letter (only a one-way digest is stored, and it is of no use to you)",
            "which officer checked your documents (the date and what was checked are included)",
        ]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        checks, _ = IdentityVerification.objects.filter(user_id=user.pk).delete()
        pins, _ = IdentityPin.objects.filter(user_id=user.pk).delete()
        return [
            ErasureItem(self.label, "Identity checks", ErasureAction.DELETED, checks),
            ErasureItem(self.label, "PIN letters", ErasureAction.DELETED, pins),
        ]


SUBJECT_ACCESS_RETENTION = (
    "The record of your requests for council records (when you asked, when and how we answered, and why "
    "anything was withheld) is kept by our information governance team to show we met the law (UK GDPR "
    "Art. 5(2) and 12); the copy of the records we sent you is deleted, and the records stay in the systems "
    "that hold them."
)


class SubjectAccessProvider(personal_data.PersonalDataProvider):
    """Requests for the records other council systems hold (subject access through the Citizen Index)."""

    label = "Your requests for council records"
    covers: ClassVar[tuple[str, ...]] = ("myaccount.SubjectAccessRequest.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        requests = SubjectAccessRequest.objects.filter(user_id=user.pk).order_by("pk")
        return {
            "Requests for council records": personal_data.model_rows(requests, exclude=["decided_by_id"]),
            "Information withheld from them": personal_data.model_rows(
                SubjectAccessRedaction.objects.filter(request__user_id=user.pk).order_by("pk"),
                exclude=["redacted_by_id"],
            ),
        }

    def withheld(self) -> list[str]:
        return ["which officers reviewed your requests for council records (the dates they did are included)"]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        requests = SubjectAccessRequest.objects.filter(user_id=user.pk)
        # An open request cannot be answered to a closed account: it lapses.
        requests.filter(state=SubjectAccessState.OPEN).update(state=SubjectAccessState.WITHDRAWN)
        copies = requests.exclude(package={}).update(package={}, covering_note="")
        kept = requests.count()
        items = [ErasureItem(self.label, "Copies of council records we sent you", ErasureAction.DELETED, copies)]
        if kept:
            items.append(
                ErasureItem(
                    self.label,
                    "Requests for council records (the information governance record)",
                    ErasureAction.RETAINED,
                    kept,
                    SUBJECT_ACCESS_RETENTION,
                )
            )
        return items


def register() -> None:
    personal_data.register(
        DetailsProvider(),
        PreferencesProvider(),
        ConsentProvider(),
        TimelineProvider(),
        VolunteeringProvider(),
        DataRequestsProvider(),
        IdentityProvider(),
        SubjectAccessProvider(),
    )
    personal_data.exempt(
        "myaccount.IdentityVerification.verified_by", "Names the officer who checked a resident's documents."
    )
    personal_data.exempt(
        "myaccount.SubjectAccessRequest.decided_by", "Names the information governance officer who answered a request."
    )
    personal_data.exempt(
        "myaccount.SubjectAccessRedaction.redacted_by", "Names the information governance officer who withheld a value."
    )
    personal_data.exempt(
        "myaccount.ErasureRequest.reviewed_by", "Names the information governance officer who reviewed a request."
    )
