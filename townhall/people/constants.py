"""Fixed vocabularies of the Citizen Index: person fields, statuses, event kinds, survivorship rules."""

from __future__ import annotations

from django.db import models

# The person fields every source record is mapped onto (the linkage model's input columns).
PERSON_FIELDS: tuple[str, ...] = (
    "given_name",
    "surname",
    "date_of_birth",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "email",
    "phone",
)
# Mapping keys besides the person fields: the source's own record id (required) and an
# optional deletion flag for delta extracts.
SOURCE_ID_KEY = "source_id"
DELETED_KEY = "deleted"
MAPPING_KEYS: tuple[str, ...] = (SOURCE_ID_KEY, *PERSON_FIELDS, DELETED_KEY)
# Values of a delta extract's deletion column that mean "this record was deleted".
DELETED_VALUES = frozenset({"y", "yes", "true", "1", "d", "deleted"})

# The address is taken whole from one record, never a line from one and a postcode from another.
ADDRESS_FIELDS: tuple[str, ...] = ("address_line_1", "address_line_2", "town", "postcode")

CITIZEN_ID_PREFIX = "CIT-"


class ImportMode(models.TextChoices):
    FULL = "full", "Full extract (records missing from it are marked deleted)"
    DELTA = "delta", "Delta (new and changed records; deletions only when flagged)"


class LoadStatus(models.TextChoices):
    LOADED = "loaded", "Loaded"
    REJECTED = "rejected", "Rejected (nothing stored)"


class CitizenStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    MERGED = "merged", "Merged"
    SPLIT = "split", "Split"
    RETIRED = "retired", "Retired"


class EventOrigin(models.TextChoices):
    LINKAGE = "linkage", "Linkage run"
    MANUAL = "manual", "Data steward"


class ReviewDecision(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    MATCH = "match", "Match (same person)"
    NOT_MATCH = "not_match", "Not a match"
    SKIP = "skip", "Skipped"


class SurvivorshipRule(models.TextChoices):
    MOST_TRUSTED = "most_trusted", "Most trusted source"
    MOST_RECENT = "most_recent", "Most recently changed record"
    MOST_COMPLETE = "most_complete", "Most complete value"


# Which rule picks each golden-record field. A guard test fails when a person field has none.
GOLDEN_RECORD_RULES: dict[str, SurvivorshipRule] = {
    # "Robert James" over "Bob" or "R": the fullest form of a name is the one to address someone by.
    "given_name": SurvivorshipRule.MOST_COMPLETE,
    # Names and dates of birth are checked against evidence in the most trusted systems.
    "surname": SurvivorshipRule.MOST_TRUSTED,
    "date_of_birth": SurvivorshipRule.MOST_TRUSTED,
    # People move and change numbers: the latest record knows best.
    "address_line_1": SurvivorshipRule.MOST_RECENT,
    "address_line_2": SurvivorshipRule.MOST_RECENT,
    "town": SurvivorshipRule.MOST_RECENT,
    "postcode": SurvivorshipRule.MOST_RECENT,
    "email": SurvivorshipRule.MOST_RECENT,
    "phone": SurvivorshipRule.MOST_RECENT,
}


class DataQualityIssueKind(models.TextChoices):
    INVALID = "invalid", "Does not meet the data standard"
    DUPLICATE = "duplicate", "Likely duplicate in the same system"
    CONFLICT = "conflict", "Differs from another system"


# Fields compared across sources for the same citizen: a difference is a conflict to resolve.
CONSISTENCY_FIELDS: tuple[str, ...] = ("surname", "date_of_birth")
