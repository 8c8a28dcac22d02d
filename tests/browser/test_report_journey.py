"""The resident reporting journey at /report/ in a real browser: JavaScript off, and keyboard only.

A resident reports a pothole end to end (category, postcode, address, questions,
description, photos, contact details, check answers, send; without an account, confirm
by the emailed link), anonymously and signed in, then opens the tracking page. Every
page of the journey and each error state (no category chosen, a postcode that is not
real, an empty description) passes axe with nothing serious or critical, has the page
furniture (one h1, a council title, lang, main, a working skip link) and reflows at 320
CSS pixels.

The borough, the Highways teams and the pothole category (a question of every datatype)
are the fixtures of tests/service_requests/conftest.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.test_accessibility import assert_reflows_at_320_css_pixels, check_page
from tests.browser.test_no_javascript import assert_renders_without_javascript
from tests.service_requests import conftest as service_fixtures
from townhall.accounts.models import User
from townhall.notify.models import OutboxMessage
from townhall.service_requests.models import Category, ServiceRequest

MakeContext = Callable[..., BrowserContext]

# The borough (wards, streets, 12 Station Road in TS40 1AB), teams and pothole category of the
# service request tests, made fixtures of this module too.
borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole
POSTCODE = "TS40 1AB"
ADDRESS = "12 Station Road"
DESCRIPTION = "Deep hole by the bus stop"
REFERENCE = re.compile(r"/report/(?P<reference>[^/]+)/confirmation/(#.*)?$")


def check(page: Page, *, error: bool = False) -> None:
    """One page of the journey: furnished and reflowing; with JavaScript off, usable without script;
    with it on, clean for axe (axe-core waits on timers, which never fire with JavaScript off)."""
    javascript = page.evaluate("() => document.body.classList.contains('js-enabled')")
    if error:
        # Without JavaScript nothing moves focus to the summary; the links still point at fields.
        support.assert_error_summary(page, focused=javascript)
    if javascript:
        check_page(page)
    else:
        # Without GOV.UK Frontend's script <main> takes no tabindex, so the skip link cannot
        # move focus there (it does move the reading point); the rest of the furniture holds.
        assert_renders_without_javascript(page)
        assert_furniture_without_skip_link(page)
        assert_reflows_at_320_css_pixels(page)


def assert_furniture_without_skip_link(page: Page) -> None:
    council = settings.TOWNHALL_BRANDING.council_name
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert council in page.title(), f"title {page.title()!r} does not name {council!r}"
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main#main-content")).to_have_count(1)
    expect(page.locator("a.govuk-skip-link[href='#main-content']")).to_have_count(1)


def continue_(page: Page) -> None:
    support.click_and_wait(page, support.main_button(page, "Continue"))


def expect_step(page: Page, step: str) -> None:
    expect(page).to_have_url(re.compile(rf"/report/draft/[^/]+/{step}/(#.*)?$"))


def report_a_pothole(page: Page, *, signed_in: bool) -> str:
    """Walk the whole journey with JavaScript off, checking every page and error state; return the reference."""
    page.goto("/report/")
    check(page)
    support.click_and_wait(page, support.main_button(page, "Start now"))

    expect_step(page, "category")
    check(page)
    continue_(page)  # nothing chosen
    expect_step(page, "category")
    check(page, error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the problem you want to report")
    page.locator("main").get_by_role("radio", name="Pothole").check()
    continue_(page)

    expect_step(page, "location")
    check(page)
    support.field(page, "postcode").fill("NOT A POSTCODE")
    support.click_and_wait(page, support.main_button(page, "Find addresses"))
    expect_step(page, "location")
    check(page, error=True)
    support.field(page, "postcode").fill(POSTCODE.lower().replace(" ", ""))
    support.click_and_wait(page, support.main_button(page, "Find addresses"))

    expect_step(page, "location/address")
    check(page)
    page.locator("main").get_by_role("radio", name=re.compile(ADDRESS)).check()
    continue_(page)

    expect_step(page, "questions")
    check(page)
    page.locator("main").get_by_role("radio", name="4cm or more").check()
    support.field(page, "width_cm").fill("35")
    page.locator("main").get_by_role("checkbox", name="In the road").check()
    support.field(page, "landmark").fill("Bus stop")
    continue_(page)

    expect_step(page, "description")
    check(page)
    continue_(page)  # empty description
    expect_step(page, "description")
    check(page, error=True)
    support.field(page, "description").fill(DESCRIPTION)
    continue_(page)

    expect_step(page, "photos")
    check(page)
    continue_(page)  # photos are optional for potholes

    if not signed_in:
        expect_step(page, "contact")
        check(page)
        support.field(page, "name").fill("Ann Other")
        support.field(page, "email").fill("ann@example.org")
        continue_(page)

    expect_step(page, "check")
    check(page)
    main = page.locator("main")
    for answer in ("Pothole", ADDRESS, "4cm or more", "In the road", DESCRIPTION):
        expect(main).to_contain_text(answer)
    expect(main).to_contain_text("resident@example.org" if signed_in else "Ann Other")
    assert not ServiceRequest.objects.exists(), "the report was saved before it was sent"
    support.click_and_wait(page, support.main_button(page, "Accept and send"))

    match = REFERENCE.search(page.url)
    assert match, f"sending the report led to {page.url}"
    reference = match.group("reference")
    check(page)
    if not signed_in:
        expect(page.locator("main h1")).to_have_text("Check your email to confirm your report")
        page.goto(confirmation_link(reference))
        check(page)
        support.click_and_wait(page, support.main_button(page, "Confirm my report"))
        assert REFERENCE.search(page.url), page.url
        check(page)
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(reference)
    created = ServiceRequest.objects.get()
    assert created.reference == reference
    assert created.description == DESCRIPTION
    return reference


def confirmation_link(reference: str) -> str:
    """The path of the link in the "confirm your report" email (in the outbox; test_report_extras reads it by SMTP)."""
    message = OutboxMessage.objects.get(idempotency_key=f"service_request:{reference}:confirmation")
    match = re.search(r"https?://[^/\s]+(/report/confirm/\S+/)", message.payload["text"])
    assert match, message.payload["text"]
    return match.group(1)


def open_tracking_page(page: Page, reference: str) -> None:
    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Check the progress of your report"))
    assert re.search(rf"/report/{reference}/(#.*)?$", page.url), page.url
    check(page)
    expect(page.locator("main h1")).to_have_text("Pothole")
    expect(page.locator("main")).to_contain_text(reference)


JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [pytest.param(False, id="js-off"), pytest.param(True, id="js-on-axe")]
)


@JAVASCRIPT
def test_anonymous_resident_reports_a_pothole(
    signed_in_context: MakeContext, pothole: Category, javascript: bool
) -> None:
    page = signed_in_context(None, java_script_enabled=javascript).new_page()
    reference = report_a_pothole(page, signed_in=False)
    created = ServiceRequest.objects.get()
    assert created.reporter is None
    assert created.contact_email == "ann@example.org"
    expect(page.locator("main")).to_contain_text("ann@example.org")
    open_tracking_page(page, reference)


@JAVASCRIPT
def test_signed_in_resident_reports_a_pothole(
    signed_in_context: MakeContext, pothole: Category, resident: User, javascript: bool
) -> None:
    page = signed_in_context(resident, java_script_enabled=javascript).new_page()
    page.goto("/")
    support.assert_signed_in(page)
    reference = report_a_pothole(page, signed_in=True)
    assert ServiceRequest.objects.get().reporter == resident
    open_tracking_page(page, reference)


# Keyboard only ------------------------------------------------------------------------------

# What to do at a Tab stop: ("type", text) in a text field, ("space", None) on a radio or checkbox.
Action = tuple[str, str | None]


def stop_key(stop: dict[str, str]) -> str:
    """A radio or checkbox is known by name=value (its text is its value); any other field by its name."""
    if stop["type"] in {"radio", "checkbox"}:
        return f"{stop['name']}={stop['text']}"
    return stop["name"]


def skip_to_main_content(page: Page) -> None:
    """A fresh page's first Tab stop is the skip link, and Enter moves focus to <main>."""
    stops = support.tab_to(page, lambda stop: "skip to main content" in stop["text"].lower(), max_presses=1)
    assert len(stops) == 1, stops
    page.keyboard.press("Enter")
    if page.evaluate("() => document.body.classList.contains('js-enabled')"):
        expect(page.locator("#main-content")).to_be_focused()
    # Without JavaScript <main> cannot take focus, but the next Tab still starts inside it.
    # Drop the #main-content the link added, or a form posting back to this URL would keep it.
    page.evaluate("history.replaceState(null, '', location.pathname + location.search)")


