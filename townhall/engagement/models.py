"""Consultations (have your say), their questions and the responses residents give.

A consultation's workflow state (draft, published, withdrawn) is set by staff through the
services; whether it is upcoming, open or closed follows from the clock (`phase`). Closing
early moves `closes_at` to the moment it closed. Answers are one row per chosen option
or free-text answer, so results are plain counts.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from townhall.engagement.constants import ConsultationState, Phase, QuestionKind
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    """Named filters: which consultations a visitor may see, and which are upcoming, open or closed now."""

    def public(self) -> ConsultationQuerySet:
        """Published, or withdrawn after it was published (the page then says it was withdrawn)."""
        return self.filter(
            Q(state=ConsultationState.PUBLISHED) | Q(state=ConsultationState.WITHDRAWN, published_at__isnull=False)
        )

    def upcoming(self, now: dt.datetime) -> ConsultationQuerySet:
        return self.filter(state=ConsultationState.PUBLISHED, opens_at__gt=now)

    def open(self, now: dt.datetime) -> ConsultationQuerySet:
        return self.filter(state=ConsultationState.PUBLISHED, opens_at__lte=now, closes_at__gt=now)

    def closed(self, now: dt.datetime) -> ConsultationQuerySet:
        return self.filter(state=ConsultationState.PUBLISHED, closes_at__lte=now)

    def for_ward(self, ward_id: int) -> ConsultationQuerySet:
        """About this ward, or borough-wide (no wards named)."""
        return self.filter(Q(wards__id=ward_id) | Q(wards__isnull=True)).distinct()


class Consultation(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The end of its web address: lower case letters, numbers and hyphens.",
        error_messages={"unique": "Another consultation already uses this web address"},
    )
    summary = models.CharField(max_length=300, help_text="One or two sentences, shown in lists.")
    body = models.TextField(help_text="What the council proposes and why. Separate paragraphs with a blank line.")
    wards = models.ManyToManyField(
        Ward, blank=True, related_name="consultations", help_text="Leave empty for a borough-wide consultation."
    )
    category_group = models.ForeignKey(
        CategoryGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        help_text="The service it is about, so residents who follow that service hear of it.",
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=ConsultationState.choices, default=ConsultationState.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    closed_early_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="We asked, you said, we did: written after it closes.")
    outcome_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-opens_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="engagement_consultation_closes_after_opening",
                violation_error_message="The closing date must be after the opening date",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["state", "closes_at"], name="engagement_state_closes")]

    def __str__(self) -> str:
        return self.title

    def phase(self, now: dt.datetime | None = None) -> Phase:
        now = now or timezone.now()
        if self.state == ConsultationState.DRAFT:
            return Phase.DRAFT
        if self.state == ConsultationState.WITHDRAWN:
            return Phase.WITHDRAWN
        if now < self.opens_at:
            return Phase.UPCOMING
        if now < self.closes_at:
            return Phase.OPEN
        return Phase.CLOSED

    @property
    def current_phase(self) -> Phase:
        return self.phase()

    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.body.replace("\r\n", "\n").split("\n\n") if part.strip()]

    def outcome_paragraphs(self) -> list[str]:
        return [part.strip() for part in self.outcome.replace("\r\n", "\n").split("\n\n") if part.strip()]


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["consultation", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["consultation", "position"], name="engagement_question_position_unique")
        ]

    def __str__(self) -> str:
        return self.text


class QuestionOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)

    class Meta:
        ordering: ClassVar = ["question", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["question", "position"], name="engagement_option_position_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Response(models.Model):
    """One person's response. A signed-in resident has at most one per consultation and may change it until close."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_responses",
    )
    email = models.EmailField(blank=True, help_text="Where a receipt went, for a response made without an account.")
    reference = models.CharField(max_length=20, unique=True)
    revision = models.PositiveIntegerField(
        default=1, help_text="How many times the response was sent (1 = never changed)."
    )
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["consultation", "submitted_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["consultation", "user"],
                condition=Q(user__isnull=False),
                name="engagement_one_response_per_account",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Answer(models.Model):
    """One chosen option (single or multiple choice) or one free-text answer."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(QuestionOption, on_delete=models.PROTECT, null=True, blank=True, related_name="answers")
    text = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["response", "question__position", "option__position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["response", "option"], condition=Q(option__isnull=False), name="engagement_answer_option_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"
