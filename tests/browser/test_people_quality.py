"""Citizen Index data quality pages in real Chromium: axe, page furniture, reflow; marking corrected without JS."""

from __future__ import annotations

import pytest

from tests.browser import support
from tests.browser.test_accessibility import MakeContext, check_page
from tests.people.test_quality import index  # noqa: F401 - the fixture, shared with the unit tests
from townhall.accounts.models import User
from townhall.people import services
from townhall.people.models import DataQualityIssue, SourceSystem


@pytest.fixture
def issue(index: dict[str, SourceSystem]) -> DataQualityIssue:  # noqa: F811
    services.data_quality_measure()
    found = DataQualityIssue.objects.filter(record__source_id="H3", field="phone").first()
    assert found is not None
    return found


@pytest.mark.parametrize("page_name", ["dashboard", "issues", "issues-filtered", "issues-error", "issue"])
def test_data_quality_page(
    signed_in_context: MakeContext, staff_with_mfa: User, issue: DataQualityIssue, page_name: str
) -> None:
    path, status = {
        "dashboard": ("/staff/citizen-index/quality/", 200),
        "issues": ("/staff/citizen-index/quality/issues/", 200),
        "issues-filtered": ("/staff/citizen-index/quality/issues/?kind=invalid&status=all", 200),
        "issues-error": ("/staff/citizen-index/quality/issues/?kind=nonsense", 400),
        "issue": (f"/staff/citizen-index/quality/issues/{issue.pk}/", 200),
    }[page_name]
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), path, status)
    if page_name == "issues-error":
        assert "Select a valid choice" in page.locator(".govuk-error-summary").inner_text()
    check_page(page)


def test_an_issue_is_marked_corrected_without_javascript(
    signed_in_context: MakeContext, staff_with_mfa: User, issue: DataQualityIssue
) -> None:
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False)
    page = support.open_page(context, f"/staff/citizen-index/quality/issues/{issue.pk}/")
    page.get_by_role("button", name="Mark corrected").click()
    page.wait_for_url(f"**/staff/citizen-index/quality/issues/{issue.pk}/")
    assert "marked by a data steward" in page.locator("main").inner_text()
    issue.refresh_from_db()
    assert issue.corrected_manually
