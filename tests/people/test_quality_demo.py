"""The demo borough's data quality: the dashboard's figures for the four demo sources equal direct counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.people.quality_support import direct_figures, page_figures
from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.demo.citizen_index import DEMO_SOURCE_SYSTEMS, demo_citizen_index_create
from townhall.demo.constants import Scale
from townhall.demo.information_assets import demo_information_assets_create
from townhall.people.models import DataQualityIssue, SourceSystem


@pytest.mark.django_db
def test_demo_data_quality_matches_direct_counts(
    settings: Any, tmp_path: Path, staff_by_role: dict[StaffRole, User]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    demo_information_assets_create(as_of=dt.date(2026, 12, 1))
    demo_citizen_index_create(seed=1, scale=Scale.SMALL)
    client = sign_in_with_mfa(Client(), staff_by_role[StaffRole.DATA_STEWARD])
    html = client.get("/staff/citizen-index/quality/").content.decode()
    shown = page_figures(html)
    assert set(shown) == {code for code, *_ in DEMO_SOURCE_SYSTEMS}
    checked_any = found_duplicates = found_conflicts = 0
    for source in SourceSystem.objects.all():
        direct = direct_figures(source)
        figures = shown[source.code]
        print(f"\n{source.code}: {direct}")  # noqa: T201 - figures for the report
        assert figures["records"] == str(direct.records)
        assert figures["duplicates"] == str(direct.duplicates)
        assert figures["conflicts"] == str(direct.conflicts)
        assert {k: v[0] for k, v in figures["filled"].items()} == direct.filled
        assert figures["valid"] == direct.valid
        checked_any += bool(direct.valid)
        found_duplicates += int(direct.duplicates)
        found_conflicts += int(direct.conflicts)
        open_issues = DataQualityIssue.objects.filter(source=source, corrected_at__isnull=True).count()
        assert figures["open"] == str(open_issues)
    # The register rules fields of three of the four demo sources; the synthetic errors show up.
    assert checked_any >= 3
    assert found_duplicates > 0
    assert found_conflicts > 0
