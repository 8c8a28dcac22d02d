"""A resident's responses are in their data download, and erasure unlinks them but keeps the counts."""

from __future__ import annotations

import pytest

from tests.engagement.conftest import MakeConsultation, service_answers
from townhall.accounts.models import User
from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction
from townhall.engagement import selectors, services
from townhall.engagement.models import Answer, Response
from townhall.engagement.personal_data import ConsultationResponsesProvider

pytestmark = pytest.mark.django_db


def test_the_provider_is_registered_and_covers_the_response_owner() -> None:
    assert personal_data.covered_fields()["engagement.Response.user"] == "Your consultation responses"


def test_collect_holds_my_responses_and_answers_only(
    resident: User, other_resident: User, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    mine = services.response_submit(
        consultation=consultation, acting_user=resident, answers=service_answers(consultation, text="Mine")
    )
    anonymous_with_my_email = services.response_submit(
        consultation=consultation, acting_user=None, answers=service_answers(consultation), email=resident.email.upper()
    )
    services.response_submit(
        consultation=consultation, acting_user=other_resident, answers=service_answers(consultation, text="Theirs")
    )
    tables = ConsultationResponsesProvider().collect(resident)
    assert [row["reference"] for row in tables["Consultations you responded to"]] == [
        mine.reference,
        anonymous_with_my_email.reference,
    ]
    texts = [row["text"] for row in tables["Your answers"] if row["text"]]
    assert texts == ["Mine"]


def test_erasure_keeps_the_counts_but_not_the_link_or_free_text(
    resident: User, make_consultation: MakeConsultation
) -> None:
    consultation = make_consultation("open")
    response = services.response_submit(
        consultation=consultation,
        acting_user=resident,
        answers=service_answers(consultation, support="No", text="I live at 4"),
    )
    before = selectors.results(consultation).questions[0].options
    items = ConsultationResponsesProvider().erase(resident)
    response.refresh_from_db()
    assert (response.user_id, response.email) == (None, "")
    assert response.anonymised_at is not None
    assert not Answer.objects.filter(response=response, option__isnull=True).exists()
    assert selectors.results(consultation).questions[0].options == before
    assert [item.action for item in items] == [ErasureAction.ANONYMISED, ErasureAction.DELETED]
    assert "no longer linked to you" in items[0].reason
    assert not items[0].needs_review
    assert Response.objects.filter(pk=response.pk).exists()
    assert ConsultationResponsesProvider().collect(resident) == {
        "Consultations you responded to": [],
        "Your answers": [],
    }
