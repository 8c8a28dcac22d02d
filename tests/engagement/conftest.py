"""Fixtures for consultations: two wards, a group residents follow, and consultations in each phase."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.service_requests.conftest import (  # noqa: F401 - fixtures
    Borough,
    borough,
    roads,
    sign_in_with_mfa,
    staff_client,
)
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.engagement import services
from townhall.engagement.constants import QuestionKind
from townhall.engagement.models import Consultation, Question
from townhall.engagement.services import ConsultationDetails, QuestionSpec

QUESTIONS = (
    QuestionSpec(
        text="Do you support the plan?", kind=QuestionKind.SINGLE, required=True, options=("Yes", "No", "Not sure")
    ),
    QuestionSpec(
        text="Which days do you visit?", kind=QuestionKind.MULTIPLE, options=("Weekdays", "Saturday", "Sunday")
    ),
    QuestionSpec(text="Anything else?", kind=QuestionKind.TEXT, hint="Do not include personal details"),
)


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def manager(db: None) -> User:
    return account_services.staff_create(
        email="manager@council.example", password="correct-horse-battery-staple-42", roles=[StaffRole.TEAM_MANAGER]
    )


MakeConsultation = Callable[..., Consultation]


@pytest.fixture
def make_consultation(manager: User) -> MakeConsultation:
    """`make_consultation(phase="open", slug=..., wards=[...])`: a published (or draft) consultation with QUESTIONS."""
    counter = iter(range(1, 1000))

    def make(
        phase: str = "open",
        *,
        slug: str | None = None,
        wards: list[Any] | None = None,
        group: Any = None,
        closes_in: dt.timedelta = dt.timedelta(days=10),
    ) -> Consultation:
        now = timezone.now()
        number = next(counter)
        opens_at = now - dt.timedelta(days=5) if phase != "upcoming" else now + dt.timedelta(days=3)
        closes_at = opens_at + dt.timedelta(days=30) if phase == "upcoming" else now + closes_in
        consultation = services.consultation_create(
            acting_user=manager,
            details=ConsultationDetails(
                title=f"Town centre parking {number}",
                slug=slug or f"parking-{number}",
                summary="We want to change parking in the town centre.",
                body="First paragraph.\n\nSecond paragraph.",
                opens_at=opens_at,
                closes_at=closes_at,
                wards=wards or [],
                category_group=group,
            ),
        )
        services.consultation_questions_set(acting_user=manager, consultation=consultation, questions=QUESTIONS)
        if phase != "draft":
            services.consultation_publish(acting_user=manager, consultation=consultation)
        if phase == "closed":
            services.consultation_close_early(acting_user=manager, consultation=consultation)
        consultation.refresh_from_db()
        return consultation

    return make


def question_fields(consultation: Consultation) -> dict[str, Any]:
    """Form field names and option ids: {"single": name, "yes": id, ...}."""
    single, multiple, text = list(Question.objects.filter(consultation=consultation).order_by("position"))
    options = {option.label: str(option.pk) for q in (single, multiple) for option in q.options.all()}
    return {
        "single": f"question_{single.pk}",
        "multiple": f"question_{multiple.pk}",
        "text": f"question_{text.pk}",
        **options,
    }


def answers_for(
    consultation: Consultation, *, support: str = "Yes", days: tuple[str, ...] = (), text: str = ""
) -> dict[str, Any]:
    fields = question_fields(consultation)
    data: dict[str, Any] = {fields["single"]: fields[support], fields["text"]: text}
    if days:
        data[fields["multiple"]] = [fields[day] for day in days]
    return data


def service_answers(
    consultation: Consultation, *, support: str = "Yes", days: tuple[str, ...] = (), text: str = ""
) -> dict[int, Any]:
    single, multiple, free = list(Question.objects.filter(consultation=consultation).order_by("position"))
    option = {o.label: o.pk for q in (single, multiple) for o in q.options.all()}
    return {single.pk: option[support], multiple.pk: [option[d] for d in days], free.pk: text}
