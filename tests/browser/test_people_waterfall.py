"""The review pair's waterfall chart and the single view's council records, in real Chromium with axe."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.people.conftest import MAPPINGS, TRUST, load_synthetic
from tests.people.test_account_link import GOLDEN_EMAIL, RECORDS, extract
from tests.service_requests.conftest import borough  # noqa: F401 - fixture
from townhall.accounts.models import User
from townhall.myaccount import services as myaccount_services
from townhall.people import services
from townhall.people.models import ReviewPair, SourceRecord, SourceSystem
from townhall.places.models import Address


def _sources() -> dict[str, SourceSystem]:
    return {
        code: services.source_system_create(
            code=code, name=code.replace("_", " ").capitalize(), trust_rank=TRUST[code], column_mapping=mapping
        )
        for code, mapping in MAPPINGS.items()
    }


@pytest.fixture
def review_pair(db: None) -> ReviewPair:
    load_synthetic(_sources(), records=150, seed=9)
    services.linkage_run()
    low, high = SourceRecord.objects.order_by("pk")[:2]
    return ReviewPair.objects.create(
        record_low=low,
        record_high=high,
        match_probability=0.35,
        match_weight=-0.9,
        explanation=[
            {"comparison": "prior", "label": "Chance two records are one person", "match_weight": -12.3},
            {"comparison": "given_name", "label": "Nickname match", "match_weight": 4.2},
            {"comparison": "surname", "label": "Exact match on surname", "match_weight": 9.1},
            {"comparison": "date_of_birth", "label": "Different", "match_weight": -4.4},
            {"comparison": "postcode", "label": "Same district", "match_weight": 2.5},
        ],
    )


def test_the_pair_page_with_its_waterfall(signed_in_context, staff_with_mfa: User, review_pair: ReviewPair) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(
        signed_in_context(staff_with_mfa, mfa=True), f"/staff/citizen-index/review/{review_pair.pk}/"
    )
    chart = page.locator(".people-waterfall")
    expect(chart).to_have_attribute("aria-hidden", "true")
    expect(chart.locator("svg")).to_be_visible()
    assert "Match weight -0.9, match probability 0.350" in chart.inner_html()
    expect(page.get_by_role("table", name="Why the model scored it so (match weight by comparison)")).to_be_visible()
    check_page(page)


def test_the_single_view_with_council_records(
    signed_in_context,  # type: ignore[no-untyped-def]
    staff_with_mfa: User,
    resident: User,
    borough,  # noqa: F811
) -> None:
    sources = _sources()
    for code, rows in RECORDS.items():
        assert services.load_batch_import(source=sources[code], file=io.BytesIO(extract(code, rows)), file_name="x").ok
    services.linkage_run()
    myaccount_services.details_update(
        acting_user=resident,
        user=resident,
        values=myaccount_services.DetailsInput(
            given_name="Rita", family_name="Resident", phone="", date_of_birth=dt.date(1980, 5, 17)
        ),
    )
    myaccount_services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    myaccount_services.identity_verify_by_staff(acting_user=staff_with_mfa, user=resident, evidence="Passport")

    page: Page = signed_in_context(staff_with_mfa, mfa=True).new_page()
    page.goto(f"/staff/residents/{resident.pk}/")
    page.get_by_role("radio", name="Case work").check()
    support.click_and_wait(page, support.main_button(page, "Show personal details"))
    expect(page.get_by_role("heading", name="Council records (Citizen Index)")).to_be_visible()
    expect(page.locator("main")).to_contain_text(GOLDEN_EMAIL)
    check_page(page)
