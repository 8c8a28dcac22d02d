"""The staff workflow: draft → published (upcoming/open/closed by the clock) → outcome; withdraw; audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.engagement.conftest import QUESTIONS, MakeConsultation
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.engagement import services
from townhall.engagement.constants import Phase, QuestionKind
from townhall.engagement.models import Consultation
from townhall.engagement.services import ConsultationDetails, QuestionSpec

pytestmark = pytest.mark.django_db


def _actions(consultation: Consultation) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="engagement.consultation", object_id=str(consultation.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_a_consultation_moves_through_its_phases_and_every_step_is_audited(
    make_consultation: MakeConsultation, manager: User
) -> None:
    consultation = make_consultation("draft")
    assert consultation.phase() == Phase.DRAFT
    assert [q.kind for q in consultation.questions.all()] == ["single", "multiple", "text"]

    services.consultation_publish(acting_user=manager, consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.phase() == Phase.OPEN
    assert consultation.phase(consultation.opens_at - dt.timedelta(seconds=1)) == Phase.UPCOMING
    assert consultation.phase(consultation.closes_at) == Phase.CLOSED

    services.consultation_close_early(acting_user=manager, consultation=consultation, reason="Scheme cancelled")
    consultation.refresh_from_db()
    assert consultation.phase() == Phase.CLOSED
    assert consultation.closed_early_at is not None

    services.consultation_outcome_write(acting_user=manager, consultation=consultation, outcome="We asked.\n\nWe did.")
    consultation.refresh_from_db()
    assert consultation.outcome_paragraphs() == ["We asked.", "We did."]
    assert consultation.outcome_published_at is not None
    assert _actions(consultation) == [
        "engagement.consultation.created",
        "engagement.consultation.questions_set",
        "engagement.consultation.published",
        "engagement.consultation.closed_early",
        "engagement.consultation.outcome_written",
    ]


def test_invalid_moves_are_refused(make_consultation: MakeConsultation, manager: User) -> None:
    draft = make_consultation("draft")
    with pytest.raises(ValidationError, match="open consultation can be closed"):
        services.consultation_close_early(acting_user=manager, consultation=draft)
    with pytest.raises(ValidationError, match="once the consultation has closed"):
        services.consultation_outcome_write(acting_user=manager, consultation=draft, outcome="Too soon")

    published = make_consultation("open")
    with pytest.raises(ValidationError, match="Only a draft"):
        services.consultation_publish(acting_user=manager, consultation=published)
    with pytest.raises(ValidationError, match="Questions cannot change"):
        services.consultation_questions_set(acting_user=manager, consultation=published, questions=QUESTIONS)

    closed = make_consultation("closed")
    with pytest.raises(ValidationError, match="cannot be withdrawn"):
        services.consultation_withdraw(acting_user=manager, consultation=closed)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.consultation_update(
            acting_user=manager,
            consultation=closed,
            details=ConsultationDetails(
                title="New",
                slug=closed.slug,
                summary="s",
                body="b",
                opens_at=closed.opens_at,
                closes_at=closed.closes_at,
            ),
        )


def test_publishing_needs_questions_and_a_future_closing_date(manager: User) -> None:
    now = timezone.now()
    consultation = services.consultation_create(
        acting_user=manager,
        details=ConsultationDetails(
            title="Library hours",
            slug="library-hours",
            summary="s",
            body="b",
            opens_at=now - dt.timedelta(days=2),
            closes_at=now - dt.timedelta(days=1),
        ),
    )
    with pytest.raises(ValidationError, match="at least one question"):
        services.consultation_publish(acting_user=manager, consultation=consultation)
    services.consultation_questions_set(acting_user=manager, consultation=consultation, questions=QUESTIONS)
    with pytest.raises(ValidationError, match="closing date has passed"):
        services.consultation_publish(acting_user=manager, consultation=consultation)


def test_closing_must_follow_opening_and_slugs_are_unique(make_consultation: MakeConsultation, manager: User) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.consultation_create(
            acting_user=manager,
            details=ConsultationDetails(title="T", slug="t", summary="s", body="b", opens_at=now, closes_at=now),
        )
    assert "closing date must be after" in str(error.value)
    existing = make_consultation("draft", slug="taken")
    with pytest.raises(ValidationError) as error:
        services.consultation_create(
            acting_user=manager,
            details=ConsultationDetails(
                title="T", slug=existing.slug, summary="s", body="b", opens_at=now, closes_at=now + dt.timedelta(days=1)
            ),
        )
    assert "slug" in error.value.error_dict
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (QuestionSpec(text="Pick", kind=QuestionKind.SINGLE, options=("Only one",)), "needs 2 to 20 options"),
        (QuestionSpec(text="Pick", kind=QuestionKind.MULTIPLE, options=("A", "A")), "same option twice"),
        (QuestionSpec(text="Say", kind=QuestionKind.TEXT, options=("A", "B")), "cannot have options"),
        (QuestionSpec(text="  ", kind=QuestionKind.TEXT), "needs its text"),
        (QuestionSpec(text="Odd", kind="scale"), "unknown kind"),
    ],
)
def test_bad_questions_are_refused_and_nothing_changes(
    make_consultation: MakeConsultation, manager: User, spec: QuestionSpec, message: str
) -> None:
    consultation = make_consultation("draft")
    with pytest.raises(ValidationError, match=message):
        services.consultation_questions_set(
            acting_user=manager, consultation=consultation, questions=[QUESTIONS[0], spec]
        )
    assert consultation.questions.count() == 3


def test_withdrawing_an_open_consultation_stops_it(make_consultation: MakeConsultation, manager: User) -> None:
    consultation = make_consultation("open")
    services.consultation_withdraw(acting_user=manager, consultation=consultation, reason="Legal advice")
    consultation.refresh_from_db()
    assert consultation.phase() == Phase.WITHDRAWN
    assert Consultation.objects.public().filter(pk=consultation.pk).exists()  # it was published: the page says why
    assert not Consultation.objects.open(timezone.now()).filter(pk=consultation.pk).exists()


@pytest.mark.parametrize(
    "role", [StaffRole.CASE_OFFICER, StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.DATA_STEWARD, None]
)
def test_only_team_managers_run_consultations_even_outside_the_views(
    make_consultation: MakeConsultation, role: StaffRole | None, resident: User
) -> None:
    consultation = make_consultation("open")
    someone = (
        account_services.staff_create(email="other@council.example", password="a-long-password-42", roles=[role])
        if role is not None
        else resident
    )
    before = AuditEntry.objects.count()
    refusals = [
        lambda: services.consultation_close_early(acting_user=someone, consultation=consultation),
        lambda: services.consultation_withdraw(acting_user=someone, consultation=consultation),
        lambda: services.consultation_outcome_write(acting_user=someone, consultation=consultation, outcome="x"),
        lambda: services.responses_csv(acting_user=someone, consultation=consultation),
    ]
    for refused in refusals:
        with pytest.raises(PermissionDenied):
            refused()
    consultation.refresh_from_db()
    assert consultation.phase() == Phase.OPEN
    assert AuditEntry.objects.count() == before
