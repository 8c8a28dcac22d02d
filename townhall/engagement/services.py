"""Every write to consultations: staff workflow, questions, responses and their receipts, the CSV download.

Staff changes are audited in the same transaction. A response is written with its
receipt (an outbox row) in one transaction; a receipt is transactional, so it goes
whatever the resident's marketing preferences (notify's "no topic" rule).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.core import ratelimit
from townhall.engagement import constants
from townhall.engagement.constants import CHOICE_KINDS, ConsultationState, Phase, QuestionKind
from townhall.engagement.models import Answer, Consultation, Question, QuestionOption, Response
from townhall.engagement.permissions import can_manage_consultations
from townhall.notify import services as notify
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup
from townhall.service_requests.services import site_url

# An answer as the form hands it over: an option id, several option ids, or text.
AnswerValue = int | list[int] | str


@dataclass(frozen=True)
class ConsultationDetails:
    title: str
    slug: str
    summary: str
    body: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    wards: Sequence[Ward] = ()
    category_group: CategoryGroup | None = None


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    kind: QuestionKind | str
    required: bool = False
    hint: str = ""
    options: tuple[str, ...] = ()


def _require_manager(acting_user: User) -> None:
    """Views answer 404 first; this keeps the rule where the writes are (and for any other caller)."""
    if not can_manage_consultations(acting_user):
        raise PermissionDenied("Only team managers and administrators run consultations")


def _audit(acting_user: User, action: str, consultation: Consultation, reason: str = "") -> None:
    audit_record(
        actor=acting_user,
        action=action,
        object_type=constants.OBJECT_TYPE_CONSULTATION,
        object_id=consultation.pk,
        reason=reason,
    )


def _refuse(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


def _apply_details(consultation: Consultation, details: ConsultationDetails) -> None:
    consultation.title = details.title.strip()
    consultation.slug = details.slug.strip()
    consultation.summary = details.summary.strip()
    consultation.body = details.body.strip()
    consultation.opens_at = details.opens_at
    consultation.closes_at = details.closes_at
    consultation.category_group = details.category_group


@transaction.atomic
def consultation_create(*, acting_user: User, details: ConsultationDetails) -> Consultation:
    """A new draft; nobody outside the staff area sees it until it is published."""
    _require_manager(acting_user)
    consultation = Consultation(created_by=acting_user, state=ConsultationState.DRAFT)
    _apply_details(consultation, details)
    consultation.full_clean()
    consultation.save()
    consultation.wards.set(details.wards)
    _audit(acting_user, constants.ACTION_CREATED, consultation)
    return consultation


@transaction.atomic
def consultation_update(*, acting_user: User, consultation: Consultation, details: ConsultationDetails) -> Consultation:
    """Change the details of a draft, upcoming or open consultation (an open one may not move its opening date)."""
    _require_manager(acting_user)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    phase = consultation.phase()
    if phase in {Phase.CLOSED, Phase.WITHDRAWN}:
        raise _refuse("A closed or withdrawn consultation cannot be changed", "not_editable")
    if phase == Phase.OPEN and details.opens_at != consultation.opens_at:
        raise ValidationError({"opens_at": "The opening date cannot change once the consultation is open"})
    if phase == Phase.OPEN and details.closes_at <= timezone.now():
        raise ValidationError({"closes_at": "To close it now, use Close early"})
    _apply_details(consultation, details)
    consultation.full_clean()
    consultation.save()
    consultation.wards.set(details.wards)
    _audit(acting_user, constants.ACTION_UPDATED, consultation)
    return consultation


def _validated_specs(specs: Sequence[QuestionSpec]) -> list[QuestionSpec]:
    if len(specs) > constants.MAX_QUESTIONS:
        raise _refuse(f"A consultation can have at most {constants.MAX_QUESTIONS} questions")
    cleaned = []
    for number, spec in enumerate(specs, start=1):
        text = spec.text.strip()
        options = tuple(option.strip() for option in spec.options if option.strip())
        if not text:
            raise _refuse(f"Question {number} needs its text")
        if spec.kind not in QuestionKind.values:
            raise _refuse(f"Question {number} has an unknown kind of answer")
        if spec.kind in CHOICE_KINDS:
            if not constants.MIN_OPTIONS <= len(options) <= constants.MAX_OPTIONS:
                raise _refuse(
                    f"Question {number} needs {constants.MIN_OPTIONS} to {constants.MAX_OPTIONS} options, one a line"
                )
            if len(set(options)) != len(options):
                raise _refuse(f"Question {number} has the same option twice")
        elif options:
            raise _refuse(f"Question {number} is free text, so it cannot have options")
        cleaned.append(
            QuestionSpec(text=text, kind=spec.kind, required=spec.required, hint=spec.hint.strip(), options=options)
        )
    return cleaned


@transaction.atomic
def consultation_questions_set(
    *, acting_user: User, consultation: Consultation, questions: Sequence[QuestionSpec]
) -> list[Question]:
    """Replace the questions, in order. Only before it opens: answers already given must keep their meaning."""
    _require_manager(acting_user)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.phase() not in {Phase.DRAFT, Phase.UPCOMING} or consultation.responses.exists():
        raise _refuse("Questions cannot change once a consultation is open", "questions_locked")
    specs = _validated_specs(questions)
    consultation.questions.all().delete()
    created = []
    for position, spec in enumerate(specs, start=1):
        question = Question(
            consultation=consultation,
            position=position,
            text=spec.text,
            hint=spec.hint,
            kind=spec.kind,
            required=spec.required,
        )
        question.full_clean(validate_constraints=False)
        question.save()
        QuestionOption.objects.bulk_create(
            QuestionOption(question=question, position=index, label=label)
            for index, label in enumerate(spec.options, start=1)
        )
        created.append(question)
    _audit(acting_user, constants.ACTION_QUESTIONS_SET, consultation, reason=f"{len(created)} questions")
    return created


@transaction.atomic
def consultation_publish(*, acting_user: User, consultation: Consultation) -> Consultation:
    """Draft → published: listed from now, open for responses from opens_at."""
    _require_manager(acting_user)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.state != ConsultationState.DRAFT:
        raise _refuse("Only a draft can be published", "not_draft")
    if not consultation.questions.exists():
        raise _refuse("Add at least one question before publishing", "no_questions")
    now = timezone.now()
    if consultation.closes_at <= now:
        raise _refuse("The closing date has passed: change it before publishing", "closes_in_past")
    consultation.state = ConsultationState.PUBLISHED
    consultation.published_at = now
    consultation.save(update_fields=["state", "published_at", "updated_at"])
    _audit(acting_user, constants.ACTION_PUBLISHED, consultation)
    return consultation


@transaction.atomic
def consultation_close_early(*, acting_user: User, consultation: Consultation, reason: str = "") -> Consultation:
    """Stop taking responses now; the results page opens at once."""
    _require_manager(acting_user)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.phase() != Phase.OPEN:
        raise _refuse("Only an open consultation can be closed early", "not_open")
    now = timezone.now()
    consultation.closes_at = now
    consultation.closed_early_at = now
    consultation.save(update_fields=["closes_at", "closed_early_at", "updated_at"])
    _audit(acting_user, constants.ACTION_CLOSED_EARLY, consultation, reason=reason[:200])
    return consultation


@transaction.atomic
def consultation_withdraw(*, acting_user: User, consultation: Consultation, reason: str = "") -> Consultation:
    """Take a draft, upcoming or open consultation down; responses already given are kept for the record."""
    _require_manager(acting_user)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.phase() not in {Phase.DRAFT, Phase.UPCOMING, Phase.OPEN}:
        raise _refuse("A closed or withdrawn consultation cannot be withdrawn", "not_withdrawable")
    consultation.state = ConsultationState.WITHDRAWN
    consultation.withdrawn_at = timezone.now()
    consultation.save(update_fields=["state", "withdrawn_at", "updated_at"])
    _audit(acting_user, constants.ACTION_WITHDRAWN, consultation, reason=reason[:200])
    return consultation


@transaction.atomic
def consultation_outcome_write(*, acting_user: User, consultation: Consultation, outcome: str) -> Consultation:
    """We asked, you said, we did: published on the consultation and results pages (closed only)."""
    _require_manager(acting_user)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.phase() != Phase.CLOSED:
        raise _refuse("The outcome is written once the consultation has closed", "not_closed")
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": "Enter what you asked, what people said and what the council did"})
    consultation.outcome = outcome
    if consultation.outcome_published_at is None:
        consultation.outcome_published_at = timezone.now()
    consultation.save(update_fields=["outcome", "outcome_published_at", "updated_at"])
    _audit(acting_user, constants.ACTION_OUTCOME_WRITTEN, consultation)
    return consultation


# --- responses -----------------------------------------------------------------------------------------


def _new_reference() -> str:
    chars = "".join(secrets.choice(constants.REFERENCE_ALPHABET) for _ in range(8))
    return f"{constants.REFERENCE_PREFIX}-{chars[:4]}-{chars[4:]}"


def _answers_for(questions: Sequence[Question], answers: Mapping[int, AnswerValue]) -> list[Answer]:
    """Check every answer against its question (the form checked too; this is the one rule that counts)."""
    errors: dict[str, str] = {}
    rows: list[Answer] = []
    for question in questions:
        field = f"question_{question.pk}"
        value = answers.get(question.pk)
        options = {option.pk: option for option in question.options.all()}
        if question.kind == QuestionKind.TEXT:
            text = value.strip() if isinstance(value, str) else ""
            if len(text) > constants.MAX_TEXT_ANSWER:
                errors[field] = f"Your answer must be {constants.MAX_TEXT_ANSWER} characters or fewer"
            elif text:
                rows.append(Answer(question=question, text=text))
            elif question.required:
                errors[field] = f"Answer the question: {question.text}"
            continue
        chosen = [value] if isinstance(value, int) else list(value) if isinstance(value, list) else []
        if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
            errors[field] = "Choose one answer"
        elif any(choice not in options for choice in chosen):
            errors[field] = "Choose from the answers listed"
        elif not chosen and question.required:
            errors[field] = f"Answer the question: {question.text}"
        else:
            rows.extend(Answer(question=question, option=options[choice]) for choice in dict.fromkeys(chosen))
    if errors:
        raise ValidationError(errors)
    return rows


def _receipt_text(consultation: Consultation, response: Response) -> tuple[str, str]:
    subject = f"We have your response to {consultation.title}"[: notify.MAX_SUBJECT_LENGTH]
    page = site_url(reverse("engagement:detail", args=[consultation.slug]))
    change = (
        f"You can change your response until {timezone.localtime(consultation.closes_at):%-d %B %Y at %H:%M} "
        "by signing in and answering again."
        if response.user_id
        else ""
    )
    text = "\n\n".join(
        part
        for part in (
            f"Thank you for taking part in the consultation: {consultation.title}.",
            f"Your reference is {response.reference}.",
            change,
            f"We will publish the results and what the council decided here: {page}",
        )
        if part
    )
    return subject, text


def _send_receipt(consultation: Consultation, response: Response, *, user: User | None, email: str) -> None:
    subject, text = _receipt_text(consultation, response)
    key = f"engagement.response:{response.pk}:receipt:{response.revision}"
    if user is not None:
        notify.correspondence_send(
            recipient=user,
            subject=subject,
            text=text,
            idempotency_key=key,
            topic=None,  # a receipt for what the resident did: essential, whatever their preferences
            related_type=constants.RELATED_TYPE_RESPONSE,
            related_id=response.pk,
        )
    elif email:
        bucket = f"consultation-receipt:{email.lower()}"
        if ratelimit.hit(bucket=bucket, limit=constants.RECEIPTS_PER_ADDRESS_PER_DAY, window_seconds=86400).allowed:
            notify.email_enqueue(
                to=email,
                subject=subject,
                text=text,
                idempotency_key=key,
                related_type=constants.RELATED_TYPE_RESPONSE,
                related_id=response.pk,
            )


@transaction.atomic
def response_submit(
    *,
    consultation: Consultation,
    acting_user: User | AnonymousUser | None,
    answers: Mapping[int, AnswerValue],
    email: str = "",
) -> Response:
    """Record a response (or replace a signed-in resident's earlier one) and send its receipt.

    Refuses unless the consultation is open now. A signed-in resident's email comes from their
    account (the receipt goes through their inbox); `email` is for people without one.
    """
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.phase() != Phase.OPEN:
        raise _refuse("This consultation is not open for responses", "not_open")
    user = acting_user if isinstance(acting_user, User) and acting_user.is_authenticated else None
    questions = list(consultation.questions.prefetch_related("options"))
    rows = _answers_for(questions, answers)
    email = "" if user is not None else email.strip()
    now = timezone.now()
    response = (
        Response.objects.select_for_update().filter(consultation=consultation, user=user).first() if user else None
    )
    if response is not None:
        response.answers.all().delete()
        response.revision += 1
        response.updated_at = now
        response.save(update_fields=["revision", "updated_at"])
    else:
        response = Response(consultation=consultation, user=user, email=email, submitted_at=now, updated_at=now)
        response.full_clean(exclude=["reference"], validate_constraints=False)
        for _ in range(5):  # a reference clash is one in a trillion; try again rather than fail
            response.reference = _new_reference()
            try:
                with transaction.atomic():
                    response.save(force_insert=True)
                break
            except IntegrityError:
                if user is not None and Response.objects.filter(consultation=consultation, user=user).exists():
                    raise _refuse("You have already responded", "duplicate") from None
                response.pk = None
        else:  # pragma: no cover - eight random characters five times over
            raise _refuse("Could not give the response a reference; try again", "reference")
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    _send_receipt(consultation, response, user=user, email=email)
    return response


def _responses_table(consultation: Consultation) -> tuple[list[str], list[list[str]]]:
    questions = list(consultation.questions.all())
    header = ["reference", "submitted_at", "updated_at", "revision", "signed_in", *[q.text for q in questions]]
    responses = consultation.responses.prefetch_related("answers__option").order_by("submitted_at", "pk")
    rows = []
    for response in responses:
        by_question: dict[int, list[str]] = {}
        for answer in response.answers.all():
            by_question.setdefault(answer.question_id, []).append(answer.option.label if answer.option else answer.text)
        rows.append(
            [
                response.reference,
                response.submitted_at.isoformat(),
                response.updated_at.isoformat(),
                str(response.revision),
                "yes" if response.user_id else "no",
                *["; ".join(by_question.get(q.pk, [])) for q in questions],
            ]
        )
    return header, rows


def _csv_safe(value: str) -> str:
    """Stop a spreadsheet running a free-text answer as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


@transaction.atomic
def responses_csv(*, acting_user: User, consultation: Consultation) -> str:
    """Every response, one row each, for analysis. Free text may name people, so each download is audited.

    Accounts and email addresses are not included: analysts need the answers, not who gave them.
    """
    _require_manager(acting_user)
    header, rows = _responses_table(consultation)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_csv_safe(cell) for cell in row] for row in rows)
    audit_record(
        actor=acting_user,
        action=constants.ACTION_RESPONSES_EXPORTED,
        object_type=constants.OBJECT_TYPE_CONSULTATION,
        object_id=consultation.pk,
        reason=f"{len(rows)} responses downloaded",
    )
    return out.getvalue()
