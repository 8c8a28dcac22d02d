"""Every read of consultations other code needs: public lists, results, staff lists, and MyAccount's views.

MyAccount (the dashboard and personal timeline) reads through `responses_by`,
`open_consultations_closing`, `consultations_in_ward` and `suggestion_candidates`;
they return plain frozen dataclasses so the caller never touches engagement's models.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.models import User
from townhall.engagement.constants import Phase, QuestionKind
from townhall.engagement.models import Answer, Consultation, Question, Response
from townhall.places.models import Ward

PUBLIC_PHASES = (Phase.OPEN, Phase.UPCOMING, Phase.CLOSED)


@dataclass(frozen=True)
class ConsultationSummary:
    """One consultation as MyAccount lists it."""

    id: int
    title: str
    summary: str
    url: str
    phase: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    ward_ids: frozenset[int]  # empty: borough-wide
    category_group_id: int | None
    category_group_name: str  # empty when none


@dataclass(frozen=True)
class TookPart:
    """A consultation the resident responded to, and when."""

    consultation: ConsultationSummary
    reference: str
    responded_at: dt.datetime
    changed_at: dt.datetime | None  # None when never changed
    response_url: str


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int
    percent: int  # of the people who answered this question, rounded


@dataclass(frozen=True)
class QuestionResult:
    text: str
    kind: str
    answered: int  # how many responses answered it
    options: tuple[OptionCount, ...]  # empty for free text (never published)


@dataclass(frozen=True)
class Results:
    responses: int
    questions: tuple[QuestionResult, ...]


def _summary(consultation: Consultation, now: dt.datetime) -> ConsultationSummary:
    return ConsultationSummary(
        id=consultation.pk,
        title=consultation.title,
        summary=consultation.summary,
        url=reverse("engagement:detail", args=[consultation.slug]),
        phase=str(consultation.phase(now)),
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        ward_ids=frozenset(ward.pk for ward in consultation.wards.all()),
        category_group_id=consultation.category_group_id,
        category_group_name=consultation.category_group.name if consultation.category_group else "",
    )


def _ward_id(ward: Ward | int | None) -> int | None:
    return ward.pk if isinstance(ward, Ward) else ward


# --- public pages ----------------------------------------------------------------------------------------


def consultation_list_public(
    *, phase: Phase | str, ward: Ward | int | None = None, now: dt.datetime | None = None
) -> QuerySet[Consultation]:
    """Open ones closing soonest first, upcoming ones opening soonest first, closed ones newest first."""
    now = now or timezone.now()
    base = Consultation.objects.select_related("category_group").prefetch_related("wards")
    if phase == Phase.UPCOMING:
        consultations = base.upcoming(now).order_by("opens_at", "pk")
    elif phase == Phase.CLOSED:
        consultations = base.closed(now).order_by("-closes_at", "-pk")
    else:
        consultations = base.open(now).order_by("closes_at", "pk")
    ward_id = _ward_id(ward)
    return consultations.for_ward(ward_id) if ward_id is not None else consultations


def phase_counts(*, ward: Ward | int | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {str(phase): consultation_list_public(phase=phase, ward=ward, now=now).count() for phase in PUBLIC_PHASES}


def wards_for_filter() -> QuerySet[Ward]:
    return Ward.objects.order_by("name")


def response_of(*, user: User, consultation: Consultation) -> Response | None:
    """The signed-in resident's own response, with its answers (to prefill the form)."""
    if not user.is_authenticated:
        return None
    return Response.objects.filter(consultation=consultation, user=user).prefetch_related("answers").first()


def questions_of(consultation: Consultation) -> list[Question]:
    return list(consultation.questions.prefetch_related("options"))


def results(consultation: Consultation) -> Results:
    """Counts per option. Free-text answers are counted as answered but their words are never published."""
    questions = questions_of(consultation)
    option_counts = dict(
        Answer.objects.filter(response__consultation=consultation, option__isnull=False)
        .values_list("option_id")
        .annotate(n=Count("id"))
        .values_list("option_id", "n")
    )
    answered = dict(
        Answer.objects.filter(response__consultation=consultation)
        .values_list("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question_id", "n")
    )
    rows = []
    for question in questions:
        total = answered.get(question.pk, 0)
        options: tuple[OptionCount, ...] = ()
        if question.kind != QuestionKind.TEXT:
            options = tuple(
                OptionCount(
                    label=option.label,
                    count=option_counts.get(option.pk, 0),
                    percent=round(100 * option_counts.get(option.pk, 0) / total) if total else 0,
                )
                for option in question.options.all()
            )
        rows.append(QuestionResult(text=question.text, kind=question.kind, answered=total, options=options))
    return Results(responses=consultation.responses.count(), questions=tuple(rows))


# --- staff -----------------------------------------------------------------------------------------------


def consultation_list_staff() -> QuerySet[Consultation]:
    return Consultation.objects.annotate(response_count=Count("responses")).order_by("-created_at", "-pk")


def response_count(consultation: Consultation) -> int:
    return consultation.responses.count()


# --- MyAccount -------------------------------------------------------------------------------------------


def responses_by(*, user: User, now: dt.datetime | None = None) -> list[TookPart]:
    """Consultations the resident took part in, most recent response first."""
    now = now or timezone.now()
    responses = (
        Response.objects.filter(user_id=user.pk)
        .select_related("consultation", "consultation__category_group")
        .prefetch_related(Prefetch("consultation__wards", queryset=Ward.objects.only("id")))
        .order_by("-submitted_at", "-pk")
    )
    return [
        TookPart(
            consultation=_summary(response.consultation, now),
            reference=response.reference,
            responded_at=response.submitted_at,
            changed_at=response.updated_at if response.revision > 1 else None,
            response_url=reverse("engagement:response", args=[response.consultation.slug, response.reference]),
        )
        for response in responses
    ]


def open_consultations_closing(
    *, ward: Ward | int | None = None, within_days: int = 14, now: dt.datetime | None = None
) -> list[ConsultationSummary]:
    """Open consultations closing within `within_days`, soonest first: in `ward` or borough-wide (all when None)."""
    now = now or timezone.now()
    consultations = consultation_list_public(phase=Phase.OPEN, ward=ward, now=now).filter(
        closes_at__lte=now + dt.timedelta(days=within_days)
    )
    return [_summary(consultation, now) for consultation in consultations]


def consultations_in_ward(*, ward: Ward | int, now: dt.datetime | None = None) -> list[ConsultationSummary]:
    """Open and upcoming consultations about `ward` only (not borough-wide ones), opening soonest first."""
    now = now or timezone.now()
    ward_id = ward.pk if isinstance(ward, Ward) else ward
    consultations = (
        Consultation.objects.filter(
            Q(pk__in=Consultation.objects.open(now)) | Q(pk__in=Consultation.objects.upcoming(now))
        )
        .filter(wards__id=ward_id)
        .select_related("category_group")
        .prefetch_related("wards")
        .order_by("opens_at", "pk")
    )
    return [_summary(consultation, now) for consultation in consultations]


def suggestion_candidates(*, now: dt.datetime | None = None) -> list[ConsultationSummary]:
    """Every open consultation with its ward ids and service group id, for MyAccount to rank against interests."""
    now = now or timezone.now()
    return [_summary(c, now) for c in consultation_list_public(phase=Phase.OPEN, now=now)]
