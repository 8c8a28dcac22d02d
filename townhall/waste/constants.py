"""Collection services, and how a round's collections move around bank holidays."""

from __future__ import annotations

from django.db import models

from townhall.accounts.constants import StaffRole


class Service(models.TextChoices):
    """In the order residents see them."""

    REFUSE = "refuse", "General waste"
    RECYCLING = "recycling", "Recycling"
    FOOD = "food", "Food waste"
    GARDEN = "garden", "Garden waste"


# Garden waste is a paid subscription in many councils: say so wherever a date is shown.
SUBSCRIPTION_SERVICES = frozenset({Service.GARDEN})
SUBSCRIPTION_NOTE = "if you subscribe"


class HolidayRule(models.TextChoices):
    """What happens to a collection in a week with a bank holiday (ADR 0026)."""

    SLIP_WEEK = "slip_week", "Later collections that week move one day later (Saturday is worked)"
    NEXT_DAY = "next_day", "Only a collection on the bank holiday moves, to the next day"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_INTERVAL_WEEKS = 8
# How far staff may move one collection, and so how far back a lookup must search for moved dates.
MAX_CHANGE_DAYS = 14
REASON_MAX_LENGTH = 100

# Who may move a collection (the staff page and the service both check it; administrators hold every role).
COLLECTION_MANAGER_ROLE = StaffRole.TEAM_MANAGER
