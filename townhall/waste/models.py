"""Collection rounds, the properties (UPRNs) on each, and dates staff moved by hand.

No personal data: a round is a crew's schedule and an assignment links a gazetteer
address to it. Who added a changed date is kept in the audit log, not here.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from townhall.places.models import Address, Ward
from townhall.waste.constants import MAX_INTERVAL_WEEKS, REASON_MAX_LENGTH, HolidayRule, Service


class CollectionRound(models.Model):
    """One service collected on one weekday every `interval_weeks` weeks, counted from `reference_date`."""

    code = models.CharField(max_length=40, unique=True, help_text="The council's own round code, e.g. REF-MON-A.")
    name = models.CharField(max_length=100)
    service = models.CharField(max_length=20, choices=Service.choices)
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday, 6 is Sunday.")
    interval_weeks = models.PositiveSmallIntegerField(
        default=1, help_text="1 weekly, 2 fortnightly, and so on (at most 8)."
    )
    reference_date = models.DateField(help_text="Any date the round collects on; it sets which weeks it runs.")
    holiday_rule = models.CharField(max_length=20, choices=HolidayRule.choices, default=HolidayRule.SLIP_WEEK)
    ward = models.ForeignKey(
        Ward, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Optional."
    )

    class Meta:
        ordering: ClassVar = ["service", "weekday", "code"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="waste_round_weekday"),
            models.CheckConstraint(
                condition=models.Q(interval_weeks__gte=1, interval_weeks__lte=MAX_INTERVAL_WEEKS),
                name="waste_round_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RoundAssignment(models.Model):
    """A property on a round. `service` repeats the round's so the database allows one round per service."""

    address = models.ForeignKey(Address, to_field="uprn", db_column="uprn", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(CollectionRound, on_delete=models.PROTECT, related_name="assignments")
    service = models.CharField(max_length=20, choices=Service.choices)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["address", "service"], name="waste_one_round_per_service"),
        ]
        indexes: ClassVar = [models.Index(fields=["round"], name="waste_assignment_round")]

    def __str__(self) -> str:
        return f"UPRN {self.address_id} on {self.round_id}"


class CollectionChange(models.Model):
    """A one-off move of one collection (Christmas, a road closure), set by staff; it wins over the holiday rule."""

    round = models.ForeignKey(CollectionRound, on_delete=models.CASCADE, related_name="changes")
    original_date = models.DateField(help_text="The date the round would usually collect.")
    new_date = models.DateField()
    reason = models.CharField(
        max_length=REASON_MAX_LENGTH, help_text='Shown as "moved from … because of <reason>", e.g. Christmas Day.'
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["original_date", "round__code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["round", "original_date"], name="waste_one_change_per_collection"),
        ]

    def __str__(self) -> str:
        return f"{self.round.code}: {self.original_date} -> {self.new_date}"
