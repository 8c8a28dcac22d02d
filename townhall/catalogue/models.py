"""The information asset register: assets, how they relate, who they are shared with, and data standards.

The register describes data; it holds none about residents. Owners and stewards are
roles and teams; the one person it may name is a member of staff (the steward contact),
and the staff member who made each change (personal_data.py exempts both).
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models

from townhall.accounts.models import Team, User
from townhall.catalogue.constants import (
    AssetKind,
    Classification,
    DisposalAction,
    LawfulBasis,
    RelationshipKind,
    RuleKind,
    SharingDirection,
    SpecialCategoryCondition,
)


class InformationAsset(models.Model):
    """A system or dataset the council holds, with what the law and the records schedule ask of it."""

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    purpose = models.TextField(help_text="What the council holds it for, in plain English.")
    owner_role = models.CharField(
        "information asset owner",
        max_length=150,
        help_text="The senior role accountable for it, for example Head of Revenues and Benefits.",
    )
    owner_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="owning team"
    )
    steward_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    steward = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="steward contact",
        help_text="A member of staff to ask about it day to day.",
    )
    holds_personal_data = models.BooleanField(default=False)
    holds_special_category_data = models.BooleanField(default=False)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, blank=True)
    special_category_condition = models.CharField(max_length=2, choices=SpecialCategoryCondition.choices, blank=True)
    legislation = models.CharField(
        max_length=250, blank=True, help_text="The Act or duty the processing rests on, for example Housing Act 1996."
    )
    retention_period_months = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave blank when it is kept permanently."
    )
    retention_trigger = models.CharField(
        max_length=200, blank=True, help_text="When the period starts, for example after the account is closed."
    )
    disposal_action = models.CharField(max_length=20, choices=DisposalAction.choices, default=DisposalAction.REVIEW)
    next_review_on = models.DateField(null=True, blank=True, help_text="When the entry is next reviewed.")
    last_reviewed_on = models.DateField(null=True, blank=True)
    location = models.CharField(
        max_length=200, help_text="Where it is held: the system, hosting or file store. Not published."
    )
    format = models.CharField(max_length=100, help_text="For example, Oracle database, CSV or paper files.")
    classification = models.CharField(max_length=30, choices=Classification.choices, default=Classification.OFFICIAL)
    published = models.BooleanField(
        "include in the published register",
        default=True,
        help_text="OFFICIAL-SENSITIVE and higher entries are never published, whatever this says.",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(holds_personal_data=True) | models.Q(holds_special_category_data=False),
                name="catalogue_special_category_is_personal",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The rules of UK GDPR the register can check: a basis for personal data, a condition for special category."""
        errors: dict[str, str] = {}
        if self.holds_special_category_data and not self.holds_personal_data:
            errors["holds_personal_data"] = "Special category data is personal data: tick both."
        if self.holds_personal_data and not self.lawful_basis:
            errors["lawful_basis"] = "Choose the lawful basis for holding personal data."
        if self.holds_special_category_data and not self.special_category_condition:
            errors["special_category_condition"] = "Choose the Article 9 condition for special category data."
        if not self.holds_special_category_data and self.special_category_condition:
            errors["special_category_condition"] = "Only choose an Article 9 condition for special category data."
        if self.retention_period_months is not None and self.disposal_action == DisposalAction.KEEP:
            errors["disposal_action"] = "An asset kept permanently has no retention period: clear the period."
        if errors:
            raise ValidationError(errors)

    @property
    def is_publishable(self) -> bool:
        return self.published and self.classification == Classification.OFFICIAL


class AssetRelationship(models.Model):
    """One directed link between assets: "<source> feeds <target>"."""

    source = models.ForeignKey(InformationAsset, on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(InformationAsset, on_delete=models.CASCADE, related_name="incoming")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    description = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering: ClassVar = ["source__name", "kind", "target__name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="catalogue_relationship_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="catalogue_relationship_no_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class SharingAgreement(models.Model):
    """A data sharing agreement with another organisation, and the assets it covers."""

    title = models.CharField(max_length=200, unique=True)
    partner = models.CharField(max_length=200, help_text="The organisation the data is shared with.")
    purpose = models.TextField()
    direction = models.CharField(max_length=20, choices=SharingDirection.choices)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    legislation = models.CharField(max_length=250, blank=True)
    starts_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    assets = models.ManyToManyField(InformationAsset, related_name="sharing_agreements", blank=True)

    class Meta:
        ordering: ClassVar = ["title"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="catalogue_agreement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be the same as or after the start date."})


class DataStandard(models.Model):
    """A corporate standard for one kind of value (a postcode, an NI number), used by data quality checks."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    description = models.TextField(blank=True)
    parameter = models.CharField(
        max_length=500,
        blank=True,
        help_text="A regular expression, a maximum length, or allowed values separated by commas.",
    )
    example = models.CharField(max_length=200, blank=True, help_text="A value that meets the standard.")

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class FieldRule(models.Model):
    """One field of an asset and the standard its values must meet."""

    asset = models.ForeignKey(InformationAsset, on_delete=models.CASCADE, related_name="field_rules")
    field_name = models.CharField(max_length=100)
    standard = models.ForeignKey(DataStandard, on_delete=models.PROTECT, related_name="field_rules")
    required = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["asset", "field_name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["asset", "field_name"], name="catalogue_field_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}.{self.field_name}"


class AssetRevision(models.Model):
    """One change to an asset's entry: who, when, and each field's value before and after."""

    asset = models.ForeignKey(InformationAsset, on_delete=models.CASCADE, related_name="revisions")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    summary = models.CharField(max_length=250)
    changes = models.JSONField(default=dict, blank=True, help_text="{field label: [before, after]}")

    class Meta:
        ordering: ClassVar = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.asset_id} at {self.changed_at}: {self.summary}"
