"""Issue 7: the information asset register's pages in real Chromium.

Every page passes axe (no serious or critical issue), has the page furniture and reflows at
320 CSS pixels; the relationship graph is drawn on the server (so it is there with JavaScript
off) and hidden from screen readers, with the list as its accessible version; a steward can
add a relationship and a standard with the keyboard alone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.browser.test_no_javascript import assert_renders_without_javascript
from tests.catalogue import conftest as catalogue_fixtures
from tests.catalogue.conftest import Register
from townhall.accounts.models import User
from townhall.catalogue import services
from townhall.catalogue.models import AssetRelationship, DataStandard, SharingAgreement

register = catalogue_fixtures.register
PREFIX = "/staff/information-assets/"

CATALOGUE_PAGES = [
    pytest.param("", id="register"),
    pytest.param("?personal=yes&kind=system", id="register-filtered"),
    pytest.param("?q=nothing-matches", id="register-no-results"),
    pytest.param("?kind=nonsense", id="register-filter-error"),
    pytest.param("{asset}/", id="asset"),
    pytest.param("new/", id="asset-new"),
    pytest.param("edit/{asset}/", id="asset-edit"),
    pytest.param("history/{asset}/", id="asset-history"),
    pytest.param("review/{asset}/", id="asset-review"),
    pytest.param("reviews/", id="reviews-due"),
    pytest.param("graph/", id="graph"),
    pytest.param("relationships/{asset}/", id="relationship-add"),
    pytest.param("rules/{asset}/", id="field-rule-add"),
    pytest.param("sharing/", id="sharing-agreements"),
    pytest.param("sharing/new/", id="sharing-agreement-new"),
    pytest.param("sharing/{agreement}/", id="sharing-agreement"),
    pytest.param("sharing/edit/{agreement}/", id="sharing-agreement-edit"),
    pytest.param("standards/", id="standards"),
    pytest.param("standards/new/", id="standard-new"),
    pytest.param("standards/{standard}/?value=TS1+1AA", id="standard-check-valid"),
    pytest.param("standards/{standard}/?value=nope", id="standard-check-invalid"),
    pytest.param("standards/{standard}/?value=", id="standard-check-empty"),
    pytest.param("standards/edit/{standard}/", id="standard-edit"),
]


@pytest.fixture
def agreement(register: Register) -> SharingAgreement:
    return services.agreement_create(
        acting_user=None,
        fields=services.AgreementFields(
            title="National Fraud Initiative",
            partner="Cabinet Office",
            purpose="Data matching to find fraud.",
            direction="outgoing",
            lawful_basis="legal_obligation",
            starts_on=catalogue_fixtures.TODAY,
            assets=[register.council_tax, register.social_care],
        ),
    )


@pytest.mark.parametrize("path", CATALOGUE_PAGES)
def test_register_page(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, register: Register, agreement: SharingAgreement, path: str
) -> None:
    path = PREFIX + path.format(asset=register.council_tax.pk, agreement=agreement.pk, standard=register.postcode.pk)
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), path)
    check_page(page)


@pytest.mark.parametrize("path", ["", "graph/", "reviews/", "sharing/", "standards/"])
def test_empty_register_page(signed_in_context, staff_with_mfa: User, path: str) -> None:  # type: ignore[no-untyped-def]
    """A council that has just installed Townhall: every list says it is empty, and still passes."""
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), PREFIX + path)
    check_page(page)


def test_form_errors_pass_axe(signed_in_context, staff_with_mfa: User, register: Register) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), f"{PREFIX}new/")
    support.submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error:")
    check_page(page)


def test_graph_is_drawn_without_javascript(signed_in_context, staff_with_mfa: User, register: Register) -> None:  # type: ignore[no-untyped-def]
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False)
    page = support.open_page(context, f"{PREFIX}graph/")
    drawing = page.locator(".catalogue-graph")
    assert drawing.get_attribute("aria-hidden") == "true"
    assert drawing.locator("svg g[data-asset]").count() == 4
    expect(page.get_by_role("link", name="Local Land and Property Gazetteer")).to_be_visible()


def test_steward_works_without_javascript(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, register: Register
) -> None:
    """Every page renders with scripts off, and a change (a POST that redirects) goes through."""
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=False)
    for path in ("", f"{register.council_tax.pk}/", "new/", "sharing/", "standards/", "reviews/"):
        assert_renders_without_javascript(support.open_page(context, PREFIX + path))
    page = support.open_page(context, f"{PREFIX}review/{register.social_care.pk}/")
    support.field(page, "next_review_on").fill("2027-12-01")
    support.submit(page)
    expect(page.get_by_text("Review of Adult social care case records recorded")).to_be_visible()
    register.social_care.refresh_from_db()
    assert str(register.social_care.next_review_on) == "2027-12-01"


def _on(page: Page, name: str) -> support.StopMatcher:
    return lambda stop: stop["name"] == name


def test_steward_adds_a_relationship_with_the_keyboard(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, register: Register
) -> None:
    page = support.open_page(
        signed_in_context(staff_with_mfa, mfa=True), f"{PREFIX}relationships/{register.social_care.pk}/"
    )
    support.tab_to(page, _on(page, "kind"))
    page.keyboard.press("ArrowDown")  # radios: from "feeds" to "is derived from"
    expect(page.locator("input[name=kind][value=derived_from]")).to_be_checked()
    support.tab_to(page, _on(page, "target"), max_presses=3)
    page.keyboard.press("ArrowDown")  # a closed <select> changes with the arrow keys
    selected = page.locator("select[name=target]").input_value()
    assert selected, "the arrow key chose an asset"
    support.tab_to(page, _on(page, "description"), max_presses=2)
    page.keyboard.type("Care packages")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    link = AssetRelationship.objects.get(source=register.social_care)
    assert (link.kind, str(link.target_id), link.description) == ("derived_from", selected, "Care packages")


def test_steward_fixes_a_standard_with_the_keyboard(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, register: Register
) -> None:
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), f"{PREFIX}standards/new/")
    support.tab_to(page, _on(page, "name"))
    page.keyboard.type("Tenancy reference")
    support.tab_to(page, _on(page, "kind"), max_presses=2)
    page.keyboard.type("Matches")  # typing an option's first letters chooses it in a closed <select>
    expect(page.locator("select[name=kind]")).to_have_value("pattern")
    support.tab_to(page, _on(page, "parameter"), max_presses=2)
    page.keyboard.type("([A-Z]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    summary.get_by_role("link").first.press("Enter")
    expect(page.locator("input[name=parameter]")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("T[0-9]{6}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert DataStandard.objects.get(name="Tenancy reference").parameter == "T[0-9]{6}"
