"""Issue 6: the dataset page's datastore preview in real Chromium: axe, and paging through rows without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.opendata.datastore_fixtures import (
    TREES_SCHEMA,
    dataset_with_resources,
    drop_datastore_tables,
    load_csv,
    resources_of,
)
from townhall.opendata.models import Resource

SPECIES = ["Oak", "Ash", "Birch", "Rowan", "Lime"]


@pytest.fixture
def trees(db: None) -> Iterator[Resource]:
    """25 rows: three pages of ten in the preview."""
    rows = "".join(
        f"{n},{SPECIES[n % 5]},{'North' if n % 2 else 'South'},{n / 2},2020-01-{n:02d},{str(n % 3 > 0).lower()}\r\n"
        for n in range(1, 26)
    )
    resource = resources_of(dataset_with_resources())[0]
    load_csv(resource, "tree_id,species,ward,height_m,planted,protected\r\n" + rows, TREES_SCHEMA)
    yield resource
    drop_datastore_tables()


def test_preview_passes_axe(signed_in_context, trees: Resource) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(None), "/data/dataset/street-trees/")
    region = page.locator(f"#preview-{trees.pk}")
    assert region.locator("svg").count() == 1
    assert region.locator("[aria-hidden=true] svg").count() == 1  # the table is the accessible version
    check_page(page)
    page.get_by_text("What each column means").click()
    assert "Height in metres" in region.locator("details").inner_text()
    check_page(page)
    check_page(support.open_page(signed_in_context(None), f"/data/dataset/street-trees/?preview={trees.pk}&page=3"))


def test_preview_pages_without_javascript(signed_in_context, trees: Resource) -> None:  # type: ignore[no-untyped-def]
    page = support.open_page(signed_in_context(None, java_script_enabled=False), "/data/dataset/street-trees/")
    region = page.locator(f"#preview-{trees.pk}")
    assert "Rows 1 to 10 of 25." in region.inner_text()
    first_cells = region.locator("tbody tr td:first-child")
    assert first_cells.all_inner_texts()[:2] == ["1", "2"]
    region.get_by_role("link", name="Next").click()
    page.wait_for_url(f"**preview={trees.pk}&page=2**")
    region = page.locator(f"#preview-{trees.pk}")
    assert "Rows 11 to 20 of 25." in region.inner_text()
    region.get_by_role("link", name="Next").click()
    page.wait_for_url("**page=3**")
    region = page.locator(f"#preview-{trees.pk}")
    assert "Rows 21 to 25 of 25." in region.inner_text()
    assert region.get_by_role("link", name="Next").count() == 0
    region.get_by_role("link", name="Previous").click()
    page.wait_for_url("**page=2**")
    assert "Rows 11 to 20 of 25." in page.locator(f"#preview-{trees.pk}").inner_text()
