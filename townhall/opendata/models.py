"""The open data catalogue, modelled on DCAT v3 / DCAT-AP 3 and shaped so CKAN's package/resource dicts map onto it.

DCAT → here: dcat:Catalog is the site; foaf:Agent publisher → Publisher (a CKAN
organization); dcat:theme → Theme (a CKAN group); dcat:keyword → Tag; dct:license →
Licence; dcat:Dataset → Dataset; dcat:Distribution → Resource.

No personal data: a dataset's contact point is a role mailbox (e.g. "Open data team",
opendata@council.example), never a named officer; who changed what is in the audit log,
not on these rows.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import ClassVar

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

# CKAN's name rule: 2-100 lower-case letters, digits, "-" and "_" (its URLs and dumps rely on it).
name_validator = RegexValidator(
    r"^[a-z0-9_-]{2,100}$",
    "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
    code="invalid_name",
)
tag_validator = RegexValidator(
    r"^[\w .-]{2,100}$",
    "Tag must be 2 to 100 characters: letters, numbers, spaces and - _ .",
    code="invalid_tag",
)


class PublisherType(models.TextChoices):
    """ADMS publisher types (http://purl.org/adms/publishertype/…), as DCAT-AP recommends."""

    LOCAL_AUTHORITY = "LocalAuthority", "Local authority"
    NATIONAL_AUTHORITY = "NationalAuthority", "National authority"
    PUBLIC_BODY = "PublicBody", "Public body"
    NON_PROFIT = "NonProfitOrganisation", "Non-profit organisation"
    COMPANY = "Company", "Company"
    ACADEMIA = "Academia-ScientificOrganisation", "Academic or scientific organisation"


class DatasetState(models.TextChoices):
    """Draft → in review (a data steward checks) → active (published); withdrawn keeps it findable; deleted hides it."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    ACTIVE = "active", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DELETED = "deleted", "Deleted"


FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"


class Frequency(models.TextChoices):
    """dct:accrualPeriodicity, from the EU Publications Office frequency vocabulary (stored as the full IRI)."""

    CONTINUOUS = FREQUENCY_BASE + "UPDATE_CONT", "Continuously updated"
    DAILY = FREQUENCY_BASE + "DAILY", "Daily"
    WEEKLY = FREQUENCY_BASE + "WEEKLY", "Weekly"
    MONTHLY = FREQUENCY_BASE + "MONTHLY", "Monthly"
    QUARTERLY = FREQUENCY_BASE + "QUARTERLY", "Quarterly"
    ANNUAL = FREQUENCY_BASE + "ANNUAL", "Annual"
    IRREGULAR = FREQUENCY_BASE + "IRREG", "Irregular"
    NEVER = FREQUENCY_BASE + "NEVER", "Never (historical)"
    UNKNOWN = FREQUENCY_BASE + "UNKNOWN", "Unknown"


class Publisher(models.Model):
    """Who publishes datasets (dct:publisher, a foaf:Agent): a council directorate or a partner. CKAN's organization."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True, validators=[name_validator])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    homepage = models.URLField(blank=True)
    email = models.EmailField(blank=True, help_text="A role mailbox, never a person's own address.")
    publisher_type = models.CharField(
        max_length=40, choices=PublisherType.choices, default=PublisherType.LOCAL_AUTHORITY
    )
    image_url = models.URLField(blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["title", "name"]

    def __str__(self) -> str:
        return self.title


class Theme(models.Model):
    """A subject datasets are grouped under (dcat:theme; CKAN's group), optionally an EU data theme IRI."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True, validators=[name_validator])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    iri = models.URLField(blank=True, help_text="e.g. http://publications.europa.eu/resource/authority/data-theme/GOVE")
    image_url = models.URLField(blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["title", "name"]

    def __str__(self) -> str:
        return self.title


class Licence(models.Model):
    """A licence datasets are published under (dct:license). `key` is CKAN's license_id, e.g. OGL-UK-3.0."""

    key = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    url = models.URLField()
    is_default = models.BooleanField(default=False)
    is_open = models.BooleanField(default=True, help_text="Conforms to the Open Definition.")

    class Meta:
        ordering: ClassVar = ["title"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_licence"
            )
        ]

    def __str__(self) -> str:
        return self.key


class Tag(models.Model):
    """A free keyword (dcat:keyword; CKAN's tag). Shared by datasets, so a tag list and facets are one query."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True, validators=[tag_validator])

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    """A dcat:Dataset (CKAN's package). `metadata_modified` changes on every write, resources included."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(
        max_length=100,
        unique=True,
        validators=[name_validator],
        error_messages={"unique": "That URL is already in use."},
    )
    title = models.CharField(max_length=250)
    notes = models.TextField(blank=True, help_text="Description (dct:description), Markdown.")
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="datasets")
    themes = models.ManyToManyField(Theme, blank=True, related_name="datasets")
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets")
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="datasets")
    state = models.CharField(max_length=20, choices=DatasetState.choices, default=DatasetState.DRAFT, db_index=True)
    withdrawn_reason = models.TextField(blank=True)
    private = models.BooleanField(default=False)
    metadata_created = models.DateTimeField(default=timezone.now)
    metadata_modified = models.DateTimeField(default=timezone.now, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="First publication (dct:issued).")
    scheduled_publication_at = models.DateTimeField(
        null=True, blank=True, help_text="An active dataset stays hidden from the public until this time."
    )
    temporal_start = models.DateField(null=True, blank=True)
    temporal_end = models.DateField(null=True, blank=True)
    spatial_label = models.CharField(max_length=200, blank=True, help_text="Place covered, in words.")
    spatial_geojson = models.JSONField(null=True, blank=True, help_text="Place covered, as a GeoJSON geometry.")
    frequency = models.CharField(max_length=120, choices=Frequency.choices, blank=True)
    contact_name = models.CharField(max_length=200, blank=True, help_text="A team or role, not a person.")
    contact_email = models.EmailField(blank=True, help_text="A role mailbox, not a person's own address.")
    landing_page = models.URLField(blank=True, help_text="CKAN's `url`: the dataset's page elsewhere, if any.")
    version = models.CharField(max_length=100, blank=True)
    extras = models.JSONField(default=list, blank=True, help_text='Other properties: [{"key": …, "value": …}].')

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(temporal_start__isnull=True)
                | models.Q(temporal_end__isnull=True)
                | models.Q(temporal_start__lte=models.F("temporal_end")),
                name="opendata_dataset_temporal_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DatasetSearchRow(models.Model):
    """A dataset's row in PostgreSQL's full-text index (search_index.py owns the table; triggers keep it current).

    Read-only, PostgreSQL only: package_search filters and sorts on these copies of the dataset's
    own columns beside the tsvector it matches, so a search never joins the wide dataset table
    for who may see a dataset, its publisher or licence, or its dates.
    """

    dataset = models.OneToOneField(
        Dataset, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    name = models.CharField(max_length=100)
    title = models.CharField(max_length=250)
    state = models.CharField(max_length=20, choices=DatasetState.choices)
    private = models.BooleanField()
    scheduled_publication_at = models.DateTimeField(null=True)
    publisher = models.ForeignKey(Publisher, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    licence = models.ForeignKey(Licence, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    metadata_created = models.DateTimeField()
    metadata_modified = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "opendata_dataset_search"

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """A dcat:Distribution (CKAN's resource): a link, or a file uploaded to Townhall."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=2000, blank=True)
    upload = models.FileField(upload_to="opendata/resources/%Y/%m/", blank=True)
    format = models.CharField(max_length=50, blank=True)
    mimetype = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    hash = models.CharField(max_length=128, blank=True)
    position = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    last_modified = models.DateTimeField(null=True, blank=True)
    metadata_modified = models.DateTimeField(default=timezone.now)
    datastore_active = models.BooleanField(default=False)
    table_schema = models.JSONField(
        null=True, blank=True, help_text="Table Schema (tabular files): inferred, then edited by a steward."
    )
    current_version = models.ForeignKey(
        "ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["dataset", "position", "created"]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ResourceVersion(models.Model):
    """One accepted upload of a resource's file. Immutable: a new upload makes a new version; old ones stay."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the resource.")
    file = models.FileField(upload_to="opendata/versions/%Y/%m/")
    filename = models.CharField(max_length=250)
    format = models.CharField(max_length=50, blank=True)
    mimetype = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    row_count = models.PositiveBigIntegerField(null=True, blank=True, help_text="Data rows, for tabular files.")
    table_schema = models.JSONField(null=True, blank=True, help_text="Schema validated against.")
    change_summary = models.JSONField(
        default=dict, blank=True, help_text="Versus the previous version: rows_added, rows_removed, rows_changed."
    )
    change_note = models.TextField(blank=True, help_text="What changed, in the uploader's words.")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="opendata_resource_versions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["resource", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["resource", "number"], name="opendata_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"


class StagedUploadState(models.TextChoices):
    QUEUED = "queued", "Waiting to be checked"
    CHECKING = "checking", "Checking"
    ACCEPTED = "accepted", "Published"
    REJECTED = "rejected", "Not accepted"
    FAILED = "failed", "Failed"


class StagedUpload(models.Model):
    """A large file waiting for, or done with, its validation in the background (services/staged.py).

    The file sits in private staging storage only until it has been checked: accepted, it
    becomes `version` (stored under the version's own path); refused or failed, it is deleted
    and the report or the reason stays here for the steward's progress page.

    A new version names its `resource`. A new file for a dataset names the `dataset` and the
    resource-to-be's `name` and `description` instead (`resource` stays empty): the resource
    is created with its first version only once the file passes, so a refusal leaves none.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="staged_uploads"
    )
    dataset = models.ForeignKey(
        Dataset,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staged_uploads",
        help_text="For a new file: the dataset it is added to.",
    )
    name = models.CharField(max_length=250, blank=True, help_text="For a new file: the resource's name.")
    description = models.TextField(blank=True, help_text="For a new file: the resource's description.")
    file = models.FileField(upload_to="opendata/staging/", blank=True, max_length=300)
    filename = models.CharField(max_length=250)
    size = models.PositiveBigIntegerField()
    change_note = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=StagedUploadState.choices, default=StagedUploadState.QUEUED)
    rows_checked = models.PositiveBigIntegerField(default=0, help_text="Progress while checking.")
    rows_expected = models.PositiveBigIntegerField(null=True, blank=True, help_text="About how many rows (CSV lines).")
    problems = models.JSONField(default=list, blank=True, help_text="The refusal report (validation_report.Problem).")
    truncated = models.BooleanField(default=False)
    error = models.TextField(blank=True, help_text="Why checking failed (not the file's fault).")
    version = models.ForeignKey(ResourceVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="opendata_staged_uploads"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(resource__isnull=False) | models.Q(dataset__isnull=False),
                name="opendata_staged_upload_resource_or_dataset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in (StagedUploadState.ACCEPTED, StagedUploadState.REJECTED, StagedUploadState.FAILED)


class DatastoreTableState(models.TextChoices):
    PENDING = "pending", "Waiting to load"
    LOADING = "loading", "Loading"
    ACTIVE = "active", "Loaded"
    FAILED = "failed", "Load failed"


class DatastoreTable(models.Model):
    """The queryable database table holding a tabular resource's current version (CKAN's datastore)."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="datastore_table")
    table_name = models.CharField(max_length=63, unique=True)
    version = models.ForeignKey(ResourceVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fields = models.JSONField(default=list, help_text='[{"id", "type" (PostgreSQL names)}], _id excluded.')
    primary_key = models.JSONField(default=list, blank=True, help_text="Key fields (datastore_upsert).")
    indexes = models.JSONField(default=list, blank=True)
    row_count = models.PositiveBigIntegerField(default=0)
    state = models.CharField(max_length=20, choices=DatastoreTableState.choices, default=DatastoreTableState.PENDING)
    rows_loaded = models.PositiveBigIntegerField(default=0, help_text="Progress while loading.")
    error = models.TextField(blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.table_name


def token_digest(raw_token: str) -> str:
    """How a token is stored and looked up: SHA-256, hex (enough for 256 random bits; no slow hash needed)."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


class ApiToken(models.Model):
    """A person's key to the CKAN Action API. Only a SHA-256 of the token is kept (it is 256 random bits)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="opendata_api_tokens")
    name = models.CharField(max_length=100, blank=True)
    token_prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.token_prefix}…"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
