"""Issue 6 in real Chromium: a large file added to a dataset as a new resource is checked in the background; its
progress page (axe where it can run) works with and without JavaScript and ends on the new resource's version 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.opendata.ckan_fixtures import Catalogue, make_catalogue
from townhall.accounts.models import User
from townhall.opendata.models import Dataset, Resource, StagedUpload
from townhall.opendata.services import staged


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def dataset(db: None) -> Dataset:
    catalogue: Catalogue = make_catalogue()
    return catalogue.toilets


@pytest.mark.parametrize("java_script", [True, False], ids=["js", "no-js"])
def test_a_large_new_file_is_added_once_checked_in_the_background(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, dataset: Dataset, tmp_path: Path, settings: Any, java_script: bool
) -> None:
    settings.OPENDATA_BACKGROUND_VALIDATION_BYTES = 1024
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not yet run
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=java_script)
    page = support.open_page(context, f"/staff/open-data/uploads/dataset/new/{dataset.pk}/")
    large = tmp_path / "spend-2026.csv"
    large.write_bytes(b"id,name,amount\n" + b"".join(f"{n},Name {n},{n}\n".encode() for n in range(1, 2_000)))
    main = page.locator("main")
    main.get_by_label("Name of the file").fill("Spending 2026")
    main.get_by_label("Description (optional)").fill("Every payment over £500.")
    main.get_by_label("File", exact=True).set_input_files(str(large))
    main.get_by_role("button", name="Check and add").click()

    assert page.locator("h1").inner_text() == "Checking spend-2026.csv"
    assert "A new file for this dataset, called “Spending 2026”." in main.inner_text()
    assert not Resource.objects.filter(name="Spending 2026").exists()
    if java_script:
        check_page(page)
    staged.staged_upload_check(staged_id=StagedUpload.objects.get().pk)  # what the worker does
    if not java_script:
        main.get_by_role("link", name="Refresh").click()
    resource = Resource.objects.get(name="Spending 2026")
    page.wait_for_url(f"**/staff/open-data/uploads/resource/{resource.pk}/version/1/", timeout=10_000)
    assert "Spending 2026 is added to" in page.locator("main").inner_text()
    assert resource.current_version is not None
    assert resource.current_version.row_count == 1_999
