"""The Citizen Index: source records from council systems, the citizens they are linked into, and how.

These rows are personal data about residents (not about accounts.User): who may see
them and how they are erased is set out in docs/adr/0021-citizen-index-store.md.
Other apps refer to a person by `Citizen.citizen_id`, never by a source system's id.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from townhall.accounts.models import User
from townhall.people.constants import (
    MAPPING_KEYS,
    SOURCE_ID_KEY,
    CitizenStatus,
    DataQualityIssueKind,
    EventKind,
    EventOrigin,
    ImportMode,
    LoadStatus,
    ReviewDecision,
)


def validate_column_mapping(value: Any) -> None:
    """A mapping is {our field: the extract's column header}, with source_id and at least one name field."""
    if not isinstance(value, dict):
        raise ValidationError("The column mapping must be a JSON object of field name to column header.")
    unknown = sorted(str(key) for key in value if key not in MAPPING_KEYS)
    if unknown:
        raise ValidationError(
            "The column mapping names unknown fields: %(unknown)s (known: %(known)s).",
            params={"unknown": ", ".join(unknown), "known": ", ".join(MAPPING_KEYS)},
        )
    blank = sorted(key for key, column in value.items() if not isinstance(column, str) or not column.strip())
    if blank:
        raise ValidationError("Fields %(blank)s need a column header.", params={"blank": ", ".join(blank)})
    if SOURCE_ID_KEY not in value:
        raise ValidationError("The column mapping must say which column holds the source's record id (source_id).")
    if not {"given_name", "surname"} & set(value):
        raise ValidationError("The column mapping must include given_name or surname.")
    columns = [column.strip() for column in value.values()]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise ValidationError(
            "Each column can feed one field only: %(r)s is mapped twice.", params={"r": ", ".join(repeated)}
        )


class SourceSystem(models.Model):
    """A council system whose person records are loaded into the index (council tax, housing, ...)."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    # 1 is the most trusted: the MOST_TRUSTED survivorship rule prefers lower ranks.
    trust_rank = models.PositiveSmallIntegerField()
    column_mapping = models.JSONField(validators=[validate_column_mapping])
    # The information asset register's entry for this system (catalogue): its field rules
    # are the standards data quality checks apply, its owner the team issues go to.
    asset_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("trust_rank", "code")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Validated on every save, not only through forms: imports depend on the mapping.
        validate_column_mapping(self.column_mapping)
        super().save(*args, **kwargs)


class LoadBatch(models.Model):
    """One extract file loaded (or refused) for a source. Errors name rows and columns, never values."""

    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="batches")
    file_name = models.CharField(max_length=255)
    mode = models.CharField(max_length=10, choices=ImportMode.choices)
    status = models.CharField(max_length=10, choices=LoadStatus.choices)
    column_mapping = models.JSONField(help_text="The mapping this file was read with.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-started_at", "-pk")
        verbose_name_plural = "load batches"

    def __str__(self) -> str:
        return f"{self.source.code} {self.file_name} ({self.status})"


class Citizen(models.Model):
    """One person as the council knows them across its systems, under an id that survives re-linking."""

    citizen_id = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=10, choices=CitizenStatus.choices, default=CitizenStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # When merged away: the citizen whose id now stands for this person.
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded"
    )

    class Meta:
        ordering = ("citizen_id",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=CitizenStatus.ACTIVE, retired_at__isnull=True)
                | models.Q(status=CitizenStatus.RETIRED, retired_at__isnull=False),
                name="people_citizen_retired_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.citizen_id


class SourceRecord(models.Model):
    """A source system's record of a person, normalised; linked to the citizen it describes.

    No copy of the raw row is kept: columns not mapped are never read (data minimisation),
    and `record_hash` over the mapped fields is enough to see what changed.
    """

    # Named source_system, not source: Django would give a `source` foreign key the
    # attribute source_id, which is this model's name for the source's own record id.
    source_system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="records")
    source_id = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    record_hash = models.CharField(max_length=64)
    first_batch = models.ForeignKey(LoadBatch, on_delete=models.PROTECT, related_name="+")
    # The batch that last added, changed or deleted the record; its time is the record's recency.
    batch = models.ForeignKey(LoadBatch, on_delete=models.PROTECT, related_name="records")
    changed_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The citizen the record is linked to (None until the first linkage run after it arrived).
    # A deleted record keeps the citizen it last belonged to, as history; it is no longer a member.
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, blank=True, related_name="source_records")

    class Meta:
        ordering = ("source_system", "source_id")
        constraints = [
            models.UniqueConstraint(fields=("source_system", "source_id"), name="people_sourcerecord_unique_source_id"),
        ]
        indexes = [models.Index(fields=("deleted_at",), name="people_sourcerecord_deleted")]

    def __str__(self) -> str:
        return f"Record {self.source_id} of source {self.source_system_id}"


class LinkageRun(models.Model):
    """One linkage of every active source record: the trained model, threshold, counts and timings."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    threshold = models.FloatField()
    review_from = models.FloatField()
    model = models.JSONField(help_text="Splink's trained model (save_model_to_json).")
    trained_on = models.JSONField(default=list, help_text="The EM blocking rules used; empty = packaged model.")
    records = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveIntegerField(default=0)
    clusters = models.PositiveIntegerField(default=0)
    citizens_created = models.PositiveIntegerField(default=0)
    citizens_merged = models.PositiveIntegerField(default=0)
    citizens_split = models.PositiveIntegerField(default=0)
    citizens_retired = models.PositiveIntegerField(default=0)
    # Per record: of records linked before this run and still active, how many kept their citizen id.
    records_previously_linked = models.PositiveIntegerField(default=0)
    records_kept_id = models.PositiveIntegerField(default=0)
    must_links_applied = models.PositiveIntegerField(default=0)
    must_not_links_applied = models.PositiveIntegerField(default=0)
    review_pairs = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, help_text="Seconds per stage.")

    class Meta:
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"Linkage run {self.pk} at {self.threshold}"

    @property
    def id_stability(self) -> float:
        """Share of previously linked records whose citizen id this run left unchanged."""
        if not self.records_previously_linked:
            return 1.0
        return self.records_kept_id / self.records_previously_linked


