"""/staff/open-data/: every page and who may open it; the forms' errors; the workflow through the pages (issue 6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tests.opendata.ckan_fixtures import Catalogue
from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.opendata.models import Dataset, DatasetState, Licence, Resource
from townhall.opendata.services import ResourceFields, workflow

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple-42"
Person = Callable[[str], Client]


ROLES = {
    "manager": [StaffRole.TEAM_MANAGER],
    "steward": [StaffRole.DATA_STEWARD],
    "other_steward": [StaffRole.DATA_STEWARD],
    "admin": [StaffRole.ADMINISTRATOR],
    "officer": [StaffRole.CASE_OFFICER],
    "governance": [StaffRole.INFORMATION_GOVERNANCE_OFFICER],
}


def staff(key: str) -> User:
    """The member of staff called `key` (see ROLES), made on first use."""
    return User.objects.filter(email=f"{key}@council.example").first() or account_services.staff_create(
        email=f"{key}@council.example", password=PASSWORD, roles=ROLES[key], given_name=key.title()
    )


@pytest.fixture
def person(db: None) -> Person:
    """`person("steward")`: a fresh client signed in with MFA as that member of staff."""
    return lambda key: sign_in_with_mfa(Client(), staff(key))


def base(dataset: Dataset) -> str:
    return f"/staff/open-data/{dataset.pk}/"


def page(action: str, dataset: Dataset) -> str:
    return f"/staff/open-data/{action}/{dataset.pk}/"


def valid_form(catalogue: Catalogue, **changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "title": "Bus stops",
        "name": "",
        "notes": "Every bus stop in the borough.",
        "publisher": str(catalogue.highways.pk),
        "themes": [str(catalogue.transport.pk)],
        "tags": "buses, transport",
        "licence": str(Licence.objects.get(is_default=True).pk),
        "frequency": "",
        "temporal_start": "1/4/2025",
        "temporal_end": "31/3/2026",
        "spatial_label": "Borough",
        "contact_name": "Transport team",
        "contact_email": "transport@council.example",
        "landing_page": "",
    }
    form.update(changes)
    return form


def in_review(catalogue: Catalogue, by: User) -> Dataset:
    from tests.opendata.test_workflow import details

    dataset = workflow.draft_create(acting_user=by, details=details(catalogue))
    workflow.link_add(acting_user=by, dataset=dataset, fields=ResourceFields(name="CSV", url="https://x.example/s.csv"))
    return workflow.submit(acting_user=by, dataset=dataset)


# --- who may open what ----------------------------------------------------------------------------


def every_page(catalogue: Catalogue) -> list[str]:
    draft, trees = catalogue.draft, catalogue.trees
    return [
        "/staff/open-data/",
        "/staff/open-data/new/",
        base(trees),
        page("edit", draft),
        page("links", draft),
        page("submit", draft),
        page("history", trees),
        page("withdraw", trees),
        page("restore", catalogue.withdrawn),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, catalogue: Catalogue) -> None:
    for path in every_page(catalogue):
        response = client.get(path)
        assert response.status_code == 302, path
        assert urlsplit(response["Location"]).path == "/auth/login/"


def test_residents_and_staff_without_a_drafting_role_get_not_found(
    client: Client, resident: User, catalogue: Catalogue, person: Person
) -> None:
    client.force_login(resident)
    officer = person("officer")
    governance = person("governance")
    for path in every_page(catalogue):
        assert client.get(path).status_code == 404, path
        assert officer.get(path).status_code == 404, path
        assert governance.get(path).status_code == 404, path
        assert officer.post(path).status_code == 404, path


def test_drafters_open_drafting_pages_but_not_the_stewards(catalogue: Catalogue, person: Person) -> None:
    manager = person("manager")
    for path in every_page(catalogue)[:7]:
        assert manager.get(path).status_code == 200, path
    review_me = in_review(catalogue, staff("manager"))
    for path in (
        page("withdraw", catalogue.trees),
        page("restore", catalogue.withdrawn),
        page("review", review_me),
        page("edit", review_me),  # submitted: it is the reviewer's now
        page("edit", catalogue.trees),
        page("links", catalogue.trees),
    ):
        assert manager.get(path).status_code == 404, path
    assert manager.post(page("publish-now", catalogue.trees)).status_code == 404


def test_stewards_open_every_page(catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")
    for path in [*every_page(catalogue), page("review", in_review(catalogue, staff("steward")))]:
        assert steward.get(path).status_code == 200, path
    assert steward.get(f"/staff/open-data/{'0' * 8}-0000-0000-0000-{'0' * 12}/").status_code == 404


def test_post_only_actions_refuse_get(catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")
    assert steward.get(page("publish-now", catalogue.trees)).status_code == 405
    assert steward.get(page("cancel-schedule", catalogue.trees)).status_code == 405


# --- the list ----------------------------------------------------------------------------------------


def test_the_list_counts_each_stage_and_filters(catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")
    html = steward.get("/staff/open-data/").content.decode()
    for label, count in (("Draft", 1), ("In review", 0), ("Scheduled", 0), ("Published", 4), ("Withdrawn", 1)):
        assert f"{label}: {count}</a>" in html
    assert catalogue.private.title in html  # staff see private datasets too

    withdrawn = steward.get("/staff/open-data/", {"stage": "withdrawn"}).content.decode()
    assert catalogue.withdrawn.title in withdrawn
    assert catalogue.trees.title not in withdrawn
    finance = steward.get("/staff/open-data/", {"publisher": "finance"}).content.decode()
    assert catalogue.spend.title in finance
    assert catalogue.trees.title not in finance
    assert "Draft: 1</a>" in finance
    nonsense = steward.get("/staff/open-data/", {"stage": "nonsense", "publisher": "nobody"})
    assert nonsense.status_code == 200


# --- creating and changing ----------------------------------------------------------------------------


def test_errors_are_summarised_and_nothing_is_saved(catalogue: Catalogue, person: Person) -> None:
    manager = person("manager")
    before = (Dataset.objects.count(), AuditEntry.objects.count())

    html = manager.post("/staff/open-data/new/", {"title": ""}).content.decode()

    assert "There is a problem" in html
    assert "<title>Error: " in html
    for message in ("Enter a title", "Enter a description", "Select a publisher", "Enter a contact email address"):
        assert message in html
    assert (Dataset.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Bus Stops!"}, "URL name must be 2 to 100 characters"),
        ({"name": "street-trees"}, "That URL is already in use."),
        ({"temporal_start": "31/3/2026", "temporal_end": "1/4/2025"}, "must be the same as or after the first day"),
        ({"temporal_start": "31/2/2026"}, "Enter the first day covered as day/month/year"),
        ({"contact_email": "not an address"}, "Enter an email address in the correct format"),
        ({"title": "!!!"}, "the title has too few letters or numbers"),
    ],
)
def test_each_bad_value_gets_a_clear_error(
    catalogue: Catalogue, person: Person, changes: dict[str, str], message: str
) -> None:
    response = person("manager").post("/staff/open-data/new/", valid_form(catalogue, **changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Dataset.objects.filter(title__in=["Bus stops", "!!!"]).exists()


def test_create_makes_a_draft_named_from_its_title(catalogue: Catalogue, person: Person) -> None:
    response = person("manager").post("/staff/open-data/new/", valid_form(catalogue))

    dataset = Dataset.objects.get(name="bus-stops")
    assert response["Location"] == base(dataset)
    assert dataset.state == DatasetState.DRAFT
    assert dataset.licence.is_default
    assert dataset.temporal_start == dt.date(2025, 4, 1)
    assert sorted(tag.name for tag in dataset.tags.all()) == ["buses", "transport"]
    assert AuditEntry.objects.filter(object_id=str(dataset.pk), action="opendata.dataset.created").exists()


def test_edit_shows_the_current_details_and_saves_changes(catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")
    trees = catalogue.trees
    html = steward.get(page("edit", trees)).content.decode()
    assert f'value="{trees.title}"' in html
    assert "This dataset is public" in html

    response = steward.post(
        page("edit", trees), valid_form(catalogue, title="Street trees (all)", name=trees.name, tags="trees")
    )

    assert response.status_code == 302
    trees.refresh_from_db()
    assert (trees.title, trees.state, trees.spatial_geojson) == (
        "Street trees (all)",
        DatasetState.ACTIVE,
        {"type": "Point", "coordinates": [-1.2, 54.6]},
    )
    assert trees.resources.count() == 2  # the form does not touch files and links


def test_add_a_link(catalogue: Catalogue, person: Person) -> None:
    manager = person("manager")
    draft = catalogue.draft

    assert "Enter the web address" in manager.post(page("links", draft), {"name": "Data"}).content.decode()
    response = manager.post(
        page("links", draft), {"name": "Budget", "url": "https://x.example/budget.csv", "format": "CSV"}
    )

    assert response.status_code == 302
    resource = Resource.objects.get(dataset=draft)
    assert (resource.name, resource.url, resource.format) == ("Budget", "https://x.example/budget.csv", "CSV")
    assert "Budget" in manager.get(base(draft)).content.decode()


# --- the workflow through the pages -------------------------------------------------------------------


def test_submit_needs_a_link_first(catalogue: Catalogue, person: Person) -> None:
    manager = person("manager")
    draft = catalogue.draft

    assert "Add a link</a> first" in manager.get(page("submit", draft)).content.decode()
    manager.post(page("submit", draft))
    draft.refresh_from_db()
    assert draft.state == DatasetState.DRAFT
    assert "at least one file or link" in manager.get(base(draft)).content.decode()


def test_draft_review_approve_withdraw_restore(client: Client, catalogue: Catalogue, person: Person) -> None:
    manager, steward = person("manager"), person("steward")
    manager.post("/staff/open-data/new/", valid_form(catalogue))
    dataset = Dataset.objects.get(name="bus-stops")
    manager.post(page("links", dataset), {"name": "Stops", "url": "https://x.example/stops.csv"})
    assert "Submit for review" in manager.get(base(dataset)).content.decode()
    manager.post(page("submit", dataset))
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.IN_REVIEW

    review = steward.get(page("review", dataset)).content.decode()
    assert "Every bus stop in the borough." in review
    assert "https://x.example/stops.csv" in review
    assert steward.post(page("review", dataset), {"decision": "approve", "when": "now"}).status_code == 302
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.ACTIVE
    assert client.get(f"/data/dataset/{dataset.name}/").status_code == 200

    assert "Say why" in steward.post(page("withdraw", dataset), {"reason": " "}).content.decode()
    steward.post(page("withdraw", dataset), {"reason": "Bus stops moved to the transport portal"})
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.WITHDRAWN
    assert "Bus stops moved to the transport portal" in client.get(f"/data/dataset/{dataset.name}/").content.decode()

    steward.post(page("restore", dataset))
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.ACTIVE

    history = steward.get(page("history", dataset)).content.decode()
    for what in ("Created", "File or link added", "Submitted for review", "Approved", "Withdrawn", "Published again"):
        assert f">{what}<" in history
    assert "Manager" in history
    assert "Steward" in history


def test_review_send_back_needs_a_comment_which_the_draft_then_shows(catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")
    dataset = in_review(catalogue, staff("manager"))

    html = steward.post(page("review", dataset), {"decision": "send_back", "comment": ""}).content.decode()
    assert "There is a problem" in html
    assert "Say what needs to change" in html
    steward.post(page("review", dataset), {"decision": "send_back", "comment": "Use the OGL"})

    dataset.refresh_from_db()
    assert dataset.state == DatasetState.DRAFT
    shown = person("manager").get(base(dataset)).content.decode()
    assert "Sent back by the reviewer" in shown
    assert "Use the OGL" in shown


def test_scheduling_through_the_review_page(client: Client, catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")
    dataset = in_review(catalogue, staff("manager"))
    tomorrow = timezone.localtime() + dt.timedelta(days=1)

    missing = steward.post(page("review", dataset), {"decision": "approve", "when": "later"}).content.decode()
    assert "Enter the publication date" in missing
    assert "Enter the publication time" in missing
    past = steward.post(
        page("review", dataset),
        {"decision": "approve", "when": "later", "publish_date": "1/1/2020", "publish_time": "09:00"},
    ).content.decode()
    assert "must be in the future" in past
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.IN_REVIEW

    steward.post(
        page("review", dataset),
        {
            "decision": "approve",
            "when": "later",
            "publish_date": tomorrow.strftime("%d/%m/%Y"),
            "publish_time": "09:30",
        },
    )

    dataset.refresh_from_db()
    assert dataset.scheduled_publication_at is not None
    local = timezone.localtime(dataset.scheduled_publication_at)
    assert (local.date(), local.hour, local.minute) == (tomorrow.date(), 9, 30)
    assert client.get(f"/data/dataset/{dataset.name}/").status_code == 404
    shown = steward.get(base(dataset)).content.decode()
    assert "Scheduled" in shown
    assert "Publish now" in shown
    assert "Scheduled: 1</a>" in steward.get("/staff/open-data/").content.decode()

    steward.post(page("cancel-schedule", dataset))
    dataset.refresh_from_db()
    assert (dataset.state, dataset.scheduled_publication_at) == (DatasetState.IN_REVIEW, None)


def test_four_eyes_on_the_review_page(catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")
    dataset = in_review(catalogue, staff("steward"))

    review = steward.get(page("review", dataset)).content.decode()
    assert "You submitted this dataset" in review
    refused = steward.post(page("review", dataset), {"decision": "approve", "when": "now"}).content.decode()
    assert "another data steward must approve it" in refused
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.IN_REVIEW

    person("other_steward").post(page("review", dataset), {"decision": "approve", "when": "now"})
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.ACTIVE


def test_actions_out_of_turn_are_explained_not_applied(catalogue: Catalogue, person: Person) -> None:
    steward = person("steward")

    response = steward.post(page("publish-now", catalogue.trees), follow=True)
    assert "Only a dataset scheduled for publication" in response.content.decode()
    for action, dataset in (("review", catalogue.draft), ("withdraw", catalogue.draft), ("restore", catalogue.trees)):
        response = steward.get(page(action, dataset))
        assert response.status_code == 302, action
        assert response["Location"] == base(dataset), action
    catalogue.trees.refresh_from_db()
    assert catalogue.trees.state == DatasetState.ACTIVE
