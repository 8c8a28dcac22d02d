"""Issue 6, check 5: the /data/ pages in real Chromium: axe, reflow, and search with facets without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.opendata.ckan_fixtures import Catalogue, make_catalogue


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    return make_catalogue()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/data/", id="search"),
        pytest.param("/data/?q=trees&publisher=highways&sort=title", id="search-filtered"),
        pytest.param("/data/?q=nothing-matches", id="search-no-results"),
        pytest.param("/data/?withdrawn=yes", id="search-with-withdrawn"),
        pytest.param("/data/dataset/street-trees/", id="dataset"),
        pytest.param("/data/dataset/{withdrawn}/", id="dataset-withdrawn"),
    ],
)
def test_open_data_page(signed_in_context, catalogue: Catalogue, path: str) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(None), path.format(withdrawn=catalogue.withdrawn.name))
    check_page(page)


def test_search_and_facets_work_without_javascript(signed_in_context, catalogue: Catalogue) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(None, java_script_enabled=False), "/data/")
    main = page.locator("main")
    main.get_by_label("Highways and Transport", exact=False).check()
    main.get_by_role("button", name="Search").click()
    page.wait_for_url("**publisher=highways**")
    titles = main.locator("h3 a").all_inner_texts()
    assert titles
    assert catalogue.spend.title not in titles
    main.locator("h3 a").first.click()
    assert page.locator("h1").inner_text() in titles