class CitizenEvent(models.Model):
    """A change to the set of citizens, with where the records came from and went to.

    created: `citizen` is new (predecessors: citizens its records came from, if any).
    merged: several predecessors' records now form `citizen` (the only successor).
    split: `citizen`'s records went to several successors (itself among them if it kept its id).
    retired: `citizen` has no records left, or was merged away (then superseded_by says where).
    """

    kind = models.CharField(max_length=10, choices=EventKind.choices)
    origin = models.CharField(max_length=10, choices=EventOrigin.choices)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="events")
    predecessors = models.ManyToManyField(Citizen, related_name="+", blank=True)
    successors = models.ManyToManyField(Citizen, related_name="+", blank=True)
    run = models.ForeignKey(LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    records_moved = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ("occurred_at", "pk")

    def __str__(self) -> str:
        return f"{self.kind} {self.citizen_id}"


class ReviewPair(models.Model):
    """A pair of source records for a person to judge, and the judgement, which later runs obey.

    A pair scored in the uncertain band waits for review with Splink's explanation (one
    entry per comparison: level, label, Bayes factor, match weight) so a waterfall can
    be drawn. A match decision forces the records together in later runs (must-link), a
    not-match decision keeps them apart (must-not-link); manual merges and splits add
    decided pairs too. `record_low` has the lower primary key.
    """

    record_low = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_high = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField(null=True, blank=True)
    match_weight = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    run = models.ForeignKey(LinkageRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices, default=ReviewDecision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ("decision", "-match_probability", "pk")
        constraints = [
            models.UniqueConstraint(fields=("record_low", "record_high"), name="people_reviewpair_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(record_low__lt=models.F("record_high")), name="people_reviewpair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Pair {self.record_low_id}-{self.record_high_id} ({self.decision})"


class GoldenRecord(models.Model):
    """The best-known value of each person field for one active citizen, and the record it came from.

    `provenance` maps each field to {"record": SourceRecord pk, "source": source code,
    "source_id": ..., "rule": survivorship rule}; a field no record holds is absent.
    """

    citizen = models.OneToOneField(Citizen, on_delete=models.CASCADE, related_name="golden_record")
    given_name = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    provenance = models.JSONField(default=dict)
    records = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Golden record of {self.citizen_id}"


class DataQualityIssue(models.Model):
    """One problem a steward can act on: a source record's invalid value, likely duplicate or conflict.

    Found again on every measurement (`services.data_quality_measure`); an open issue not
    found any more is closed with `corrected_at` (fixed at source, `corrected_manually` False).
    A steward may also mark it corrected (audited). Time to correct = corrected_at - detected_at.
    `detail` says what is wrong without quoting the value (values are personal data).
    """

    kind = models.CharField(max_length=12, choices=DataQualityIssueKind.choices)
    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="quality_issues")
    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="quality_issues")
    # The citizen the record was linked to when found (duplicates and conflicts are found through it).
    citizen = models.ForeignKey(Citizen, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    field = models.CharField(max_length=50, blank=True)
    detail = models.CharField(max_length=300)
    detected_at = models.DateTimeField()
    corrected_at = models.DateTimeField(null=True, blank=True)
    # True when a steward marked it corrected (who: the audit log); False when no longer found.
    corrected_manually = models.BooleanField(default=False)

    class Meta:
        ordering = ("-detected_at", "pk")
        indexes = [models.Index(fields=("source", "corrected_at"), name="people_dqissue_source_open")]
        constraints = [
            models.UniqueConstraint(
                fields=("kind", "record", "field"),
                condition=models.Q(corrected_at__isnull=True),
                name="people_dqissue_one_open_per_problem",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} issue {self.pk} ({self.field or 'record'})"

    @property
    def days_to_correct(self) -> float | None:
        if self.corrected_at is None:
            return None
        return (self.corrected_at - self.detected_at).total_seconds() / 86400


class DataQualitySnapshot(models.Model):
    """One source's data quality figures at one measurement, so stewards see the trend over loads.

    completeness: {field: [records with a value, active records]};
    validity: {field: [valid values, values checked]} for each field the asset's standards rule.
    """

    source = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="quality_snapshots")
    run = models.ForeignKey(LinkageRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    measured_at = models.DateTimeField()
    records = models.PositiveIntegerField(default=0)
    completeness = models.JSONField(default=dict)
    validity = models.JSONField(default=dict)
    duplicates = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    last_loaded_at = models.DateTimeField(null=True, blank=True)
    issues_open = models.PositiveIntegerField(default=0)
    issues_corrected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-measured_at", "-pk")

    def __str__(self) -> str:
        return f"Data quality of {self.source_id} at {self.measured_at}"


class AccountLinkOutcome(models.TextChoices):
    LINKED = "linked", "Linked to a citizen"
    AMBIGUOUS = "ambiguous", "More than one citizen matched"
    NOT_FOUND = "not_found", "No citizen matched"


class AccountCitizenLink(models.Model):
    """A MyAccount user's link to their citizen, made when the account's identity was verified.

    One row per account, replaced on each verification: the outcome of the latest try,
    so the single view can say why an account is not linked. `citizen` is the citizen
    matched at the time; readers follow merges with `selectors.citizen_current`.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen_link")
    outcome = models.CharField(max_length=10, choices=AccountLinkOutcome.choices)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, blank=True, related_name="account_links")
    linked_at = models.DateTimeField()
    # What was compared (and the identity check that unlocked it), e.g. "postal_pin: name, date of birth, address".
    method = models.CharField(max_length=100)
    # 1.0 when every field agreed exactly; lower when the given name agreed only through a nickname.
    score = models.FloatField(default=0.0)
    candidates = models.PositiveSmallIntegerField(default=0, help_text="Citizens that matched (linked only at 1).")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="linked", citizen__isnull=False)
                | (~models.Q(outcome="linked") & models.Q(citizen__isnull=True)),
                name="people_accountlink_citizen_iff_linked",
            )
        ]

    def __str__(self) -> str:
        return f"Account link of user {self.user_id} ({self.outcome})"
