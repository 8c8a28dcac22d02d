"""Issue 6, validated uploads in real Chromium: a CSV with bad rows is refused with its report and nothing is
stored (with and without JavaScript; axe where it can run); a good file becomes version 2, listed publicly; a
large file is checked in the background, its progress page ending on the new version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.opendata.ckan_fixtures import Catalogue, make_catalogue
from townhall.accounts.models import User
from townhall.opendata import services
from townhall.opendata.models import Resource, ResourceVersion, StagedUpload
from townhall.opendata.services import ResourceFields, staged

GOOD = b"id,name,amount\n1,Alice,10\n2,Bob,20\n"


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def resource(db: None, staff_with_mfa: User) -> Resource:
    catalogue: Catalogue = make_catalogue()
    return services.resource_create(
        acting_user=staff_with_mfa,
        dataset=catalogue.toilets,
        fields=ResourceFields(name="Spend", upload=SimpleUploadedFile("spend.csv", GOOD)),
    )


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/staff/open-data/uploads/", id="index"),
        pytest.param("/staff/open-data/uploads/resource/{resource}/", id="upload"),
        pytest.param("/staff/open-data/uploads/resource/{resource}/version/1/", id="version"),
        pytest.param("/staff/open-data/uploads/resource/schema/{resource}/", id="schema"),
        pytest.param("/staff/open-data/uploads/dataset/new/{dataset}/", id="new-file"),
    ],
)
def test_upload_page(signed_in_context, staff_with_mfa: User, resource: Resource, path: str) -> None:  # type: ignore[no-untyped-def]
    url = path.format(resource=resource.pk, dataset=resource.dataset_id)
    check_page(support.open_page(signed_in_context(staff_with_mfa, mfa=True), url))


@pytest.mark.parametrize("java_script", [True, False], ids=["js", "no-js"])
def test_bad_csv_report_then_a_good_version(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, resource: Resource, tmp_path: Path, java_script: bool
) -> None:
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=java_script)
    page = support.open_page(context, f"/staff/open-data/uploads/resource/{resource.pk}/")
    bad = tmp_path / "spend-may.csv"
    bad.write_bytes(b"id,name,amount\n1,Alice,10\n2,Bob,lots\n")
    main = page.locator("main")
    main.get_by_label("File", exact=True).set_input_files(str(bad))
    main.get_by_role("button", name="Check and publish").click()

    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    row = main.locator("table tbody tr").first.locator("td").all_inner_texts()
    assert row == ["3", "amount", "lots", "“lots” is not a whole number"]
    if java_script:  # axe runs as JavaScript in the page
        check_page(page)
    report_link = main.get_by_role("link", name="Download this report as a spreadsheet (CSV)")
    assert "lots" in page.request.get(str(report_link.get_attribute("href"))).text()
    assert ResourceVersion.objects.filter(resource=resource).count() == 1

    good = tmp_path / "spend-june.csv"
    good.write_bytes(GOOD + b"3,Cara,30\n")
    main.get_by_label("File", exact=True).set_input_files(str(good))
    main.get_by_label("What changed (optional)").fill("June figures")
    main.get_by_role("button", name="Check and publish").click()
    assert page.locator("h1").inner_text() == "Version 2 of Spend"

    public = support.open_page(signed_in_context(None), f"/data/dataset/{resource.dataset.name}/")  # JavaScript on
    table = public.get_by_role("table", name="Versions of Spend")
    assert table.locator("tbody tr").count() == 2
    assert "June figures" in table.inner_text()
    check_page(public)


@pytest.mark.parametrize("java_script", [True, False], ids=["js", "no-js"])
def test_a_large_file_is_checked_in_the_background_with_progress(  # type: ignore[no-untyped-def]
    signed_in_context, staff_with_mfa: User, resource: Resource, tmp_path: Path, settings: Any, java_script: bool
) -> None:
    """The progress page (axe where it can run) refreshes itself with htmx, or by its Refresh link without
    JavaScript, and ends on the new version once the check has run."""
    settings.OPENDATA_BACKGROUND_VALIDATION_BYTES = 1024
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not yet run
    context = signed_in_context(staff_with_mfa, mfa=True, java_script_enabled=java_script)
    page = support.open_page(context, f"/staff/open-data/uploads/resource/{resource.pk}/")
    large = tmp_path / "spend-2026.csv"
    large.write_bytes(GOOD + b"".join(f"{n},Name {n},{n}\n".encode() for n in range(3, 2_000)))
    main = page.locator("main")
    main.get_by_label("File", exact=True).set_input_files(str(large))
    main.get_by_role("button", name="Check and publish").click()

    assert page.locator("h1").inner_text() == "Checking spend-2026.csv"
    assert "Waiting to be checked" in main.inner_text()
    assert "0 of about 1,999" in main.inner_text()
    if java_script:
        check_page(page)
    staged_upload = StagedUpload.objects.get()
    staged.staged_upload_check(staged_id=staged_upload.pk)  # what the worker does
    if not java_script:
        main.get_by_role("link", name="Refresh").click()
    page.wait_for_url(f"**/staff/open-data/uploads/resource/{resource.pk}/version/2/", timeout=10_000)
    assert page.locator("h1").inner_text() == "Version 2 of Spend"
    assert ResourceVersion.objects.get(resource=resource, number=2).row_count == 1_999
