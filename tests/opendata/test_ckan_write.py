"""CKAN write actions through the real `ckanapi` client: create, patch, update, delete, resources. Each is audited."""

from __future__ import annotations

import ckanapi
import pytest
import requests

from tests.opendata.ckan_fixtures import Catalogue
from townhall.audit.models import AuditEntry
from townhall.opendata.models import Dataset, DatasetState

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_then_show(ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    created = ckan_steward.action.package_create(
        name="premises-licences",
        title="Premises licences",
        notes="Licensed premises in the borough.",
        owner_org="finance",
        license_id="CC0-1.0",
        private="false",
        tags=[{"name": "licensing"}, {"name": "premises"}],
        groups=[{"name": "spending"}],
        extras=[{"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/MONTHLY"}],
        resources=[{"name": "CSV", "url": "https://data.council.example/premises.csv", "format": "CSV"}],
        unknown_parameter="ignored",
    )

    assert created == ckan_steward.action.package_show(id="premises-licences")
    assert created["state"] == "active"
    assert created["organization"]["name"] == "finance"
    assert created["license_id"] == "CC0-1.0"
    assert [tag["name"] for tag in created["tags"]] == ["licensing", "premises"]
    assert created["resources"][0]["url"] == "https://data.council.example/premises.csv"
    dataset = Dataset.objects.get(name="premises-licences")
    assert dataset.frequency.endswith("/MONTHLY")
    assert dataset.published_at is not None
    assert AuditEntry.objects.filter(action="opendata.dataset.created", object_id=str(dataset.pk)).exists()


def test_create_a_draft_and_publish_it_by_update(ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    draft = ckan_steward.action.package_create(
        name="ward-profiles", owner_org="highways", state="draft", tag_string="wards, census"
    )
    assert [tag["name"] for tag in draft["tags"]] == ["census", "wards"]
    assert draft["state"] == "draft"
    assert draft["title"] == "ward-profiles"
    assert draft["license_id"] == "OGL-UK-3.0"  # the default licence
    assert "ward-profiles" not in ckan_steward.action.package_list()

    published = ckan_steward.action.package_update(**{**draft, "state": "active", "title": "Ward profiles"})
    assert published["state"] == "active"
    assert published["title"] == "Ward profiles"
    assert "ward-profiles" in ckan_steward.action.package_list()


def test_patch_changes_only_what_is_given(ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    before = ckan_steward.action.package_show(id="street-trees")
    after = ckan_steward.action.package_patch(id="street-trees", title="Street trees 2026", version="2")

    assert after["title"] == "Street trees 2026"
    assert after["version"] == "2"
    assert after["metadata_modified"] > before["metadata_modified"]
    unchanged = {k: v for k, v in after.items() if k not in ("title", "version", "metadata_modified")}
    assert unchanged == {k: v for k, v in before.items() if k not in ("title", "version", "metadata_modified")}
    assert AuditEntry.objects.filter(action="opendata.dataset.updated", object_id=str(catalogue.trees.pk)).exists()


def test_update_replaces_and_round_trips(ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    shown = ckan_steward.action.package_show(id="street-trees")
    same = ckan_steward.action.package_update(**shown)
    assert {k: v for k, v in same.items() if k != "metadata_modified"} == {
        k: v for k, v in shown.items() if k != "metadata_modified"
    }

    replaced = ckan_steward.action.package_update(
        id="street-trees", name="street-trees", owner_org="highways", resources=[shown["resources"][1]]
    )
    assert replaced["tags"] == []
    assert replaced["extras"] == [{"key": "issued", "value": shown_issued(shown)}]
    assert [resource["id"] for resource in replaced["resources"]] == [shown["resources"][1]["id"]]
    assert replaced["resources"][0]["position"] == 0


def shown_issued(shown: dict[str, object]) -> str:
    extras = shown["extras"]
    assert isinstance(extras, list)
    return next(extra["value"] for extra in extras if extra["key"] == "issued")


def test_delete_hides_the_dataset(
    ckan: ckanapi.RemoteCKAN, ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue
) -> None:
    assert ckan_steward.action.package_delete(id="public-toilets") is None

    assert "public-toilets" not in ckan.action.package_list()
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="public-toilets")
    assert ckan_steward.action.package_show(id="public-toilets")["state"] == "deleted"
    assert Dataset.objects.get(name="public-toilets").state == DatasetState.DELETED
    with pytest.raises(ckanapi.ValidationError) as error:
        ckan_steward.action.package_create(name="public-toilets", owner_org="highways")
    assert error.value.error_dict["name"] == ["That URL is already in use."]


def test_resource_create_and_patch(ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    before = ckan_steward.action.package_show(id="public-toilets")
    created = ckan_steward.action.resource_create(
        package_id="public-toilets", url="https://data.council.example/toilets.csv", format="CSV", name="Toilets"
    )
    assert created["package_id"] == before["id"]
    assert created["position"] == 0
    patched = ckan_steward.action.resource_patch(id=created["id"], description="Opening hours included", size="99")
    assert patched["description"] == "Opening hours included"
    assert patched["size"] == 99
    assert patched["url"] == "https://data.council.example/toilets.csv"
    after = ckan_steward.action.package_show(id="public-toilets")
    assert after["resources"] == [patched]
    assert after["metadata_modified"] > before["metadata_modified"]
    assert AuditEntry.objects.filter(action="opendata.resource.updated", object_id=created["id"]).exists()


def test_resource_create_with_a_file_upload(ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue, tmp_path) -> None:
    path = tmp_path / "toilets.csv"
    path.write_text("name,ward\nPark toilets,North\n")
    with path.open("rb") as upload:
        created = ckan_steward.action.resource_create(package_id="public-toilets", name="Upload", upload=upload)
    assert created["url_type"] == "upload"
    assert created["url"].endswith("/toilets.csv")
    assert created["size"] == path.stat().st_size
    download = requests.get(created["url"], timeout=10)
    assert download.status_code == 200
    assert download.content == path.read_bytes()
    patched = ckan_steward.action.resource_patch(id=created["id"], description="Still the file")
    assert patched["url"] == created["url"]
    assert patched["url_type"] == "upload"


def test_organization_and_group_create(ckan: ckanapi.RemoteCKAN, ckan_steward: ckanapi.RemoteCKAN, db: None) -> None:
    org = ckan_steward.action.organization_create(
        name="waste", title="Waste and Recycling", email="waste@council.example"
    )
    assert org["name"] == "waste"
    assert org["package_count"] == 0
    group = ckan_steward.action.group_create(name="environment", title="Environment")
    assert ckan.action.group_list() == ["environment"]
    assert group["title"] == "Environment"
    with pytest.raises(ckanapi.ValidationError) as taken:
        ckan_steward.action.organization_create(name="waste")
    assert "name" in taken.value.error_dict
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.organization_create(name="anyone")
    created = ckan_steward.action.package_create(name="bin-rounds", owner_org=org["id"], groups=[{"id": group["id"]}])
    assert created["organization"]["title"] == "Waste and Recycling"
    assert created["groups"][0]["name"] == "environment"
