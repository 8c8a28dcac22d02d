"""Have your say in a real Chromium: responding with JavaScript off, and axe on every consultation page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.browser.test_no_javascript import assert_renders_without_javascript
from tests.engagement.conftest import MakeConsultation, make_consultation, manager  # noqa: F401 - fixtures
from townhall.accounts.models import User
from townhall.engagement import services
from townhall.engagement.models import Response

MakeContext = Callable[..., BrowserContext]


@pytest.mark.parametrize("javascript", [False, True], ids=["no-javascript", "javascript"])
def test_responding_shows_errors_then_a_reference(
    signed_in_context: MakeContext,
    make_consultation: MakeConsultation,  # noqa: F811
    javascript: bool,
) -> None:
    """The whole journey as a plain HTML form; with JavaScript on, axe checks each step too
    (axe needs JavaScript, so it cannot run in the context that has it switched off)."""
    consultation = make_consultation("open")
    context = signed_in_context(None, java_script_enabled=javascript)
    check = check_page if javascript else assert_renders_without_javascript
    page = support.open_page(context, f"/have-your-say/{consultation.slug}/", 200)
    check(page)
    page.get_by_role("button", name="Respond to this consultation").click()
    expect(page.locator("h1")).to_have_text("Tell us what you think")
    check(page)

    support.main_button(page, "Send your response").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Answer the question: Do you support the plan?")
    assert page.title().startswith("Error: ")
    check(page)

    page.get_by_label("No", exact=True).check()
    page.get_by_label("Saturday").check()
    page.get_by_label("Anything else? (optional)").fill("More benches, please")
    page.get_by_label("Email address (optional)").fill("visitor@example.org")
    support.main_button(page, "Send your response").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Response sent")
    reference = Response.objects.get().reference
    expect(page.locator(".govuk-panel__body")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text("More benches, please")
    check(page)


def test_results_and_back_office_pages_pass_axe(
    signed_in_context: MakeContext,
    make_consultation: MakeConsultation,  # noqa: F811
    manager: User,  # noqa: F811
    staff_with_mfa: User,
    resident: User,
) -> None:
    consultation = make_consultation("open")
    services.response_submit(
        consultation=consultation,
        acting_user=resident,
        answers={
            q.pk: ([q.options.first().pk] if q.kind == "multiple" else q.options.first().pk)
            if q.kind != "text"
            else "x"
            for q in consultation.questions.all()
        },  # type: ignore[union-attr]
    )
    draft = make_consultation("draft")
    services.consultation_close_early(acting_user=manager, consultation=consultation)
    services.consultation_outcome_write(acting_user=manager, consultation=consultation, outcome="We asked.\n\nWe did.")

    visitor = signed_in_context(None)
    for path in (f"/have-your-say/{consultation.slug}/results/", f"/have-your-say/{consultation.slug}/"):
        check_page(support.open_page(visitor, path, 200))

    staff = signed_in_context(staff_with_mfa, mfa=True)
    for path in (
        f"/staff/consultations/{consultation.pk}/",
        f"/staff/consultations/outcome/{consultation.pk}/",
        f"/staff/consultations/{draft.pk}/",
        f"/staff/consultations/questions/{draft.pk}/",
        f"/staff/consultations/edit/{draft.pk}/",
    ):
        check_page(support.open_page(staff, path, 200))
    page = support.open_page(staff, f"/staff/consultations/edit/{draft.pk}/", 200)
    page.get_by_label("Title").fill("")
    support.main_button(page, "Save changes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title")
    check_page(page)


@pytest.fixture
def resident_response_page(
    signed_in_context: MakeContext,
    resident: User,
    make_consultation: MakeConsultation,  # noqa: F811
) -> str:
    consultation = make_consultation("open")
    response = services.response_submit(
        consultation=consultation,
        acting_user=resident,
        answers={q.pk: q.options.first().pk for q in consultation.questions.filter(kind="single")},  # type: ignore[union-attr]
    )
    return f"/have-your-say/{consultation.slug}/response/{response.reference}/"


def test_a_resident_sees_their_own_response(
    signed_in_context: MakeContext, resident: User, resident_response_page: str
) -> None:
    page = support.open_page(signed_in_context(resident), resident_response_page, 200)
    expect(page.locator("h1")).to_have_text("Your response")
    check_page(page)
