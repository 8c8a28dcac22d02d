"""What a resident's account holds beyond sign-in: details, preferences, consent, feeds, exports.

Sign-in itself (email, password, MFA) belongs to accounts; messages the council sent
belong to notify (Correspondence); reports belong to service_requests. This app joins
them into one account and keeps the resident's own choices.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from townhall.accounts.models import User
from townhall.myaccount.constants import (
    ContactChannel,
    ErasureState,
    ExportState,
    IdentityConfidence,
    IdentityMethod,
    RedactionReason,
    SubjectAccessState,
)
from townhall.places.models import Address, Ward
from townhall.service_requests.models import CategoryGroup


class ResidentProfile(models.Model):
    """Personal details a resident chose to give, beyond their name and email (on User)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="resident_profile")
    phone = models.CharField(max_length=20, blank=True, help_text="UK mobile or landline, as given.")
    date_of_birth = models.DateField(null=True, blank=True)
    # The address chosen from the gazetteer; the text is kept as chosen, so a later change
    # to the gazetteer does not silently move the resident.
    address = models.ForeignKey(Address, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    address_text = models.CharField(max_length=300, blank=True)
    address_since = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Profile of user {self.user_id}"


class AddressChange(models.Model):
    """One move, with the date it took effect: the history other services can rely on."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="address_changes")
    address = models.ForeignKey(Address, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    address_text = models.CharField(max_length=300)
    previous_address_text = models.CharField(max_length=300, blank=True)
    effective_from = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-effective_from", "-recorded_at"]

    def __str__(self) -> str:
        return f"Address change for user {self.user_id} from {self.effective_from}"


class CommunicationPreferences(models.Model):
    """The single view of one resident's engagement preferences (the seed's Engagement theme).

    Messages the resident caused (an acknowledgement, a security code) are essential and
    always sent; everything else is checked here first, by notify.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="communication_preferences")
    channel = models.CharField(max_length=10, choices=ContactChannel.choices, default=ContactChannel.EMAIL)
    service_updates = models.BooleanField(default=True, help_text="Updates on reports and services I use.")
    consultations = models.BooleanField(default=False)
    ward_news = models.BooleanField(default=False)
    digital_volunteering = models.BooleanField(default=False)
    no_marketing = models.BooleanField(
        default=False, help_text="Overrides every optional topic: nothing but what I asked for."
    )
    large_print = models.BooleanField(default=False)
    easy_read = models.BooleanField(default=False)
    british_sign_language = models.BooleanField(default=False)
    preferred_language = models.CharField(max_length=60, blank=True)
    personalised_timeline = models.BooleanField(default=True)
    interests = models.ManyToManyField(CategoryGroup, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "communication preferences"
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(channel__in=ContactChannel.values), name="myaccount_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"Preferences of user {self.user_id}"


class ConsentPurpose(models.Model):
    """Something optional the council would like to do with a resident's data, asked for separately."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ConsentText(models.Model):
    """One published wording of a purpose. Never edited: a new wording is a new version."""

    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="texts")
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="Plain English: what we do, with whom, and how to change your mind.")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["purpose", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["purpose", "version"], name="myaccount_one_text_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose.slug} v{self.version}"


class ConsentDecision(models.Model):
    """A resident gave or withdrew consent to one exact text. Append-only: the history is the record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consent_decisions")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="decisions")
    given = models.BooleanField()
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-decided_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["user", "-decided_at"], name="myaccount_consent_user_idx")]

    def __str__(self) -> str:
        return f"User {self.user_id} {'gave' if self.given else 'withdrew'} {self.text}"


class TimelineFeed(models.Model):
    """The secret behind a resident's private Atom feed; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="timeline_feeds")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="myaccount_one_live_feed_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"Feed {self.pk} of user {self.user_id}"


class SuggestionOpened(models.Model):
    """A suggested timeline item the resident opened: one input to the (explained) ranking."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    category_group = models.ForeignKey(CategoryGroup, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"User {self.user_id} opened a {self.category_group_id} suggestion"


