"""States, phases, question kinds and audit actions of consultations, in one place."""

from django.db import models


class ConsultationState(models.TextChoices):
    """Where a consultation is in its editorial workflow; staff move it on with services."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Phase(models.TextChoices):
    """What a visitor sees: the workflow state combined with the clock (opens_at, closes_at)."""

    DRAFT = "draft", "Draft"
    UPCOMING = "upcoming", "Upcoming"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class QuestionKind(models.TextChoices):
    SINGLE = "single", "One answer (radios)"
    MULTIPLE = "multiple", "Any number of answers (checkboxes)"
    TEXT = "text", "Free text"


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})
MIN_OPTIONS = 2
MAX_OPTIONS = 20
MAX_QUESTIONS = 50
MAX_TEXT_ANSWER = 5000

# A response reference: "HYS-" and two groups of four characters no one misreads (no 0/O, 1/I/L).
REFERENCE_PREFIX = "HYS"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

# Anonymous responses: per IP address per hour, and receipts per typed-in address per day.
ANONYMOUS_RESPONSES_PER_HOUR = 20
RECEIPTS_PER_ADDRESS_PER_DAY = 5

# Audit actions (staff changes, and every download of responses) and the object type they name.
ACTION_CREATED = "engagement.consultation.created"
ACTION_UPDATED = "engagement.consultation.updated"
ACTION_QUESTIONS_SET = "engagement.consultation.questions_set"
ACTION_PUBLISHED = "engagement.consultation.published"
ACTION_CLOSED_EARLY = "engagement.consultation.closed_early"
ACTION_WITHDRAWN = "engagement.consultation.withdrawn"
ACTION_OUTCOME_WRITTEN = "engagement.consultation.outcome_written"
ACTION_RESPONSES_EXPORTED = "engagement.responses.exported"
OBJECT_TYPE_CONSULTATION = "engagement.consultation"
RELATED_TYPE_RESPONSE = "engagement.response"
