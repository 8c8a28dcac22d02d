"""Photos, "is it one of these?", email confirmation and reopening, in a real browser.

JavaScript off (the journey must work without it) and on (axe: nothing serious or
critical), and by keyboard alone. The confirmation link is read from the email as the
local SMTP server received it, as a resident would click it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.fixtures import Settings

from tests.browser import support
from tests.browser.test_report_journey import (
    ADDRESS,
    DESCRIPTION,
    POSTCODE,
    REFERENCE,
    check,
    continue_,
    expect_step,
    fill_by_keyboard,
)
from tests.fakes.smtp_server import FakeSmtpServer
from tests.service_requests import conftest as service_fixtures
from tests.service_requests.test_backoffice_queue import report
from townhall.accounts.models import User
from townhall.notify import services as notify
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import Category, RequestPhoto, RequestSubscription, ServiceRequest

MakeContext = Callable[..., BrowserContext]

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole

JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [pytest.param(False, id="js-off"), pytest.param(True, id="js-on-axe")]
)
ADDRESS_POINT = service_fixtures.lat_lng(450_110, 519_020)  # 10 metres from 12 Station Road


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture
def photo_files(tmp_path: Path) -> dict[str, Path]:
    """A real JPEG from a phone (with EXIF) and a GIF pretending to be one."""
    jpeg = tmp_path / "IMG_0001.jpg"
    image = Image.new("RGB", (800, 600), (120, 110, 100))
    exif = Image.Exif()
    exif[0x010F] = "PhoneCo"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    jpeg.write_bytes(out.getvalue())
    fake = tmp_path / "pothole.jpg"
    Image.new("RGB", (20, 20)).save(fake, "GIF")
    return {"jpeg": jpeg, "fake": fake}


def link_from_smtp(server: FakeSmtpServer, to: str, pattern: str) -> str:
    """The path of the first link matching `pattern` in the latest email the SMTP server received for `to`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        notify.outbox_deliver_due()  # the sweep, in case the after-commit delivery has not run
        mails = [mail for mail in server.messages if to in mail.recipients]
        if mails:
            text = mails[-1].message.get_body(("plain",)).get_content()
            match = re.search(rf"https?://[^/\s]+({pattern})", text)
            assert match, text
            return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no email reached the SMTP server for {to}")


def image_loaded(page: Page, alt: str) -> bool:
    return bool(page.locator("main").get_by_alt_text(alt).first.evaluate("img => img.complete && img.naturalWidth > 0"))


def to_address(page: Page) -> None:
    page.goto("/report/")
    support.click_and_wait(page, support.main_button(page, "Start now"))
    page.locator("main").get_by_role("radio", name="Pothole").check()
    continue_(page)
    support.field(page, "postcode").fill(POSTCODE)
    support.click_and_wait(page, support.main_button(page, "Find addresses"))
    page.locator("main").get_by_role("radio", name=re.compile(ADDRESS)).check()
    continue_(page)


def to_photos(page: Page) -> None:
    to_address(page)
    expect_step(page, "questions")
    page.locator("main").get_by_role("radio", name="4cm or more").check()
    continue_(page)
    support.field(page, "description").fill(DESCRIPTION)
    continue_(page)
    expect_step(page, "photos")


# --- a photo, and confirming by email -------------------------------------------------------------


