"""The register's vocabularies, in the words councils and the ICO use."""

from __future__ import annotations

from django.db import models


class AssetKind(models.TextChoices):
    SYSTEM = "system", "System"
    DATASET = "dataset", "Dataset"


class Classification(models.TextChoices):
    """Government Security Classifications. Almost everything a council holds is OFFICIAL."""

    OFFICIAL = "official", "OFFICIAL"
    OFFICIAL_SENSITIVE = "official_sensitive", "OFFICIAL-SENSITIVE"
    SECRET = "secret", "SECRET"
    TOP_SECRET = "top_secret", "TOP SECRET"


# Only these may appear in the register published as open data (see ADR 0020).
PUBLISHABLE_CLASSIFICATIONS = frozenset({Classification.OFFICIAL})


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6(1)."""

    CONSENT = "consent", "Consent (6(1)(a))"
    CONTRACT = "contract", "Contract (6(1)(b))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (6(1)(d))"
    PUBLIC_TASK = "public_task", "Public task (6(1)(e))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (6(1)(f))"


class SpecialCategoryCondition(models.TextChoices):
    """UK GDPR Article 9(2): the condition for processing special category data."""

    EXPLICIT_CONSENT = "a", "Explicit consent (9(2)(a))"
    EMPLOYMENT_SOCIAL_PROTECTION = "b", "Employment, social security and social protection (9(2)(b))"
    VITAL_INTERESTS = "c", "Vital interests (9(2)(c))"
    NOT_FOR_PROFIT = "d", "Not-for-profit bodies (9(2)(d))"
    MADE_PUBLIC = "e", "Made public by the data subject (9(2)(e))"
    LEGAL_CLAIMS = "f", "Legal claims or judicial acts (9(2)(f))"
    SUBSTANTIAL_PUBLIC_INTEREST = "g", "Substantial public interest (9(2)(g))"
    HEALTH_SOCIAL_CARE = "h", "Health or social care (9(2)(h))"
    PUBLIC_HEALTH = "i", "Public health (9(2)(i))"
    ARCHIVING_RESEARCH = "j", "Archiving, research and statistics (9(2)(j))"


class DisposalAction(models.TextChoices):
    DESTROY = "destroy", "Destroy securely"
    ANONYMISE = "anonymise", "Anonymise"
    ARCHIVE = "archive", "Transfer to the archive"
    REVIEW = "review", "Review, then decide"
    KEEP = "keep", "Keep permanently"


class RelationshipKind(models.TextChoices):
    """How one asset relates to another, read as "<source> <kind> <target>"."""

    FEEDS = "feeds", "feeds"
    DERIVED_FROM = "derived_from", "is derived from"
    SHARES_WITH = "shares_with", "shares data with"


class SharingDirection(models.TextChoices):
    OUTGOING = "outgoing", "We share with the partner"
    INCOMING = "incoming", "The partner shares with us"
    BOTH = "both", "Both ways"


class RuleKind(models.TextChoices):
    """What a corporate data standard checks. `pattern`, `max_length` and `choices` take a parameter."""

    UK_POSTCODE = "uk_postcode", "UK postcode"
    NI_NUMBER = "ni_number", "National Insurance number"
    ISO_DATE = "iso_date", "Date (ISO 8601, YYYY-MM-DD)"
    EMAIL = "email", "Email address"
    UK_PHONE = "uk_phone", "UK telephone number"
    UPRN = "uprn", "Unique Property Reference Number (UPRN)"
    PATTERN = "pattern", "Matches a regular expression"
    MAX_LENGTH = "max_length", "At most a number of characters"
    CHOICES = "choices", "One of a list of values"
    TEXT = "text", "Any text"


# Audit log actions and object types.
OBJECT_ASSET = "catalogue.information_asset"
OBJECT_AGREEMENT = "catalogue.sharing_agreement"
OBJECT_STANDARD = "catalogue.data_standard"
OBJECT_REGISTER = "catalogue.register"
