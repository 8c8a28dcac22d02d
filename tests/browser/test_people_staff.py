"""The Citizen Index staff pages in real Chromium: axe, page furniture, reflow; a decision without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.people.conftest import MAPPINGS, TRUST, load_synthetic
from townhall.accounts.models import User
from townhall.people import services
from townhall.people.constants import ReviewDecision
from townhall.people.models import Citizen, ReviewPair, SourceRecord


@pytest.fixture
def review_pair(db: None) -> ReviewPair:
    sources = {
        code: services.source_system_create(
            code=code, name=code.replace("_", " ").capitalize(), trust_rank=TRUST[code], column_mapping=mapping
        )
        for code, mapping in MAPPINGS.items()
    }
    load_synthetic(sources, records=150, seed=9)
    services.linkage_run()
    low, high = SourceRecord.objects.order_by("pk")[:2]
    return ReviewPair.objects.create(
        record_low=low,
        record_high=high,
        match_probability=0.8,
        match_weight=2.0,
        explanation=[
            {"comparison": "prior", "label": "Chance two records are one person", "match_weight": -10.0},
            {"comparison": "surname", "label": "Exact match on surname", "match_weight": 12.0},
        ],
    )


@pytest.mark.parametrize(
    "page_name", ["overview", "queue", "pair", "pair-error", "citizen", "merge", "merge-error", "split"]
)
def test_citizen_index_page(signed_in_context, staff_with_mfa: User, review_pair: ReviewPair, page_name: str) -> None:  # type: ignore[no-untyped-def]
    citizen = Citizen.objects.order_by("pk").first()
    assert citizen is not None
    path = {
        "overview": "/staff/citizen-index/",
        "queue": "/staff/citizen-index/review/",
        "pair": f"/staff/citizen-index/review/{review_pair.pk}/",
        "pair-error": f"/staff/citizen-index/review/{review_pair.pk}/",
        "citizen": f"/staff/citizen-index/citizens/{citizen.citizen_id}/",
        "merge": f"/staff/citizen-index/citizens/merge/{citizen.citizen_id}/",
        "merge-error": f"/staff/citizen-index/citizens/merge/{citizen.citizen_id}/",
        "split": f"/staff/citizen-index/citizens/split/{citizen.citizen_id}/",
    }[page_name]
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), path)
    if page_name == "merge-error":
        page.get_by_role("button", name="Merge").click()
        assert "Enter the citizen id" in page.locator(".govuk-error-summary").inner_text()
    if page_name == "pair-error":
        page.get_by_role("button", name="Record decision").click()
        assert "Select whether these records are the same person" in page.locator(".govuk-error-summary").inner_text()
    check_page(page)


def test_a_decision_is_recorded_without_javascript(
    signed_in_context, staff_with_mfa: User, review_pair: ReviewPair
) -> None:  # type: ignore[no-untyped-def]
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False)
    page = support.open_page(context, f"/staff/citizen-index/review/{review_pair.pk}/")
    page.get_by_label("No, different people").check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url("**/staff/citizen-index/review/")
    review_pair.refresh_from_db()
    assert review_pair.decision == ReviewDecision.NOT_MATCH