@JAVASCRIPT
def test_anonymous_report_with_a_photo_confirmed_by_email(
    signed_in_context: MakeContext,
    pothole: Category,
    smtp_server: FakeSmtpServer,
    photo_files: dict[str, Path],
    javascript: bool,
) -> None:
    page = signed_in_context(None, java_script_enabled=javascript).new_page()
    to_photos(page)
    check(page)

    support.field(page, "photo").set_input_files(photo_files["fake"])
    support.click_and_wait(page, support.main_button(page, "Upload photo"))
    check(page, error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("The selected file must be a JPG, PNG or WebP")

    support.field(page, "photo").set_input_files(photo_files["jpeg"])
    support.click_and_wait(page, support.main_button(page, "Upload photo"))
    expect_step(page, "photos")
    assert image_loaded(page, "Photo 1 of the problem")
    expect(page.locator("main")).to_contain_text("Photos added")
    check(page)
    continue_(page)

    expect_step(page, "contact")
    support.field(page, "name").fill("Ann Other")
    support.field(page, "email").fill("ann@example.org")
    continue_(page)
    expect_step(page, "check")
    assert image_loaded(page, "Photo 1 of the problem")
    support.click_and_wait(page, support.main_button(page, "Accept and send"))

    assert REFERENCE.search(page.url), page.url
    expect(page.locator("main h1")).to_have_text("Check your email to confirm your report")
    check(page)
    created = ServiceRequest.objects.get()
    assert created.awaiting_confirmation
    assert page.context.request.get(f"/report/{created.reference}/").status == 404  # not live yet

    page.goto(link_from_smtp(smtp_server, "ann@example.org", r"/report/confirm/\S+/"))
    check(page)
    support.click_and_wait(page, support.main_button(page, "Confirm my report"))
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(created.reference)
    check(page)

    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Check the progress of your report"))
    check(page)
    assert image_loaded(page, "Photo 1 of the problem (opens full size)")
    photo = RequestPhoto.objects.get(request=created)
    assert b"PhoneCo" not in photo.image.read()


# --- is it one of these? -----------------------------------------------------------------------------


@JAVASCRIPT
def test_resident_follows_a_nearby_report_by_email(
    signed_in_context: MakeContext, pothole: Category, smtp_server: FakeSmtpServer, javascript: bool
) -> None:
    existing = report(pothole, lat=ADDRESS_POINT[0], lng=ADDRESS_POINT[1])
    page = signed_in_context(None, java_script_enabled=javascript).new_page()
    to_address(page)
    expect_step(page, "nearby")
    check(page)
    expect(page.locator("main")).to_contain_text(existing.reference)
    expect(page.locator("main")).to_contain_text("About 10 metres away")

    support.click_and_wait(
        page, page.locator("main").get_by_role("button", name=re.compile("Yes — follow this report"))
    )
    expect_step(page, f"follow/{existing.reference}/email")
    check(page)
    support.click_and_wait(page, support.main_button(page, "Send me the link"))
    check(page, error=True)
    support.field(page, "email").fill("fay@example.org")
    support.click_and_wait(page, support.main_button(page, "Send me the link"))
    expect(page.locator("main h1")).to_have_text("Check your email")
    check(page)

    page.goto(link_from_smtp(smtp_server, "fay@example.org", r"/report/follow/\S+/"))
    check(page)
    assert not RequestSubscription.objects.exists()
    support.click_and_wait(page, support.main_button(page, "Get updates"))
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(existing.reference)
    check(page)
    assert RequestSubscription.objects.get().email == "fay@example.org"
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")])
def test_no_report_a_new_problem_by_keyboard(signed_in_context: MakeContext, pothole: Category, javascript: bool):
    report(pothole, lat=ADDRESS_POINT[0], lng=ADDRESS_POINT[1])
    page = signed_in_context(None, java_script_enabled=javascript).new_page()
    to_address(page)
    expect_step(page, "nearby")
    fill_by_keyboard(page, {}, "No — report a new problem")
    expect_step(page, "questions")


# --- reopening -----------------------------------------------------------------------------------------


def fixed_report(category: Category, reporter: User, *, days_ago: float) -> ServiceRequest:
    created = report(category, reporter=reporter, contact=None)
    services.service_request_status_change(acting_user=None, service_request=created, to=Status.FIXED)
    ServiceRequest.objects.filter(pk=created.pk).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))
    return created


@JAVASCRIPT
def test_reporter_reopens_a_fixed_report(
    signed_in_context: MakeContext, pothole: Category, resident: User, javascript: bool
) -> None:
    created = fixed_report(pothole, resident, days_ago=3)
    page = signed_in_context(resident, java_script_enabled=javascript).new_page()
    page.goto(f"/report/{created.reference}/")
    check(page)
    support.click_and_wait(page, support.main_button(page, "Reopen report"))
    check(page, error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are reopening the report")
    support.field(page, "reason").fill("The hole has opened up again")
    support.click_and_wait(page, support.main_button(page, "Reopen report"))
    check(page)
    expect(page.locator("main")).to_contain_text("Reopened")
    expect(page.locator("main")).to_contain_text("The hole has opened up again")
    expect(page.locator("main")).to_contain_text("Tell us more about your report")  # open again: updates allowed
    created.refresh_from_db()
    assert created.status == Status.REOPENED


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")])
def test_reopen_by_keyboard_and_the_28_day_limit(
    signed_in_context: MakeContext, pothole: Category, resident: User, javascript: bool
) -> None:
    created = fixed_report(pothole, resident, days_ago=1)
    too_old = fixed_report(pothole, resident, days_ago=29)
    page = signed_in_context(resident, java_script_enabled=javascript).new_page()
    page.goto(f"/report/{created.reference}/")
    fill_by_keyboard(page, {"reason": ("type", "Back again")}, "Reopen report")
    created.refresh_from_db()
    assert created.status == Status.REOPENED

    page.goto(f"/report/{too_old.reference}/")
    check(page)
    expect(page.locator("main")).to_contain_text("closed more than 28 days ago")
    expect(page.locator("main").get_by_role("button", name="Reopen report")).to_have_count(0)
