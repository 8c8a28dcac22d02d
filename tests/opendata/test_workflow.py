"""The publishing workflow's rules (issue 6): who may move a dataset where, four eyes, scheduling, withdrawal.

The services are called directly; tests/opendata/test_staff_pages.py drives the same rules
through the pages. The passing of a scheduled time is shown by moving the schedule into the
past in the database (what the clock would do), never by waiting.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.opendata.ckan_fixtures import Catalogue
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.opendata import selectors
from townhall.opendata.models import Dataset, DatasetState
from townhall.opendata.selectors import staff as staff_selectors
from townhall.opendata.services import ResourceFields, workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None) -> dict[str, User]:
    def staff(email: str, *roles: StaffRole) -> User:
        return account_services.staff_create(email=email, password="correct-horse-battery-staple-42", roles=roles)

    return {
        "manager": staff("manager@council.example", StaffRole.TEAM_MANAGER),
        "steward": staff("steward.one@council.example", StaffRole.DATA_STEWARD),
        "other_steward": staff("steward.two@council.example", StaffRole.DATA_STEWARD),
        "admin": staff("admin@council.example", StaffRole.ADMINISTRATOR),
        "officer": staff("officer@council.example", StaffRole.CASE_OFFICER),
    }


def details(catalogue: Catalogue, name: str = "bus-stops") -> workflow.DatasetDetails:
    licence = selectors.licence_default()
    assert licence is not None
    return workflow.DatasetDetails(
        title="Bus stops",
        name=name,
        notes="Every bus stop in the borough.",
        publisher=catalogue.highways,
        licence=licence,
        themes=[catalogue.transport],
        tag_names=["buses"],
        contact_name="Transport team",
        contact_email="transport@council.example",
    )


def submitted(catalogue: Catalogue, by: User) -> Dataset:
    dataset = workflow.draft_create(acting_user=by, details=details(catalogue))
    workflow.link_add(
        acting_user=by, dataset=dataset, fields=ResourceFields(name="Stops", url="https://maps.example/stops.csv")
    )
    return workflow.submit(acting_user=by, dataset=dataset)


def actions(dataset: Dataset) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(dataset.pk)).order_by("sequence").values_list("action", flat=True)
    )


def public(client: Client, dataset: Dataset) -> bool:
    return client.get(f"/data/dataset/{dataset.name}/").status_code == 200


def test_a_team_manager_drafts_and_submits_and_a_steward_publishes(
    catalogue: Catalogue, people: dict[str, User], client: Client
) -> None:
    dataset = submitted(catalogue, people["manager"])
    assert dataset.state == DatasetState.IN_REVIEW
    assert not public(client, dataset)

    dataset = workflow.approve(acting_user=people["steward"], dataset=dataset)

    assert dataset.state == DatasetState.ACTIVE
    assert dataset.published_at is not None
    assert public(client, dataset)
    shown = client.get("/api/3/action/package_show", {"id": dataset.name}).json()["result"]
    assert shown["state"] == "active"
    assert actions(dataset) == [
        "opendata.dataset.created",
        "opendata.dataset.submitted",
        "opendata.dataset.approved",
    ]


def test_new_datasets_are_always_drafts(catalogue: Catalogue, people: dict[str, User], client: Client) -> None:
    dataset = workflow.draft_create(acting_user=people["steward"], details=details(catalogue))

    assert dataset.state == DatasetState.DRAFT
    assert not public(client, dataset)
    assert dataset.themes.get() == catalogue.transport
    assert [tag.name for tag in dataset.tags.all()] == ["buses"]


@pytest.mark.parametrize("who", ["officer", "resident", "anonymous"])
def test_people_who_are_not_drafters_cannot_draft(
    catalogue: Catalogue, people: dict[str, User], resident: User, who: str
) -> None:
    actors: dict[str, User | AnonymousUser] = {
        "officer": people["officer"],
        "resident": resident,
        "anonymous": AnonymousUser(),
    }
    actor = actors[who]
    with pytest.raises(PermissionDenied):
        workflow.draft_create(acting_user=actor, details=details(catalogue))
    assert not Dataset.objects.filter(name="bus-stops").exists()


def test_only_stewards_decide(catalogue: Catalogue, people: dict[str, User]) -> None:
    dataset = submitted(catalogue, people["manager"])

    for attempt in (
        lambda: workflow.approve(acting_user=people["manager"], dataset=dataset),
        lambda: workflow.send_back(acting_user=people["manager"], dataset=dataset, comment="No"),
        lambda: workflow.withdraw(acting_user=people["manager"], dataset=catalogue.trees, reason="No"),
        lambda: workflow.restore(acting_user=people["manager"], dataset=catalogue.withdrawn),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert Dataset.objects.get(pk=dataset.pk).state == DatasetState.IN_REVIEW


def test_a_drafter_cannot_change_a_dataset_once_submitted(catalogue: Catalogue, people: dict[str, User]) -> None:
    dataset = submitted(catalogue, people["manager"])

    with pytest.raises(PermissionDenied):
        workflow.details_update(acting_user=people["manager"], dataset=dataset, details=details(catalogue, "renamed"))
    with pytest.raises(PermissionDenied):
        workflow.details_update(acting_user=people["manager"], dataset=catalogue.trees, details=details(catalogue))
    changed = workflow.details_update(
        acting_user=people["steward"], dataset=dataset, details=details(catalogue, "renamed")
    )
    assert (changed.name, changed.state) == ("renamed", DatasetState.IN_REVIEW)


@pytest.mark.parametrize(
    ("transition", "dataset_key"),
    [
        ("submit", "trees"),
        ("approve", "draft"),
        ("send_back", "trees"),
        ("withdraw", "draft"),
        ("withdraw", "withdrawn"),
        ("restore", "trees"),
        ("publish_now", "trees"),
        ("schedule_cancel", "draft"),
    ],
)
def test_transitions_that_do_not_fit_the_stage_are_refused(
    catalogue: Catalogue, people: dict[str, User], transition: str, dataset_key: str
) -> None:
    dataset = getattr(catalogue, dataset_key)
    before = (dataset.state, dataset.metadata_modified)
    extra = (
        {"comment": "Fix it"} if transition == "send_back" else {"reason": "Old"} if transition == "withdraw" else {}
    )
    with pytest.raises(ValidationError):
        getattr(workflow, transition)(acting_user=people["steward"], dataset=dataset, **extra)
    dataset.refresh_from_db()
    assert (dataset.state, dataset.metadata_modified) == before


def test_submitting_needs_a_file_or_link(catalogue: Catalogue, people: dict[str, User]) -> None:
    dataset = workflow.draft_create(acting_user=people["manager"], details=details(catalogue))

    with pytest.raises(ValidationError, match="at least one file or link"):
        workflow.submit(acting_user=people["manager"], dataset=dataset)
    assert Dataset.objects.get(pk=dataset.pk).state == DatasetState.DRAFT


def test_four_eyes_a_steward_cannot_approve_their_own_submission(catalogue: Catalogue, people: dict[str, User]) -> None:
    dataset = submitted(catalogue, people["steward"])

    with pytest.raises(ValidationError, match="another data steward"):
        workflow.approve(acting_user=people["steward"], dataset=dataset)
    assert Dataset.objects.get(pk=dataset.pk).state == DatasetState.IN_REVIEW
    assert workflow.approve(acting_user=people["other_steward"], dataset=dataset).state == DatasetState.ACTIVE


def test_an_administrator_may_approve_their_own_submission_and_the_log_says_so(
    catalogue: Catalogue, people: dict[str, User]
) -> None:
    dataset = submitted(catalogue, people["admin"])

    workflow.approve(acting_user=people["admin"], dataset=dataset)

    entry = AuditEntry.objects.get(object_id=str(dataset.pk), action="opendata.dataset.approved")
    assert "administrator who submitted it" in entry.reason


def test_sending_back_needs_a_comment_which_the_draft_shows_until_resubmitted(
    catalogue: Catalogue, people: dict[str, User]
) -> None:
    dataset = submitted(catalogue, people["manager"])

    with pytest.raises(ValidationError):
        workflow.send_back(acting_user=people["steward"], dataset=dataset, comment="   ")
    dataset = workflow.send_back(acting_user=people["steward"], dataset=dataset, comment="Add the 2026 stops")

    assert dataset.state == DatasetState.DRAFT
    assert staff_selectors.return_comment(dataset=dataset) == "Add the 2026 stops"
    dataset = workflow.submit(acting_user=people["manager"], dataset=dataset)
    assert staff_selectors.return_comment(dataset=dataset) == ""


def test_scheduled_publication_stays_hidden_until_its_time(
    catalogue: Catalogue, people: dict[str, User], client: Client
) -> None:
    dataset = submitted(catalogue, people["manager"])
    when = timezone.now() + dt.timedelta(days=2)

    dataset = workflow.approve(acting_user=people["steward"], dataset=dataset, publish_at=when)

    assert staff_selectors.stage_of(dataset).key == "scheduled"
    assert dataset.published_at == when
    assert not public(client, dataset)
    assert client.get("/api/3/action/package_show", {"id": dataset.name}).status_code == 404
    first_published = selectors.datasets_first_published(
        published_from=when - dt.timedelta(days=1), published_before=when + dt.timedelta(days=1)
    )
    assert dataset not in first_published
    assert workflow.scheduled_publications_release() == []

    # The clock passes the scheduled time.
    passed = timezone.now() - dt.timedelta(minutes=5)
    Dataset.objects.filter(pk=dataset.pk).update(scheduled_publication_at=passed, published_at=passed)

    assert public(client, dataset)
    assert dataset in selectors.datasets_first_published(
        published_from=passed - dt.timedelta(days=1), published_before=passed + dt.timedelta(days=1)
    )
    modified_before = Dataset.objects.get(pk=dataset.pk).metadata_modified
    released_at = timezone.now()
    assert workflow.scheduled_publications_release(now=released_at) == [dataset.name]
    dataset.refresh_from_db()
    assert dataset.metadata_modified == released_at > modified_before
    assert dataset.scheduled_publication_at is None
    assert dataset.published_at == passed
    assert workflow.scheduled_publications_release() == []
    assert actions(dataset)[-1] == "opendata.dataset.published"


def test_the_command_releases_what_is_due(
    catalogue: Catalogue, people: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = workflow.approve(
        acting_user=people["steward"],
        dataset=submitted(catalogue, people["manager"]),
        publish_at=timezone.now() + dt.timedelta(hours=1),
    )
    call_command("opendata", "publish-scheduled")
    assert "Nothing due." in capsys.readouterr().out

    Dataset.objects.filter(pk=dataset.pk).update(scheduled_publication_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("opendata", "publish-scheduled")
    assert f"Published: {dataset.name}" in capsys.readouterr().out


def test_a_schedule_in_the_past_is_refused(catalogue: Catalogue, people: dict[str, User]) -> None:
    dataset = submitted(catalogue, people["manager"])

    with pytest.raises(ValidationError):
        workflow.approve(
            acting_user=people["steward"], dataset=dataset, publish_at=timezone.now() - dt.timedelta(minutes=1)
        )
    assert Dataset.objects.get(pk=dataset.pk).state == DatasetState.IN_REVIEW


def test_publish_now_and_cancel_a_schedule(catalogue: Catalogue, people: dict[str, User], client: Client) -> None:
    later = timezone.now() + dt.timedelta(days=1)
    first = workflow.approve(
        acting_user=people["steward"], dataset=submitted(catalogue, people["manager"]), publish_at=later
    )

    first = workflow.publish_now(acting_user=people["steward"], dataset=first)
    assert first.scheduled_publication_at is None
    assert first.published_at is not None
    assert first.published_at < later
    assert public(client, first)

    second = workflow.draft_create(acting_user=people["manager"], details=details(catalogue, "bus-routes"))
    workflow.link_add(acting_user=people["manager"], dataset=second, fields=ResourceFields(url="https://x.example/r"))
    workflow.submit(acting_user=people["manager"], dataset=second)
    second = workflow.approve(acting_user=people["steward"], dataset=second, publish_at=later)
    second = workflow.schedule_cancel(acting_user=people["steward"], dataset=second)
    assert (second.state, second.published_at, second.scheduled_publication_at) == (DatasetState.IN_REVIEW, None, None)


def test_withdrawal_needs_a_reason_keeps_the_page_and_can_be_undone(
    catalogue: Catalogue, people: dict[str, User], client: Client
) -> None:
    trees = catalogue.trees
    first_published = trees.published_at

    with pytest.raises(ValidationError):
        workflow.withdraw(acting_user=people["steward"], dataset=trees, reason="")
    trees = workflow.withdraw(acting_user=people["steward"], dataset=trees, reason="Replaced by Street trees 2027")

    page = client.get(f"/data/dataset/{trees.name}/").content.decode()
    assert "This dataset has been withdrawn" in page
    assert "Replaced by Street trees 2027" in page
    shown = client.get("/api/3/action/package_show", {"id": trees.name}).json()["result"]
    assert shown["state"] == "withdrawn"
    assert trees.title not in client.get("/data/").content.decode()

    trees = workflow.restore(acting_user=people["steward"], dataset=trees)
    assert (trees.state, trees.withdrawn_reason, trees.published_at) == (DatasetState.ACTIVE, "", first_published)
    assert "has been withdrawn" not in client.get(f"/data/dataset/{trees.name}/").content.decode()
    assert actions(trees)[-2:] == ["opendata.dataset.withdrawn", "opendata.dataset.restored"]


def test_a_failed_change_leaves_nothing_behind(catalogue: Catalogue, people: dict[str, User]) -> None:
    bad = details(catalogue, name=catalogue.trees.name)  # the URL is taken
    entries = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as raised:
        workflow.draft_create(acting_user=people["steward"], details=bad)

    assert "name" in raised.value.message_dict
    assert Dataset.objects.filter(title="Bus stops").count() == 0
    assert AuditEntry.objects.count() == entries


def test_history_names_who_did_what_from_every_door(catalogue: Catalogue, people: dict[str, User]) -> None:
    dataset = submitted(catalogue, people["manager"])
    workflow.send_back(acting_user=people["steward"], dataset=dataset, comment="Wrong licence")

    history = staff_selectors.dataset_history(dataset=dataset)

    assert [item.what for item in history] == [
        "Sent back to draft",
        "Submitted for review",
        "File or link added",
        "Created",
    ]
    assert history[0].detail == "Wrong licence"
    assert history[0].who == people["steward"].email
    assert {item.who for item in staff_selectors.dataset_history(dataset=catalogue.trees)} == {
        staff_selectors.SYSTEM_ACTOR
    }


def test_stage_counts(catalogue: Catalogue, people: dict[str, User]) -> None:
    submitted(catalogue, people["manager"])

    counts = {item.stage.key: item.count for item in staff_selectors.stage_counts()}

    assert counts == {"draft": 1, "in_review": 1, "scheduled": 0, "published": 4, "withdrawn": 1}
    by_finance = {item.stage.key: item.count for item in staff_selectors.stage_counts(publisher=catalogue.finance)}
    assert by_finance == {"draft": 1, "in_review": 0, "scheduled": 0, "published": 1, "withdrawn": 0}