def fill_by_keyboard(page: Page, actions: dict[str, Action], button: str, *, max_presses: int = 40) -> None:
    """From <main>, Tab through every stop (each must show focus), act on the planned ones, press Enter on `button`.

    Fails if a planned stop was never reached: each planned field must be in the Tab order before the button.
    """
    skip_to_main_content(page)
    done: set[str] = set()
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        stop = support.focused(page)
        assert stop is not None, f"focus left the page on {page.url} before reaching {button!r}"
        assert support.focus_is_visible(stop), f"focus is not visible on {page.url}: {stop}"
        key = stop_key(stop)
        if key in actions and key not in done:
            kind, text = actions[key]
            if kind == "type":
                page.keyboard.type(text or "")
            else:
                page.keyboard.press("Space")
                expect(page.locator(":focus")).to_be_checked()
            done.add(key)
        if stop["tag"] == "button" and stop["text"] == button:
            missed = set(actions) - done
            assert not missed, f"Tab reached {button!r} on {page.url} without passing {missed}"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"{max_presses} presses of Tab never reached {button!r} on {page.url}")


def follow_link_by_keyboard(page: Page, text: str) -> None:
    skip_to_main_content(page)
    support.tab_to(page, lambda stop: stop["tag"] == "a" and stop["text"] == text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")])
def test_resident_reports_a_pothole_with_the_keyboard_only(
    signed_in_context: MakeContext, pothole: Category, javascript: bool
) -> None:
    page = signed_in_context(None, java_script_enabled=javascript).new_page()
    page.goto("/report/")
    fill_by_keyboard(page, {}, "Start now")

    expect_step(page, "category")
    fill_by_keyboard(page, {f"category={pothole.pk}": ("space", None)}, "Continue")
    expect_step(page, "location")
    fill_by_keyboard(page, {"postcode": ("type", POSTCODE)}, "Find addresses")
    expect_step(page, "location/address")
    fill_by_keyboard(page, {"uprn=100000001": ("space", None)}, "Continue")
    expect_step(page, "questions")
    questions: dict[str, Action] = {
        "depth=shallow": ("space", None),
        "width_cm": ("type", "35"),
        "where=road": ("space", None),
        "landmark": ("type", "Bus stop"),
    }
    fill_by_keyboard(page, questions, "Continue")
    expect_step(page, "description")
    fill_by_keyboard(page, {"description": ("type", DESCRIPTION)}, "Continue")
    expect_step(page, "photos")
    fill_by_keyboard(page, {}, "Continue")
    expect_step(page, "contact")
    contact: dict[str, Action] = {"name": ("type", "Ann Other"), "email": ("type", "ann@example.org")}
    fill_by_keyboard(page, contact, "Continue")
    expect_step(page, "check")
    fill_by_keyboard(page, {}, "Accept and send")
    expect(page.locator("main h1")).to_have_text("Check your email to confirm your report")
    page.goto(confirmation_link(ServiceRequest.objects.get().reference))
    fill_by_keyboard(page, {}, "Confirm my report")

    match = REFERENCE.search(page.url)
    assert match, f"sending the report led to {page.url}"
    created = ServiceRequest.objects.get()
    assert created.reference == match.group("reference")
    assert created.description == DESCRIPTION
    assert created.contact_email == "ann@example.org"
    answers = {answer.question_code: answer.display_value for answer in created.answers.all()}
    assert answers.get("depth") == "Less than 4cm", answers
    assert answers.get("where") == "In the road", answers

    follow_link_by_keyboard(page, "Check the progress of your report")
    assert re.search(rf"/report/{created.reference}/(#.*)?$", page.url), page.url
    expect(page.locator("main h1")).to_have_text("Pothole")
