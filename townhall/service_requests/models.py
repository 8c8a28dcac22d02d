"""The service catalogue (groups, categories, questions, routing) and service requests with their history.

Rows are written only through townhall.service_requests.services, which validates,
routes, computes the SLA and audits in one transaction. The constraints here are the
invariants that must hold whatever writes them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from townhall.accounts.models import Team
from townhall.places.models import Street, Ward
from townhall.service_requests.constants import (
    CLOSED_STATUSES,
    CODE_MAX_LENGTH,
    CODE_PATTERN,
    DESCRIPTION_MAX_LENGTH,
    MAX_DUPLICATE_RADIUS_M,
    OPEN_STATUSES,
    Channel,
    Datatype,
    PhotoPolicy,
    Priority,
    Resolution,
    SlaUnit,
    Status,
    is_open,
    resolution,
)
from townhall.service_requests.sla import effective_due


def validate_code(value: str) -> None:
    """Codes appear in URLs and Open311 (`service_code`, `attribute[code]`): keep them plain."""
    if not CODE_PATTERN.match(value):
        raise ValidationError(
            "Use only lower case letters, numbers, hyphens and underscores, starting with a letter or number",
            code="invalid_code",
        )


class CategoryGroup(models.Model):
    """A heading residents choose from first (Roads, Waste, Street lighting...); Open311's `group`."""

    name = models.CharField(
        max_length=100, unique=True, error_messages={"unique": "A group with this name already exists"}
    )
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")

    class Meta:
        ordering: ClassVar = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """One thing a resident can report (a service in Open311 terms), with how the council handles it."""

    service_code = models.CharField(
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[validate_code],
        error_messages={"unique": "A category with this service code already exists"},
        help_text="Open311 service_code, e.g. pothole. Lower case letters, numbers, hyphens and underscores.",
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="Shown to residents choosing a category.")
    group = models.ForeignKey(CategoryGroup, on_delete=models.PROTECT, related_name="categories")
    keywords = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated words residents might search for (Open311 keywords)."
    )
    active = models.BooleanField(default=True, help_text="Inactive categories take no new requests.")
    is_public = models.BooleanField(
        default=True,
        help_text="Requests in non-public categories (e.g. safeguarding) never appear in public lists, maps or feeds.",
    )
    default_priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    sla_unit = models.CharField(max_length=20, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS)
    sla_amount = models.PositiveSmallIntegerField(
        default=10, help_text="Working days (day 1 is the first working day after receipt) or clock hours."
    )
    duplicate_radius_m = models.PositiveIntegerField(
        default=50,
        validators=[MaxValueValidator(MAX_DUPLICATE_RADIUS_M)],
        help_text="How far around a new report to look for open reports in the same category; 0 for nowhere.",
    )
    photos = models.CharField(max_length=20, choices=PhotoPolicy.choices, default=PhotoPolicy.OPTIONAL)
    handling_minutes = models.PositiveSmallIntegerField(
        default=30,
        help_text="Average officer time one request takes, in minutes; turns forecast demand into staff hours.",
    )
    council_responsible = models.BooleanField(default=True)
    referral_body_name = models.CharField(
        max_length=200, blank=True, help_text="Who is responsible instead, e.g. National Highways."
    )
    referral_url = models.URLField(blank=True)
    referral_message = models.TextField(blank=True)
    anonymous_allowed = models.BooleanField(
        default=True, help_text="Residents may report without signing in (they confirm by email)."
    )
    pause_sla_while_waiting = models.BooleanField(
        default=False, help_text="Stop the SLA clock while the council waits for the resident."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["group__order", "group__name", "name"]
        verbose_name_plural = "categories"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(default_priority__in=Priority.values), name="service_requests_category_priority_known"
            ),
            models.CheckConstraint(condition=Q(sla_unit__in=SlaUnit.values), name="service_requests_category_sla_unit"),
            models.CheckConstraint(condition=Q(sla_amount__gte=1), name="service_requests_category_sla_positive"),
            models.CheckConstraint(condition=Q(photos__in=PhotoPolicy.values), name="service_requests_category_photos"),
            models.CheckConstraint(
                condition=Q(council_responsible=True) | ~Q(referral_body_name=""),
                name="service_requests_category_referral_names_a_body",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_urgent_sla(self) -> bool:
        return self.sla_unit == SlaUnit.HOURS

    @property
    def sla_label(self) -> str:
        """ "5 working days", "2 hours"."""
        if self.sla_unit == SlaUnit.HOURS:
            return f"{self.sla_amount} hour{'s' if self.sla_amount != 1 else ''}"
        return f"{self.sla_amount} working day{'s' if self.sla_amount != 1 else ''}"

    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class Question(models.Model):
    """An extra question asked when reporting in a category (an Open311 service attribute)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(
        max_length=CODE_MAX_LENGTH,
        validators=[validate_code],
        help_text="Open311 attribute code, e.g. depth. Unique within the category.",
    )
    label = models.CharField(max_length=300, help_text="The question, e.g. 'How deep is the pothole?'")
    hint = models.CharField(max_length=300, blank=True)
    datatype = models.CharField(max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["category", "order", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["category", "code"], name="service_requests_question_code_unique"),
            models.CheckConstraint(
                condition=Q(datatype__in=Datatype.values), name="service_requests_question_datatype"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.code}"


class QuestionChoice(models.Model):
    """One option of a single- or multi-value-list question: Open311's (key, name)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.CharField(max_length=CODE_MAX_LENGTH, validators=[validate_code])
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["question", "order", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["question", "key"], name="service_requests_choice_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Which team gets a category's requests: the rule for the request's ward if any, else the category's default.

    Each category has exactly one default rule (no ward), created with the category and
    never deleted, so every request has somewhere to go.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["category", "ward__name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["category"], condition=Q(ward__isnull=True), name="service_requests_one_default_rule"
            ),
            models.UniqueConstraint(
                fields=["category", "ward"], condition=Q(ward__isnull=False), name="service_requests_one_rule_per_ward"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} / {self.ward_id or 'default'} -> {self.team_id}"

    @property
    def is_default(self) -> bool:
        return self.ward_id is None


class ReferenceCounter(models.Model):
    """The last request number given out in a year; its row lock makes references unique and gap-free."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class ServiceRequest(models.Model):
    """A report of a problem, from any channel. Created only by services.service_request_create."""

    reference = models.CharField(max_length=30, unique=True, help_text='Public reference, e.g. "DB-2026-000123".')
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="requests")
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    # Location: WGS84 for maps and Open311, British National Grid for council GIS.
    lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lng = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    easting = models.FloatField()
    northing = models.FloatField()
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uprn = models.PositiveBigIntegerField(
        "UPRN", null=True, blank=True, help_text="The property the report is about, when there is one."
    )
    address_string = models.CharField(max_length=400, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_through = models.ForeignKey(
        "open311.ApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The client application (API key) that sent it, for requests made through Open311 or the API.",
    )
    # The reporter: an account, or contact details given without one (kept apart from
    # the account so erasing one never rewrites the other).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="service_requests"
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff who recorded it on the reporter's behalf (assisted channels).",
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assigned_team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sla_due_at = models.DateTimeField(help_text="Due time computed at receipt; pauses are added on top.")
    sla_paused_seconds = models.PositiveIntegerField(default=0, help_text="Completed pauses, in seconds.")
    sla_paused_since = models.DateTimeField(null=True, blank=True, help_text="Set while the clock is paused.")
    closed_at = models.DateTimeField(null=True, blank=True)
    first_time_resolved = models.BooleanField(
        null=True,
        blank=True,
        help_text="Empty until closed; true if resolved without being reopened; false once reopened.",
    )
    is_public = models.BooleanField(
        default=True, help_text="False once staff flag it as sensitive: hidden from every public list, map and feed."
    )
    # Anonymous web reports wait for the reporter to confirm by email before they go live.
    awaiting_confirmation = models.BooleanField(default=False)
    confirmation_digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the emailed confirmation token, hex; cleared once used."
    )
    redacted_description = models.TextField(
        blank=True, help_text="What the public sees instead of the description after moderation; staff see both."
    )
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates")
    awaiting_reporter_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set while a question to the reporter waits for their reply; their next update clears it.",
    )

    class Meta:
        ordering: ClassVar = ["-received_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["assigned_team", "status"], name="service_req_team_status"),
            models.Index(fields=["category", "status"], name="service_req_category_status"),
            models.Index(fields=["ward", "status"], name="service_req_ward_status"),
            models.Index(fields=["received_at"], name="service_req_received"),
            models.Index(fields=["updated_at"], name="service_req_updated"),
            models.Index(fields=["sla_due_at"], name="service_req_sla_due"),
            models.Index(fields=["lat", "lng"], name="service_req_lat_lng"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="service_requests_status_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="service_requests_channel_known"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="service_requests_priority_known"),
            # closed_at is set exactly when the request is closed.
            models.CheckConstraint(
                condition=(Q(status__in=sorted(CLOSED_STATUSES)) & Q(closed_at__isnull=False))
                | (Q(status__in=sorted(OPEN_STATUSES)) & Q(closed_at__isnull=True)),
                name="service_requests_closed_at_matches_status",
            ),
            # A duplicate always says what it duplicates, and nothing else does.
            models.CheckConstraint(
                condition=(Q(status=Status.DUPLICATE) & Q(duplicate_of__isnull=False))
                | (~Q(status=Status.DUPLICATE) & Q(duplicate_of__isnull=True)),
                name="service_requests_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=Q(first_time_resolved__isnull=True)
                | Q(closed_at__isnull=False)
                | Q(first_time_resolved=False),
                name="service_requests_resolved_only_when_closed",
            ),
            # Only an open request waits for its reporter: closing it ends the wait.
            models.CheckConstraint(
                condition=Q(awaiting_reporter_since__isnull=True) | Q(status__in=sorted(OPEN_STATUSES)),
                name="service_requests_awaiting_reporter_only_open",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return is_open(self.status)

    @property
    def resolution(self) -> Resolution:
        return resolution(self.status)

    @property
    def has_account_reporter(self) -> bool:
        return self.reporter_id is not None

    def sla_effective_due(self, *, now: dt.datetime) -> dt.datetime:
        """The due time with every pause (including one still running at `now`) added on."""
        return effective_due(
            due_at=self.sla_due_at, paused_seconds=self.sla_paused_seconds, paused_since=self.sla_paused_since, now=now
        )


class RequestAnswer(models.Model):
    """A reporter's answer to one of the category's questions, kept with the question as it was asked.

    The code and label are copied, so editing or deleting the question later never
    changes what the request says was asked.
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    question_code = models.CharField(max_length=CODE_MAX_LENGTH)
    question_label = models.CharField(max_length=300)
    datatype = models.CharField(max_length=20, choices=Datatype.choices)
    value = models.JSONField(help_text="A string, or a list of choice keys for multi value lists.")
    display_value = models.TextField(help_text="The answer as people read it (choice names, not keys).")

    class Meta:
        ordering: ClassVar = ["request", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["request", "question_code"], name="service_requests_one_answer_each"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.question_code}"


class RequestUpdate(models.Model):
    """One step in a request's history: a status change, a public update, an internal note, or several at once.

    `internal_note` is for staff only and never leaves the back office; `reporter_question`
    is for the reporter only (their tracking page and email). `external_id` is
    the id a client system gave the update (Open311 `update_id`), so a re-posted update is
    recognised instead of stored twice.
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="updates")
    created_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_from = models.CharField(max_length=30, choices=Status.choices, blank=True)
    status_to = models.CharField(max_length=30, choices=Status.choices, blank=True)
    public_message = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)
    reporter_question = models.TextField(
        blank=True, help_text="A case officer's question to the reporter: shown to them only, never public."
    )
    redacted_message = models.TextField(
        blank=True, help_text="What the public sees instead of public_message after moderation."
    )
    channel = models.CharField(
        max_length=20, choices=Channel.choices, blank=True, help_text="Where an update from outside came from."
    )
    received_through = models.ForeignKey(
        "open311.ApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The client application (API key) that posted it, for updates from Open311 or the API.",
    )
    external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering: ClassVar = ["request", "created_at", "id"]
        indexes: ClassVar = [models.Index(fields=["created_at"], name="service_req_update_created")]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["request", "external_id"],
                condition=~Q(external_id=""),
                name="service_requests_update_external_id_unique",
            ),
            # A status change names both ends; an update without one names neither.
            models.CheckConstraint(
                condition=(Q(status_from="") & Q(status_to="")) | (~Q(status_from="") & ~Q(status_to="")),
                name="service_requests_update_status_pair",
            ),
            models.CheckConstraint(
                condition=~Q(status_to="") | ~Q(public_message="") | ~Q(internal_note="") | ~Q(reporter_question=""),
                name="service_requests_update_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"Update {self.pk} on {self.request_id}"

    @property
    def changes_status(self) -> bool:
        return bool(self.status_to)


def _upload_to(prefix: str, instance: models.Model, filename: str) -> str:
    """Random names under a per-kind folder: never the uploader's filename, never guessable."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{prefix}/{secrets.token_hex(16)}.{suffix[:8]}"


def photo_upload_to(instance: models.Model, filename: str) -> str:
    return _upload_to("request-photos", instance, filename)


def document_upload_to(instance: models.Model, filename: str) -> str:
    return _upload_to("request-documents", instance, filename)


class RequestPhoto(models.Model):
    """A photo of the problem, re-encoded without metadata. Served only through a view that checks visibility.

    While a resident is still reporting, the photo belongs to their draft (`draft_key`)
    and has no request; submitting attaches it. Where the original carried a GPS
    position it is kept here (for staff) before the EXIF block is stripped.
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="photos")
    update = models.ForeignKey(RequestUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos")
    draft_key = models.CharField(max_length=64, blank=True, db_index=True)
    image = models.FileField(upload_to=photo_upload_to)
    content_type = models.CharField(max_length=50)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    exif_lng = models.FloatField(null=True, blank=True)
    is_public = models.BooleanField(default=True, help_text="False once staff hide it in moderation.")
    uploaded_at = models.DateTimeField()
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["request", "order", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(request__isnull=False) | ~Q(draft_key=""), name="service_requests_photo_has_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} of {self.request_id or self.draft_key}"


class RequestDocument(models.Model):
    """A document staff attach to a request (a contractor's report, a letter). Never public."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_upload_to)
    filename = models.CharField(max_length=255, help_text="The name it was uploaded with, for downloads.")
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    description = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["request", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename


class RequestSubscription(models.Model):
    """Someone following a request's public updates: its reporter, or a resident who chose "is it one of these?"."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(blank=True, help_text="For people following without an account.")
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["request", "created_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="service_requests_subscription_has_someone"
            ),
            models.UniqueConstraint(
                fields=["request", "user"], condition=Q(user__isnull=False), name="service_requests_one_sub_per_user"
            ),
            models.UniqueConstraint(
                fields=["request", "email"], condition=~Q(email=""), name="service_requests_one_sub_per_email"
            ),
        ]

    def __str__(self) -> str:
        return f"Subscription to {self.request_id}"


class AreaAlert(models.Model):
    """Email me about new reports in a ward, or within a radius of a point; optionally one category.

    Confirmed by email before anything is sent; unsubscribed with one click from any alert.
    """

    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    centre_lat = models.FloatField(null=True, blank=True)
    centre_lng = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(
        max_length=200, blank=True, help_text='How the area is named, e.g. "within 500 m of TS1 2AB".'
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True, help_text="Reports received before this were sent.")

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(ward__isnull=False) & Q(radius_m__isnull=True))
                | (
                    Q(ward__isnull=True)
                    & Q(radius_m__isnull=False)
                    & Q(centre_lat__isnull=False)
                    & Q(centre_lng__isnull=False)
                ),
                name="service_requests_alert_ward_or_radius",
            ),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk}: {self.label}"


class ResponseTemplate(models.Model):
    """Standard wording for a public update, offered for a category and/or the status being set."""

    title = models.CharField(max_length=100)
    text = models.TextField()
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        help_text="Empty for every category.",
    )
    status = models.CharField(max_length=30, choices=Status.choices, blank=True, help_text="Empty for any status.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class SavedFilter(models.Model):
    """A member of staff's named queue filter (the query string of the queue page)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["owner", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "name"], name="service_requests_saved_filter_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class BlockedReporter(models.Model):
    """An account or email address staff have blocked from reporting (abuse); lifted by setting lifted_at."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(blank=True)
    reason = models.CharField(max_length=500)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    blocked_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-blocked_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="service_requests_block_names_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"Block {self.pk}"


class CategoryWebhook(models.Model):
    """A back-office system (e.g. the highways contractor) told about new requests and updates in a category."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="webhooks")
    endpoint_slug = models.SlugField(
        max_length=50, help_text="The notify webhook endpoint (townhall notify endpoint add) to send to."
    )
    send_updates = models.BooleanField(default=True, help_text="Also send status changes and public updates.")
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["category", "endpoint_slug"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["category", "endpoint_slug"], name="service_requests_one_hook_per_endpoint"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} -> {self.endpoint_slug}"