class DigitalChampion(models.Model):
    """A resident who offered to help neighbours get online."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="digital_champion")
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="+")
    availability = models.CharField(max_length=300, help_text="When they can help, in their words.")
    signed_up_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Digital champion {self.user_id}"


class DataExport(models.Model):
    """A subject-access download: prepared in the background, kept for a few days."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Relative to the private media root; never served except through the owner's view.
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(state__in=ExportState.values), name="myaccount_export_state_valid"),
        ]

    def __str__(self) -> str:
        return f"Data export {self.pk} of user {self.user_id} ({self.state})"


class ErasureRequest(models.Model):
    """A resident asked us to erase their data (UK GDPR Art. 17).

    `outcome` lists, per source of personal data, what was erased or anonymised and what
    was kept and why (statutory retention); a reviewer approves the kept part.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="erasure_requests")
    state = models.CharField(max_length=20, choices=ErasureState.choices, default=ErasureState.AWAITING_REVIEW)
    requested_at = models.DateTimeField(default=timezone.now)
    outcome = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(state__in=ErasureState.values), name="myaccount_erasure_state_valid"),
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} ({self.state})"


class IdentityVerification(models.Model):
    """The account holder's identity was verified: what unlocks records from other council systems.

    Creating an account proves only an email address; matching a name, date of birth and
    address proves nothing (anyone can know them). One of these rows is needed first.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_verifications")
    method = models.CharField(max_length=30, choices=IdentityMethod.choices)
    level = models.CharField(max_length=10, choices=IdentityConfidence.choices, default=IdentityConfidence.LOW)
    verified_at = models.DateTimeField(default=timezone.now)
    verified_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    evidence = models.CharField(
        max_length=300, blank=True, help_text="What staff checked, or the address the PIN went to."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-verified_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(method__in=IdentityMethod.values), name="myaccount_identity_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=IdentityConfidence.values), name="myaccount_identity_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"User {self.user_id} verified by {self.method}"


class IdentityPin(models.Model):
    """A one-time PIN posted to the account's address; only its digest is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_pins")
    pin_digest = models.CharField(max_length=64)
    address_text = models.CharField(max_length=300)
    posted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-posted_at"]

    def __str__(self) -> str:
        return f"PIN letter {self.pk} for user {self.user_id}"


class SubjectAccessRequest(models.Model):
    """A resident asked for the records other council systems hold about them (UK GDPR Art. 15).

    Not answered automatically: an information governance officer reviews the citizen's
    source records from the Citizen Index, redacts what the law lets or requires us to
    withhold, and releases a copy. `package` is that released copy, with every redacted
    value already replaced; the values withheld are never stored here. The row itself is
    the council's record of how the request was answered.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subject_access_requests")
    # The citizen the account was linked to when it asked; readers follow merges.
    citizen_ref = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=SubjectAccessState.choices, default=SubjectAccessState.OPEN)
    requested_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(help_text="One calendar month after the request (Art. 12(3)).")
    extended_to = models.DateField(null=True, blank=True, help_text="Up to two further months (Art. 12(3)).")
    extension_reason = models.TextField(blank=True)
    covering_note = models.TextField(blank=True, help_text="Sent to the resident with the records.")
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    package = models.JSONField(default=dict, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(state__in=SubjectAccessState.values), name="myaccount_subject_access_state_valid"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(state="open"), name="myaccount_one_open_subject_access_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"Subject access request SAR-{self.pk} ({self.state})"

    @property
    def reference(self) -> str:
        return f"SAR-{self.pk}"

    @property
    def deadline(self) -> dt.date:
        return self.extended_to or self.due_on


class SubjectAccessRedaction(models.Model):
    """One value an officer withheld from a subject access response, and why. Never holds the value."""

    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE, related_name="redactions")
    source_code = models.CharField(max_length=50)
    source_record_id = models.CharField(max_length=100)
    field = models.CharField(max_length=30)
    reason = models.CharField(max_length=20, choices=RedactionReason.choices)
    redacted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    redacted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["source_code", "source_record_id", "field"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["request", "source_code", "source_record_id", "field"], name="myaccount_one_redaction_per_value"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=RedactionReason.values), name="myaccount_redaction_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Redaction of {self.field} in {self.source_code}/{self.source_record_id}"
