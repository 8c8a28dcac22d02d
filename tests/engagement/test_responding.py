"""Responding at /have-your-say/<slug>/respond/: validation, receipts, one response per account, rate limits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.engagement.conftest import MakeConsultation, answers_for, question_fields, service_answers
from townhall.accounts.models import User
from townhall.engagement import services
from townhall.engagement.constants import ANONYMOUS_RESPONSES_PER_HOUR
from townhall.engagement.models import Answer, Response
from townhall.myaccount import selectors as myaccount_selectors
from townhall.notify.models import Correspondence, OutboxMessage

pytestmark = pytest.mark.django_db


def respond_url(consultation) -> str:  # type: ignore[no-untyped-def]
    return f"/have-your-say/{consultation.slug}/respond/"


def test_anyone_can_respond_without_an_account_and_gets_a_reference_and_receipt(
    client: Client, make_consultation: MakeConsultation, django_capture_on_commit_callbacks
) -> None:
    consultation = make_consultation("open")
    assert client.get(respond_url(consultation)).status_code == 200
    data = answers_for(consultation, support="No", days=("Saturday", "Sunday"), text="More bike racks")
    data["email"] = "visitor@example.org"
    response = client.post(respond_url(consultation), data)
    assert response.status_code == 302
    saved = Response.objects.get()
    assert response["Location"] == f"/have-your-say/{consultation.slug}/response/{saved.reference}/?sent=1"
    assert saved.user is None
    assert saved.email == "visitor@example.org"
    assert sorted(a.option.label if a.option else a.text for a in saved.answers.all()) == [
        "More bike racks",
        "No",
        "Saturday",
        "Sunday",
    ]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert saved.reference in page.content.decode()
    message = OutboxMessage.objects.get(destination="visitor@example.org")
    assert saved.reference in message.payload["text"]
    assert message.related_type == "engagement.response"


def test_errors_are_listed_in_an_error_summary_and_nothing_is_saved(
    client: Client, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    fields = question_fields(consultation)
    response = client.post(
        respond_url(consultation), {fields["text"]: "x" * 5001, fields["multiple"]: ["999999"], "email": "not-an-email"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'href="#id_{fields["single"]}_0"' in html
    assert "Answer the question: Do you support the plan?" in html
    assert "Enter an email address in the correct format" in html
    assert "5000 characters or fewer" in html
    assert "<title>Error: " in html
    assert not Response.objects.exists()


def test_a_signed_in_resident_has_one_response_and_may_change_it_until_close(
    client: Client, resident: User, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    client.force_login(resident)
    page = client.get(respond_url(consultation)).content.decode()
    assert 'name="email"' not in page  # the receipt goes through the account
    client.post(respond_url(consultation), answers_for(consultation, support="Yes", days=("Weekdays",)))
    first = Response.objects.get()
    assert first.user == resident
    assert first.revision == 1

    prefilled = client.get(respond_url(consultation)).content.decode()
    assert "Change your response" in prefilled
    response = client.post(respond_url(consultation), answers_for(consultation, support="No"))
    assert response.status_code == 302
    again = Response.objects.get()
    assert (again.pk, again.reference, again.revision) == (first.pk, first.reference, 2)
    assert [a.option.label for a in Answer.objects.filter(response=again)] == ["No"]
    assert Correspondence.objects.filter(recipient=resident).count() == 2  # a receipt for each version

    services.consultation_close_early(acting_user=consultation.created_by, consultation=consultation)
    closed = client.post(respond_url(consultation), answers_for(consultation, support="Yes"))
    assert closed.status_code == 403
    assert "This consultation has closed" in closed.content.decode()
    assert [a.option.label for a in Answer.objects.filter(response=again)] == ["No"]


def test_a_receipt_is_transactional_so_it_is_sent_even_to_a_resident_who_opted_out(
    resident: User, make_consultation: MakeConsultation
) -> None:
    preferences = myaccount_selectors.preferences_for(user=resident)
    preferences.consultations, preferences.no_marketing = False, True
    preferences.save()
    consultation = make_consultation("open")
    response = services.response_submit(
        consultation=consultation, acting_user=resident, answers=service_answers(consultation)
    )
    copy = Correspondence.objects.get(recipient=resident)
    assert copy.topic == ""  # essential: no marketing topic, so preferences cannot stop it
    assert response.reference in copy.body_text


def test_the_service_refuses_upcoming_closed_and_withdrawn_consultations(
    resident: User, make_consultation: MakeConsultation
) -> None:
    for phase in ("upcoming", "closed", "draft"):
        consultation = make_consultation(phase)
        with pytest.raises(ValidationError, match="not open"):
            services.response_submit(
                consultation=consultation, acting_user=resident, answers=service_answers(consultation)
            )
    assert not Response.objects.exists()


def test_the_service_checks_answers_itself(resident: User, make_consultation: MakeConsultation) -> None:
    consultation = make_consultation("open")
    other = make_consultation("open")
    answers = service_answers(consultation)
    single = min(answers)
    foreign_option = service_answers(other)[min(service_answers(other))]
    with pytest.raises(ValidationError, match="Choose from the answers listed"):
        services.response_submit(
            consultation=consultation, acting_user=resident, answers={**answers, single: foreign_option}
        )
    with pytest.raises(ValidationError, match="Choose one answer"):
        services.response_submit(consultation=consultation, acting_user=resident, answers={**answers, single: [1, 2]})
    assert not Response.objects.exists()


def test_upcoming_and_draft_consultations_cannot_be_answered_over_http(
    client: Client, make_consultation: MakeConsultation
) -> None:
    upcoming = make_consultation("upcoming")
    assert client.get(respond_url(upcoming)).status_code == 403
    draft = make_consultation("draft")
    assert client.get(respond_url(draft)).status_code == 404
    assert client.get(f"/have-your-say/{draft.slug}/").status_code == 404


def test_anonymous_responses_are_rate_limited_by_address(client: Client, make_consultation: MakeConsultation) -> None:
    consultation = make_consultation("open")
    data = answers_for(consultation)
    for _ in range(ANONYMOUS_RESPONSES_PER_HOUR):
        assert client.post(respond_url(consultation), data).status_code == 302
    refused = client.post(respond_url(consultation), data)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Response.objects.count() == ANONYMOUS_RESPONSES_PER_HOUR


def test_another_resident_cannot_see_my_response(
    client: Client, resident: User, other_resident: User, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    mine = services.response_submit(
        consultation=consultation, acting_user=resident, answers=service_answers(consultation, text="My secret view")
    )
    url = f"/have-your-say/{consultation.slug}/response/{mine.reference}/"
    client.force_login(resident)
    assert "My secret view" in client.get(url).content.decode()
    client.force_login(other_resident)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_an_anonymous_response_is_visible_only_in_the_browser_that_sent_it(
    client: Client, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    response = client.post(respond_url(consultation), answers_for(consultation, text="From my browser"))
    assert "From my browser" in client.get(response["Location"]).content.decode()
    assert Client().get(response["Location"]).status_code == 404
