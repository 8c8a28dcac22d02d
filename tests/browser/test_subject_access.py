"""Issue 5, check 1 (second half): subject access to other systems' records is a request staff review and redact.

In real Chromium: a resident whose identity was confirmed (and so linked to her citizen in
the Citizen Index) asks for the records other council systems hold about her; an
information governance officer opens the request, redacts the email address on her
housing record as third-party data, adds a covering note and releases it; the resident
downloads the ZIP and finds the redaction in place of the value. Every page passes axe.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.conftest import TEST_PASSWORD
from tests.people.conftest import sources  # noqa: F401 - fixture
from tests.people.test_account_link import GOLDEN_EMAIL, Index, index, rita_at_home  # noqa: F401 - fixtures
from tests.service_requests.conftest import borough  # noqa: F401 - fixture
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.myaccount import services
from townhall.myaccount.constants import RedactionReason, SubjectAccessState
from townhall.myaccount.models import SubjectAccessRequest

MakeContext = Callable[..., BrowserContext]


@pytest.fixture
def verified_rita(rita_at_home: User, index: Index) -> User:  # noqa: F811
    adviser = account_services.staff_create(
        email="adviser@council.example",
        password=TEST_PASSWORD,
        roles=[StaffRole.CUSTOMER_SERVICE_ADVISER],
        given_name="Adi",
        family_name="Adviser",
    )
    services.identity_verify_by_staff(acting_user=adviser, user=rita_at_home, evidence="Passport")
    return rita_at_home


@pytest.fixture
def ig_officer(db: None) -> User:
    user = account_services.staff_create(
        email="ig.officer@council.example",
        password=TEST_PASSWORD,
        roles=[StaffRole.INFORMATION_GOVERNANCE_OFFICER],
        given_name="Ines",
        family_name="Governance",
    )
    support.enrol_totp(user)
    return user


def go(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    check_page(page)


def test_resident_asks_officer_redacts_and_releases_resident_downloads(
    signed_in_context: MakeContext, verified_rita: User, ig_officer: User, live_server: Any
) -> None:
    resident = signed_in_context(verified_rita).new_page()
    go(resident, "/account/your-data/")
    support.click_and_wait(
        resident, support.main_button(resident, "Ask for the records other council systems hold about me")
    )
    assert resident.url.endswith("/account/your-data/council-records/")
    check_page(resident)
    sar = SubjectAccessRequest.objects.get(user=verified_rita)
    expect(resident.locator("main")).to_contain_text(f"reference {sar.reference}")
    expect(resident.locator("main")).to_contain_text(f"{sar.due_on:%-d %B %Y}")

    officer = signed_in_context(ig_officer, mfa=True).new_page()
    go(officer, "/staff/subject-access/")
    support.click_and_wait(officer, officer.locator("main").get_by_role("link", name=sar.reference))
    check_page(officer)
    expect(officer.locator("main")).to_contain_text(GOLDEN_EMAIL)

    housing = officer.locator("main form").filter(has=officer.locator("input[name=source_record_id][value=HO1]"))
    housing.get_by_role("checkbox", name="Email").check()
    housing.get_by_label("Why it is withheld").select_option(RedactionReason.THIRD_PARTY.value)
    support.click_and_wait(officer, housing.get_by_role("button", name="Redact from Housing record HO1"))
    check_page(officer)
    expect(officer.locator("main")).to_contain_text("Redaction recorded.")
    support.field(officer, "covering_note").fill("We withheld an email address on your housing record.")
    support.click_and_wait(officer, support.main_button(officer, "Save the covering note"))
    check_page(officer)
    support.click_and_wait(officer, support.main_button(officer, "Release to the resident"))
    check_page(officer)
    expect(officer.locator("main")).to_contain_text(f"{sar.reference} released")
    sar.refresh_from_db()
    assert sar.state == SubjectAccessState.RELEASED
    assert AuditEntry.objects.filter(action="myaccount.subject_access.viewed", actor_id=ig_officer.pk).count() >= 3

    go(resident, "/account/your-data/council-records/")
    with resident.expect_download() as download_info:
        resident.locator("main").get_by_role("link", name=f"Download the records of request {sar.reference}").click()
    download = download_info.value
    path = download.path()
    assert path is not None
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        package = json.loads(archive.read("records.json"))
        html = archive.read("records.html").decode()
    [housing_record] = [r for r in package["records"] if r["record_reference"] == "HO1"]
    assert housing_record["fields"]["Email"] == f"[redacted: {RedactionReason.THIRD_PARTY.label}]"
    assert GOLDEN_EMAIL not in json.dumps(package)
    assert GOLDEN_EMAIL not in html
    assert package["covering_note"] == "We withheld an email address on your housing record."

    go(resident, "/account/timeline/")
    expect(resident.locator("main")).to_contain_text("Your council records are ready to download")
