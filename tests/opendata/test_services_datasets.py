"""Dataset services: the publishing workflow, withdrawal, scheduled publication, who may write, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.opendata.ckan_fixtures import Catalogue, fields
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.opendata import selectors, services
from townhall.opendata.models import DatasetState, Licence


def test_standard_licences_exist_with_ogl_v3_the_default(db: None) -> None:
    assert selectors.licence_default() == Licence.objects.get(key="OGL-UK-3.0")
    assert set(Licence.objects.values_list("key", flat=True)) >= {
        "OGL-UK-3.0",
        "OGL-UK-2.0",
        "CC-BY-4.0",
        "CC0-1.0",
        "ODC-BY-1.0",
        "ODbL-1.0",
    }


def test_draft_review_publish_withdraw(catalogue: Catalogue, data_steward: User) -> None:
    draft = catalogue.draft
    assert "draft-budget" not in selectors.package_list()
    services.dataset_state_change(acting_user=data_steward, dataset=draft, state=DatasetState.IN_REVIEW)
    published = services.dataset_publish(acting_user=data_steward, dataset=draft)
    assert published.published_at is not None
    assert "draft-budget" in selectors.package_list()

    with pytest.raises(ValidationError) as error:
        services.dataset_withdraw(acting_user=data_steward, dataset=draft, reason=" ")
    assert "withdrawn_reason" in error.value.message_dict
    withdrawn = services.dataset_withdraw(acting_user=data_steward, dataset=draft, reason="Figures were wrong")
    assert withdrawn.state == DatasetState.WITHDRAWN
    assert "draft-budget" not in selectors.package_list()
    shown = selectors.package_show(user=None, id_or_name="draft-budget", site_url="https://x.example")
    assert shown is not None
    assert shown["state"] == "withdrawn"
    assert AuditEntry.objects.filter(action="opendata.dataset.withdrawn", object_id=str(draft.pk)).exists()


def test_scheduled_publication_hides_until_due(catalogue: Catalogue) -> None:
    soon = timezone.now() + dt.timedelta(days=1)
    services.dataset_create(
        acting_user=None, fields=fields("budget-2027", catalogue.finance, scheduled_publication_at=soon)
    )
    assert "budget-2027" not in selectors.package_list()
    assert selectors.package_show(user=None, id_or_name="budget-2027", site_url="") is None


def test_only_data_stewards_and_administrators_write(
    catalogue: Catalogue, staff_by_role: dict[StaffRole, User]
) -> None:
    for role, user in staff_by_role.items():
        allowed = role in (StaffRole.DATA_STEWARD, StaffRole.ADMINISTRATOR)
        if allowed:
            services.dataset_delete(acting_user=user, dataset=catalogue.toilets)
        else:
            with pytest.raises(PermissionDenied):
                services.dataset_delete(acting_user=user, dataset=catalogue.toilets)


def test_temporal_coverage_must_be_in_order(catalogue: Catalogue) -> None:
    with pytest.raises(ValidationError):
        services.dataset_create(
            acting_user=None,
            fields=fields(
                "backwards", catalogue.finance, temporal_start=dt.date(2026, 1, 2), temporal_end=dt.date(2026, 1, 1)
            ),
        )


def test_search_results_take_a_fixed_number_of_queries(catalogue: Catalogue, django_assert_num_queries) -> None:
    for n in range(5):
        services.dataset_create(acting_user=None, fields=fields(f"extra-{n}", catalogue.highways, tag_names=["trees"]))
    # page ids, page rows, tags, themes, resources; then SQLite: the count and one per facet field;
    # PostgreSQL (browsing, not cached yet): the catalogue version, the next scheduled publication, and
    # the count with every facet in one statement
    with django_assert_num_queries(8):
        found = selectors.package_search(
            user=None, site_url="https://x.example", rows=100, facet_fields=["organization", "tags"]
        )
    assert found["count"] == 8
