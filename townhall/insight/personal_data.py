"""Personal data Insight holds: the days a resident signed in; and, for staff, their dashboard use.

Registered by InsightConfig.ready(); see townhall/core/personal_data.py. The rollups
themselves hold counts only.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables
from townhall.insight.models import SignInDay


class SignInDaysProvider(personal_data.PersonalDataProvider):
    label = "Days you signed in"
    covers: ClassVar[tuple[str, ...]] = ("insight.SignInDay.user",)
    erase_order = 10

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Days you signed in": personal_data.model_rows(SignInDay.objects.filter(user_id=user.pk).order_by("day"))
        }

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted, _ = SignInDay.objects.filter(user_id=user.pk).delete()
        return [ErasureItem(self.label, "The days you signed in", ErasureAction.DELETED, deleted)]


def register() -> None:
    personal_data.register(SignInDaysProvider())
    staff_only = "Staff dashboard use and settings; residents have no access to Insight."
    for field in ("insight.DashboardView.user", "insight.PinnedMetric.user", "insight.AlertRule.owner"):
        personal_data.exempt(field, staff_only)
