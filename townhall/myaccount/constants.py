"""Choices and limits of the resident account, in one place."""

from django.db import models

from townhall.accounts.constants import StaffRole


class ContactChannel(models.TextChoices):
    """How a resident prefers to hear from the council about things they did not ask for."""

    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    LETTER = "letter", "Letter"
    NONE = "none", "Do not contact me"


class TimelineKind(models.TextChoices):
    REQUEST = "request", "My reports"
    REQUEST_UPDATE = "request_update", "Updates on my reports"
    MESSAGE = "message", "Messages from the council"
    CONSENT = "consent", "Consent given or withdrawn"
    DETAILS = "details", "Changes to my details"
    DATA_REQUEST = "data_request", "My requests for council records"
    CONSULTATION = "consultation", "Consultations I took part in"
    SUGGESTION = "suggestion", "Things you might find interesting"


class ExportState(models.TextChoices):
    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ErasureState(models.TextChoices):
    """Erasure runs at once for what nothing requires us to keep; the rest waits for a reviewer."""

    AWAITING_REVIEW = "awaiting_review", "Waiting for review"
    COMPLETED = "completed", "Completed"


class IdentityMethod(models.TextChoices):
    """How an account holder proved who they are (never by matching name, date of birth and address)."""

    POSTAL_PIN = "postal_pin", "A PIN posted to their address"
    STAFF_EVIDENCE = "staff_evidence", "Documents checked by council staff"
    GOVUK_ONE_LOGIN = "govuk_one_login", "GOV.UK One Login identity check"


class IdentityConfidence(models.TextChoices):
    """The level of confidence a check gives, in the Good Practice Guide 45 terms One Login uses (P1, P2)."""

    LOW = "low", "Low confidence"
    MEDIUM = "medium", "Medium confidence"


# What each way of checking proves: a posted PIN shows the person receives post at the address
# (low); documents checked by staff, or One Login's "P2" identity, give medium confidence.
IDENTITY_METHOD_CONFIDENCE = {
    IdentityMethod.POSTAL_PIN: IdentityConfidence.LOW,
    IdentityMethod.STAFF_EVIDENCE: IdentityConfidence.MEDIUM,
    IdentityMethod.GOVUK_ONE_LOGIN: IdentityConfidence.MEDIUM,
}


class SubjectAccessState(models.TextChoices):
    """A request for the records other council systems hold about a resident (UK GDPR Art. 15)."""

    OPEN = "open", "Being reviewed"
    RELEASED = "released", "Records sent"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RedactionReason(models.TextChoices):
    """Why a value is withheld from a subject access response: the grounds officers use most."""

    THIRD_PARTY = "third_party", "Personal data about someone else (DPA 2018 Sch. 2 para 16)"
    CRIME = "crime", "Prevention or detection of crime (DPA 2018 Sch. 2 para 2)"
    LEGAL_PRIVILEGE = "legal_privilege", "Legal professional privilege (DPA 2018 Sch. 2 para 19)"
    SERIOUS_HARM = "serious_harm", "Serious harm: health, social work or education data (DPA 2018 Sch. 3)"
    MANAGEMENT = "management", "Management forecasts or negotiations (DPA 2018 Sch. 2 paras 22-23)"


# A posted PIN: 8 characters from an alphabet without look-alikes, valid 28 days (second-class
# post can take a week), 5 tries, and at most 3 letters in 30 days.
PIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PIN_LENGTH = 8
PIN_VALID_DAYS = 28
PIN_MAX_ATTEMPTS = 5
PIN_LETTERS_PER_30_DAYS = 3

# Consent purposes every install has (data migration 0002); councils add their own in /staff/.
CONSENT_PREFILL = "prefill-forms"
CONSENT_GP_WELFARE = "share-with-gp-welfare"
CONSENT_RESEARCH = "user-research-panel"

TIMELINE_PAGE_SIZE = 25
# Suggestions look back this far and are mixed in at most this many per page.
SUGGESTION_WINDOW_DAYS = 30
SUGGESTIONS_PER_PAGE = 5
# How long a subject-access download stays available.
EXPORT_RETENTION_DAYS = 7
# Subject access (UK GDPR Art. 12(3)): one calendar month to answer, extendable by up to two more.
SUBJECT_ACCESS_MONTHS = 1
SUBJECT_ACCESS_MAX_EXTENSION_MONTHS = 2
FEED_TOKEN_BYTES = 32

ACTION_PREFERENCES_CHANGED = "myaccount.preferences.changed"
ACTION_PREFERENCES_VIEWED_BY_STAFF = "myaccount.preferences.viewed_by_staff"
ACTION_CONSENT_GIVEN = "myaccount.consent.given"
ACTION_CONSENT_WITHDRAWN = "myaccount.consent.withdrawn"
ACTION_DETAILS_CHANGED = "myaccount.details.changed"
ACTION_ADDRESS_CHANGED = "myaccount.address.changed"
ACTION_FEED_RESET = "myaccount.feed.reset"
ACTION_VOLUNTEER_CHANGED = "myaccount.volunteering.changed"
ACTION_VOLUNTEERS_VIEWED = "myaccount.volunteers.viewed"
ACTION_IDENTITY_PIN_POSTED = "myaccount.identity.pin_posted"
ACTION_IDENTITY_VERIFIED = "myaccount.identity.verified"
OBJECT_TYPE_USER = "accounts.user"


# Staff who may change a resident's preferences at their request (information governance reads only).
PREFERENCE_HELPER_ROLES = (StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.CASE_OFFICER)


class AskedBy(models.TextChoices):
    """How a resident asked a member of staff to change their preferences for them."""

    PHONE = "phone", "On the phone"
    FACE_TO_FACE = "face_to_face", "Face to face"
    LETTER_OR_EMAIL = "letter_or_email", "By letter or email"
