"""The demo borough's consultations (Have your say): one closed with its outcome, two open, one upcoming.

Everything goes through `engagement.services`, acting as the documented team manager, so
the demo has the audit entries and receipts a real consultation would. The closed one is
set up while open (responses can only be given then) and its dates are then moved into
the past, as the history generator does for service requests. Responses come from the
documented residents and a seeded choice of other residents, so a run is repeatable.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from townhall.accounts import selectors as account_selectors
from townhall.accounts.models import User
from townhall.demo.constants import DEMO_EMAIL_DOMAIN, DEMO_RESIDENTS
from townhall.demo.service_requests import PARKS_GROUP, ROADS, WASTE
from townhall.engagement import services as engagement_services
from townhall.engagement.constants import Phase, QuestionKind
from townhall.engagement.models import Consultation
from townhall.engagement.services import ConsultationDetails, QuestionSpec
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup

SINGLE, MULTIPLE, TEXT = QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TEXT
AGREE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")


@dataclass(frozen=True)
class DemoConsultation:
    slug: str
    title: str
    summary: str
    body: str
    group: str | None
    ward_count: int  # how many wards (the first ones by name); 0 is borough-wide
    opens: int  # days from `as_of`
    closes: int
    questions: tuple[QuestionSpec, ...]
    responses: int  # how many residents respond (0 for one not yet open)
    outcome: str = ""


CONSULTATIONS: tuple[DemoConsultation, ...] = (
    DemoConsultation(
        slug="fortnightly-garden-waste",
        title="Garden waste collections",
        summary="Should garden waste be collected every two weeks all year, or weekly from April to October only?",
        body=(
            "Garden waste is collected every two weeks all year. Little is put out between November and "
            "February, so crews often drive full rounds to empty a few bins.\n\n"
            "We proposed collecting weekly from April to October and not at all in winter, for the same charge."
        ),
        group=WASTE,
        ward_count=0,
        opens=-75,
        closes=-30,
        questions=(
            QuestionSpec("Do you agree with the proposed collection pattern?", SINGLE, True, options=AGREE),
            QuestionSpec(
                "Which months do you put out garden waste?",
                MULTIPLE,
                options=("Spring", "Summer", "Autumn", "Winter"),
            ),
            QuestionSpec("Tell us anything else about garden waste", TEXT, hint="Do not include personal details."),
        ),
        responses=40,
        outcome=(
            "We asked whether garden waste should be collected weekly in the growing season and not in winter.\n\n"
            "You said you mostly use the service from spring to autumn, and many asked for a collection in "
            "early January for real Christmas trees.\n\n"
            "We did: from April, collections are weekly from April to October, with one extra collection "
            "in the second week of January."
        ),
    ),
    DemoConsultation(
        slug="school-streets",
        title="School streets",
        summary="Closing streets outside two primary schools to through traffic at drop-off and pick-up times.",
        body=(
            "Parents and teachers have asked us to make the streets outside schools safer and cleaner at the "
            "start and end of the school day.\n\n"
            "We propose timed closures from 8:15am to 9:15am and 2:45pm to 3:45pm on school days. Residents, "
            "blue badge holders and deliveries would still be let through."
        ),
        group=ROADS,
        ward_count=2,
        opens=-10,
        closes=5,
        questions=(
            QuestionSpec("Do you support timed closures outside schools?", SINGLE, True, options=AGREE),
            QuestionSpec(
                "How do you usually travel to school?",
                MULTIPLE,
                options=("Walk", "Cycle or scoot", "Bus", "Car", "I do not travel to a school"),
            ),
            QuestionSpec("How would the closures affect you?", TEXT),
        ),
        responses=15,
    ),
    DemoConsultation(
        slug="budget-priorities",
        title="Budget priorities for next year",
        summary="Help us decide where to spend and where to save as the council sets next year's budget.",
        body=(
            "The council must set a balanced budget. Costs of adult social care and temporary housing "
            "are rising faster than our income.\n\n"
            "Tell us which services matter most to you, so councillors know before they decide in February."
        ),
        group=None,
        ward_count=0,
        opens=-3,
        closes=40,
        questions=(
            QuestionSpec(
                "Which three services matter most to you?",
                MULTIPLE,
                True,
                options=("Bins and recycling", "Roads and pavements", "Parks", "Libraries", "Social care", "Housing"),
            ),
            QuestionSpec(
                "Would you support a council tax rise to protect services?",
                SINGLE,
                True,
                options=("Yes", "No", "Not sure"),
            ),
            QuestionSpec("Where could the council save money?", TEXT),
        ),
        responses=12,
    ),
    DemoConsultation(
        slug="park-opening-hours",
        title="Park opening hours",
        summary="Should the gates of our main parks stay open until 10pm in summer?",
        body=(
            "Our main parks close at dusk. People have asked to use them later on summer evenings.\n\n"
            "We propose opening until 10pm from May to August, with extra patrols."
        ),
        group=PARKS_GROUP,
        ward_count=1,
        opens=7,
        closes=49,
        questions=(
            QuestionSpec("Do you support later opening in summer?", SINGLE, True, options=AGREE),
            QuestionSpec("What would make you feel safe in a park in the evening?", TEXT),
        ),
        responses=0,
    ),
)


def _at(as_of: dt.date, days: int, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=days), time))


def _answers(consultation: Consultation, rng: random.Random) -> dict[int, engagement_services.AnswerValue]:
    answers: dict[int, engagement_services.AnswerValue] = {}
    for question in consultation.questions.prefetch_related("options"):
        options = [option.pk for option in question.options.all()]
        if question.kind == SINGLE:
            answers[question.pk] = options[min(int(rng.triangular(0, len(options), 1)), len(options) - 1)]
        elif question.kind == MULTIPLE:
            answers[question.pk] = sorted(rng.sample(options, k=rng.randint(1, min(3, len(options)))))
        elif rng.random() < 0.3:
            answers[question.pk] = rng.choice(
                ("More notice of changes, please.", "This works for me.", "I would like to see the evidence.")
            )
    return answers


def demo_consultations_create(*, seed: int, as_of: dt.date) -> int:
    """Create the demo consultations with residents' responses; return how many consultations."""
    rng = random.Random(f"townhall-demo:{seed}:consultations")  # noqa: S311 (seeded on purpose: determinism)
    manager = User.objects.get(email=f"manager@{DEMO_EMAIL_DOMAIN}")
    wards = list(Ward.objects.order_by("name"))
    groups = {group.name: group for group in CategoryGroup.objects.all()}
    documented = [User.objects.get(email=resident.email) for resident in DEMO_RESIDENTS]
    others = list(account_selectors.residents().exclude(pk__in=[u.pk for u in documented]).order_by("pk"))
    now = timezone.now()
    for spec in CONSULTATIONS:
        opens_at = _at(as_of, spec.opens, dt.time(0, 0))
        closes_at = _at(as_of, spec.closes, dt.time(23, 59))
        # One that has closed by now is run while open, then its dates are moved back (module docstring).
        past = closes_at <= now
        consultation = engagement_services.consultation_create(
            acting_user=manager,
            details=ConsultationDetails(
                title=spec.title,
                slug=spec.slug,
                summary=spec.summary,
                body=spec.body,
                opens_at=min(opens_at, now - dt.timedelta(minutes=1)) if past else opens_at,
                closes_at=now + dt.timedelta(days=1) if past else closes_at,
                wards=wards[: spec.ward_count],
                category_group=groups.get(spec.group) if spec.group else None,
            ),
        )
        engagement_services.consultation_questions_set(
            acting_user=manager, consultation=consultation, questions=spec.questions
        )
        consultation = engagement_services.consultation_publish(acting_user=manager, consultation=consultation)
        if consultation.phase() == Phase.OPEN and spec.responses:
            chosen = documented[:2] if past else documented[:1]
            chosen += rng.sample(others, k=max(0, min(len(others), spec.responses - len(chosen))))
            for resident in chosen:
                engagement_services.response_submit(
                    consultation=consultation, acting_user=resident, answers=_answers(consultation, rng)
                )
        if past:
            Consultation.objects.filter(pk=consultation.pk).update(opens_at=opens_at, closes_at=closes_at)
            responded = opens_at + (closes_at - opens_at) / 3
            consultation.responses.update(submitted_at=responded, updated_at=responded)
            if spec.outcome:
                engagement_services.consultation_outcome_write(
                    acting_user=manager, consultation=consultation, outcome=spec.outcome
                )
    return len(CONSULTATIONS)
