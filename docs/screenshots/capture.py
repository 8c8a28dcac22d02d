"""Refresh the README screenshots from a running demo (`make run`), signing in as real demo users.

Usage: .venv/bin/python docs/screenshots/capture.py [http://127.0.0.1:8000]
Needs Debian Chromium (`make browser`). Staff sign in with the demo TOTP code.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).parent
TOWNHALL = Path(sys.executable).parent / "townhall"
PASSWORD = "Townhall-demo-2026"  # noqa: S105 - the published demo password (README)
ARGS = ["--disable-quic", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost, EXCLUDE 127.0.0.1"]


def sign_in(page: Page, email: str) -> None:
    page.goto(f"{BASE}/auth/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()


def totp(email: str) -> str:
    command = [str(TOWNHALL), "demo", "totp", email]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()  # noqa: S603


def shot(page: Page, name: str, path: str, *, full_page: bool = True) -> None:
    page.goto(f"{BASE}{path}")
    if page.locator("[data-map]").count():
        page.wait_for_selector(".leaflet-container path")
        page.wait_for_timeout(1000)  # let the zoom to the outlines or markers finish
    # Long pages (the queue map's table, the request page) are cut to their first 1,600 pixels.
    clip = None if full_page else {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": 1600}
    page.screenshot(path=OUT / f"{name}.png", full_page=True, clip=clip)


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        page = phone.new_page()
        shot(page, "home-mobile", "/")
        desktop = browser.new_context(viewport={"width": 1100, "height": 800})
        page = desktop.new_page()
        shot(page, "home", "/")
        page.goto(f"{BASE}/auth/login/")
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in", exact=True).click()
        page.screenshot(path=OUT / "sign-in-errors.png", full_page=True)
        sign_in(page, "resident@demo.townhall.test")
        shot(page, "account", "/account/")
        shot(page, "account-timeline", "/account/timeline/", full_page=False)
        shot(page, "account-consent", "/account/consent/", full_page=False)
        resident_services(page)
        staff = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
        staff_sign_in(staff, "ig@demo.townhall.test")
        shot(staff, "staff-home", "/staff/")
        shot(staff, "find-a-resident", "/staff/residents/?q=armstrong")
        shot(staff, "audit-log", "/staff/audit/")
        report_location(desktop.new_page())
        shot(page, "public-reports", "/reports/")
        officer = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
        staff_sign_in(officer, "caseofficer@demo.townhall.test")
        shot(officer, "queue", "/staff/requests/", full_page=False)
        shot(officer, "queue-map", "/staff/requests/map/", full_page=False)
        first = officer.locator("table a[href^='/staff/requests/']").first.get_attribute("href")
        shot(officer, "request-page", str(first), full_page=False)
        manager = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
        staff_sign_in(manager, "manager@demo.townhall.test")
        shot(manager, "insight-overview", "/staff/insight/", full_page=False)
        shot(page, "performance", "/performance/", full_page=False)
        shot(page, "open-data", "/data/", full_page=False)
        shot(page, "open-data-preview", "/data/dataset/public-toilets/", full_page=False)
        steward_pages(browser.new_context(viewport={"width": 1100, "height": 800}).new_page())
        browser.close()


def staff_sign_in(page: Page, email: str) -> None:
    sign_in(page, email)
    for _ in range(3):  # a code read at the end of its 30 seconds may be stale when it arrives
        page.fill("input[autocomplete='one-time-code']", totp(email))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if "/2fa/" not in page.url:
            return
        time.sleep(10)
    raise RuntimeError(f"{email}: the authenticator code was refused three times")


def steward_pages(page: Page) -> None:
    """The data steward's tools: open data publishing, the Citizen Index, data quality, the asset register."""
    staff_sign_in(page, "steward@demo.townhall.test")
    shot(page, "open-data-staff", "/staff/open-data/", full_page=False)
    shot(page, "citizen-index", "/staff/citizen-index/", full_page=False)
    page.goto(f"{BASE}/staff/citizen-index/review/")
    pair = page.locator("main table a[href*='/review/']").first
    if pair.count():
        shot(page, "citizen-review", str(pair.get_attribute("href")), full_page=False)
    shot(page, "data-quality", "/staff/citizen-index/quality/", full_page=False)
    shot(page, "asset-graph", "/staff/information-assets/graph/", full_page=False)


def resident_services(page: Page) -> None:
    """A signed-in resident's consultations, bin days, news and sign-in history."""
    shot(page, "have-your-say", "/have-your-say/", full_page=False)
    consultation = page.locator("main a[href^='/have-your-say/'][href$='/']").first.get_attribute("href")
    shot(page, "consultation-respond", f"{consultation}respond/", full_page=False)
    page.goto(f"{BASE}/account/")
    bins = page.get_by_role("link", name="All dates and a calendar file for your address")
    if bins.count():
        shot(page, "bin-collections", str(bins.get_attribute("href")), full_page=False)
    shot(page, "news", "/news/", full_page=False)
    shot(page, "sign-in-history", "/account/security/sign-in-history/", full_page=False)


def report_location(page: Page) -> None:
    """A pothole report up to the location step, where the map is."""
    page.goto(f"{BASE}/report/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    page.locator("main").get_by_role("radio", name="Pothole").check()
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Continue").click()
    page.wait_for_selector(".leaflet-container path")
    page.wait_for_timeout(1000)  # let the zoom to the ward outlines finish
    page.screenshot(path=OUT / "report-location-map.png", full_page=True)


if __name__ == "__main__":
    main()
