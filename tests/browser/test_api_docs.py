"""/api/v1/docs: django-ninja's bundled Swagger UI renders the schema from our own static files, with no
request leaving the live server (the `new_context` guard fails the test otherwise), and passes axe, an
operation opened with the keyboard included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, expect

from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import BrowserTraffic

RENDER_TIMEOUT_MS = 30_000


def test_api_docs_render_offline_and_accessibly(
    new_context: Callable[..., BrowserContext], browser_traffic: BrowserTraffic, db: Any
) -> None:
    page = new_context().new_page()
    with page.expect_response(lambda response: response.url.endswith("/api/v1/openapi.json")) as schema:
        page.goto("/api/v1/docs")
    assert schema.value.ok

    # Swagger UI renders the whole schema in script: on a busy shared machine that can take a while.
    expect(page.get_by_role("heading", name="Townhall API", level=1)).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text("/api/v1/requests/{reference}/updates")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    assert_no_serious_violations(page)

    create = page.locator("#operations-requests-townhall_api_api_requests_request_create .opblock-summary-control")
    create.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Report a problem, as a signed-in resident")).to_be_visible()
    assert_no_serious_violations(page)

    paths = {urlsplit(url).path for url in browser_traffic.requests}
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css", "/api/v1/openapi.json"} <= paths
    assert "/static/api/swagger-contrast.css" in paths
    assert browser_traffic.off_site == []
