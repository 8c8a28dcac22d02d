"""Publishers and themes in the steward back office (issue 6): the services, search after a rename, and the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.conftest import TEST_PASSWORD
from tests.opendata.ckan_fixtures import Catalogue
from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.opendata import selectors, services
from townhall.opendata.models import Publisher, PublisherType, Theme

pytestmark = pytest.mark.django_db
SITE = "https://x.example"
ROLES = {
    "steward": StaffRole.DATA_STEWARD,
    "admin": StaffRole.ADMINISTRATOR,
    "manager": StaffRole.TEAM_MANAGER,
    "officer": StaffRole.CASE_OFFICER,
}
Person = Callable[[str], Client]


def staff(key: str) -> User:
    """The member of staff called `key` (see ROLES), made on first use."""
    return User.objects.filter(email=f"{key}-org@council.example").first() or account_services.staff_create(
        email=f"{key}-org@council.example", password=TEST_PASSWORD, roles=[ROLES[key]], given_name=key.title()
    )


@pytest.fixture
def person(db: None) -> Person:
    return lambda key: sign_in_with_mfa(Client(), staff(key))


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def _search_names(**kwargs: Any) -> list[str]:
    found = selectors.package_search(user=None, site_url=SITE, rows=100, sort="name asc", **kwargs)
    return [result["name"] for result in found["results"]]


def _facet(field: str) -> dict[str, str]:
    """A browse facet (no q, no fq: the cached one on PostgreSQL) as {name: display_name}."""
    found = selectors.package_search(user=None, site_url=SITE, rows=0, facet_fields=[field])
    return {item["name"]: item["display_name"] for item in found["search_facets"][field]["items"]}


# --- services ---------------------------------------------------------------------------------------


def test_publisher_create_and_update_are_audited_and_update_names_what_changed() -> None:
    steward = staff("steward")
    publisher = services.publisher_create(
        acting_user=steward,
        name="parks",
        title=" Parks and Open Spaces ",
        homepage="https://www.council.example/parks",
        email="parks@council.example",
        publisher_type=PublisherType.PUBLIC_BODY,
    )
    publisher.refresh_from_db()
    assert (publisher.title, publisher.publisher_type) == ("Parks and Open Spaces", PublisherType.PUBLIC_BODY)
    [created] = _audit("opendata.publisher.created")
    assert (created.actor_id, created.object_type, created.object_id) == (
        steward.pk,
        "opendata.publisher",
        str(publisher.pk),
    )

    services.publisher_update(acting_user=steward, publisher=publisher, title="Parks", description="Green spaces.")
    [updated] = _audit("opendata.publisher.updated")
    assert updated.reason == "Changed: title, description."
    publisher.refresh_from_db()
    assert (publisher.name, publisher.title, publisher.description) == ("parks", "Parks", "Green spaces.")

    # Saving the same values again writes nothing and audits nothing.
    services.publisher_update(acting_user=steward, publisher=publisher, title="Parks", name="parks")
    assert len(_audit("opendata.publisher.updated")) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a", "Must be purely lowercase"),
        ("has space", "Must be purely lowercase"),
        ("Upper", "Must be purely lowercase"),
        ("slash/y", "Must be purely lowercase"),
        ("x" * 101, "Must be purely lowercase"),
        ("", "This field cannot be blank."),
        ("taken", "Another publisher already has this URL name"),
    ],
)
def test_a_bad_or_taken_publisher_name_is_refused_and_nothing_is_written(name: str, message: str) -> None:
    steward = staff("steward")
    services.publisher_create(acting_user=steward, name="taken", title="Taken")
    before = (Publisher.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.publisher_create(acting_user=steward, name=name, title="Anything")
    assert any(message in text for text in refused.value.message_dict["name"])
    assert (Publisher.objects.count(), AuditEntry.objects.count()) == before


def test_names_of_2_and_100_characters_with_digits_dashes_and_underscores_are_accepted() -> None:
    steward = staff("steward")
    services.theme_create(acting_user=steward, name="a1", title="Short")
    services.theme_create(acting_user=steward, name="a-_9" + "z" * 96, title="Long")
    assert Theme.objects.count() == 2


def test_a_bad_update_changes_nothing(catalogue: Catalogue) -> None:
    steward = staff("steward")
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.publisher_update(
            acting_user=steward,
            publisher=catalogue.highways,
            name="finance",
            title="",
            email="not-an-email",
            homepage="nope",
        )
    assert set(refused.value.message_dict) == {"name", "title", "email", "homepage"}
    assert refused.value.message_dict["name"] == ["Another publisher already has this URL name"]
    with pytest.raises(ValidationError) as refused_theme:
        services.theme_update(acting_user=steward, theme=catalogue.transport, name="spending", iri="ftp:/x")
    assert set(refused_theme.value.message_dict) == {"name", "iri"}
    catalogue.highways.refresh_from_db()
    catalogue.transport.refresh_from_db()
    assert (catalogue.highways.name, catalogue.highways.title) == ("highways", "Highways and Transport")
    assert catalogue.highways.email == "roads@council.example"
    assert (catalogue.transport.name, catalogue.transport.iri) == ("transport", "")
    assert AuditEntry.objects.count() == entries


def test_only_data_stewards_and_administrators_write(catalogue: Catalogue) -> None:
    for key in ("manager", "officer"):
        with pytest.raises(PermissionDenied):
            services.publisher_create(acting_user=staff(key), name="nope", title="Nope")
        with pytest.raises(PermissionDenied):
            services.theme_update(acting_user=staff(key), theme=catalogue.transport, title="Nope")
    services.theme_update(acting_user=staff("admin"), theme=catalogue.transport, title="Travel")
    assert not Publisher.objects.filter(name="nope").exists()
    catalogue.transport.refresh_from_db()
    assert catalogue.transport.title == "Travel"


def test_update_refuses_fields_the_model_does_not_have(catalogue: Catalogue) -> None:
    with pytest.raises(TypeError):
        services.theme_update(acting_user=None, theme=catalogue.transport, homepage="https://x.example")


# --- search and the API after a rename -------------------------------------------------------------------


def test_renaming_a_publisher_changes_search_show_and_facets(catalogue: Catalogue) -> None:
    assert _search_names(q="highways") == ["public-toilets", "street-trees"]
    assert _facet("organization")["highways"] == "Highways and Transport"  # caches the browse facets on PostgreSQL

    services.publisher_update(
        acting_user=staff("steward"), publisher=catalogue.highways, name="streets", title="Streets and Parking"
    )

    assert _search_names(q="highways") == []
    assert _search_names(q="parking") == ["public-toilets", "street-trees"]
    assert _search_names(fq="organization:streets") == ["public-toilets", "street-trees"]
    assert _search_names(fq="organization:highways") == []
    shown = selectors.package_show(user=None, id_or_name="street-trees", site_url=SITE)
    assert shown is not None
    assert (shown["organization"]["name"], shown["organization"]["title"]) == ("streets", "Streets and Parking")
    [searched] = selectors.package_search(user=None, site_url=SITE, q="name:street-trees")["results"]
    assert searched == shown
    facet = _facet("organization")
    assert facet["streets"] == "Streets and Parking"
    assert "highways" not in facet


def test_renaming_a_theme_changes_search_show_and_facets(catalogue: Catalogue) -> None:
    assert _search_names(fq="groups:transport") == ["public-toilets", "street-trees"]
    assert _facet("groups")["transport"] == "Transport"

    services.theme_update(
        acting_user=staff("steward"), theme=catalogue.transport, name="getting-around", title="Getting around"
    )

    assert _search_names(fq="groups:getting-around") == ["public-toilets", "street-trees"]
    assert _search_names(fq="groups:transport") == []
    shown = selectors.package_show(user=None, id_or_name="street-trees", site_url=SITE)
    assert shown is not None
    assert [(group["name"], group["title"]) for group in shown["groups"]] == [("getting-around", "Getting around")]
    [searched] = selectors.package_search(user=None, site_url=SITE, q="name:street-trees")["results"]
    assert searched == shown
    facet = _facet("groups")
    assert facet["getting-around"] == "Getting around"
    assert "transport" not in facet


def test_changing_only_a_theme_title_shows_in_the_cached_browse_facets(catalogue: Catalogue) -> None:
    assert _facet("groups")["spending"] == "Spending"
    services.theme_update(acting_user=staff("steward"), theme=catalogue.spending, title="Money")
    assert _facet("groups")["spending"] == "Money"


# --- pages ------------------------------------------------------------------------------------------


def _pages(catalogue: Catalogue) -> list[str]:
    return [
        "/staff/open-data/publishers/",
        "/staff/open-data/publishers/new/",
        f"/staff/open-data/publishers/edit/{catalogue.highways.pk}/",
        "/staff/open-data/themes/",
        "/staff/open-data/themes/new/",
        f"/staff/open-data/themes/edit/{catalogue.transport.pk}/",
    ]


def test_stewards_and_administrators_open_the_pages_and_everyone_else_gets_404(
    catalogue: Catalogue, person: Person
) -> None:
    clients = {key: person(key) for key in ("steward", "admin", "manager", "officer")}
    for key, status in (("steward", 200), ("admin", 200), ("manager", 404), ("officer", 404)):
        for url in _pages(catalogue):
            assert clients[key].get(url).status_code == status, (key, url)
    before = Publisher.objects.count()
    response = clients["manager"].post("/staff/open-data/publishers/new/", {"title": "Sneaky", "name": "sneaky"})
    assert response.status_code == 404
    assert Publisher.objects.count() == before


def test_unknown_ids_are_404(catalogue: Catalogue, person: Person) -> None:
    client = person("steward")
    assert client.get(f"/staff/open-data/publishers/edit/{catalogue.transport.pk}/").status_code == 404
    assert client.get(f"/staff/open-data/themes/edit/{catalogue.highways.pk}/").status_code == 404


def test_the_lists_show_counts_say_nothing_is_deleted_and_the_back_office_links_them(
    catalogue: Catalogue, person: Person
) -> None:
    client = person("steward")
    publishers = client.get("/staff/open-data/publishers/").content.decode()
    assert "Highways and Transport" in publishers
    assert "A publisher that has datasets cannot be deleted" in publishers
    # highways: trees, toilets, private, withdrawn (4 datasets); its count links to them in the back office
    assert 'href="/staff/open-data/?publisher=highways">4<' in publishers
    assert f'href="/staff/open-data/publishers/edit/{catalogue.highways.pk}/"' in publishers
    themes = client.get("/staff/open-data/themes/").content.decode()
    assert "A theme that has datasets cannot be deleted" in themes
    assert f'href="/staff/open-data/themes/edit/{catalogue.spending.pk}/"' in themes

    back_office = client.get("/staff/open-data/").content.decode()
    assert 'href="/staff/open-data/publishers/"' in back_office
    assert 'href="/staff/open-data/themes/"' in back_office
    manager_view = person("manager").get("/staff/open-data/").content.decode()
    assert "/staff/open-data/publishers/" not in manager_view


def test_adding_a_publisher_with_bad_input_shows_every_error_and_writes_nothing(person: Person) -> None:
    client = person("steward")
    before = (Publisher.objects.count(), AuditEntry.objects.count())
    response = client.post(
        "/staff/open-data/publishers/new/",
        {"title": "", "name": "Bad Name!", "email": "nope", "homepage": "not a web address", "publisher_type": "x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    for message in (
        "Enter a title",
        "URL name must be 2 to 100 characters",
        "Enter an email address in the correct format",
        "Enter a web address in the correct format",
        "Select a type of organisation",
    ):
        assert message in page, message
    assert (Publisher.objects.count(), AuditEntry.objects.count()) == before


def test_adding_and_changing_a_publisher_through_the_pages(catalogue: Catalogue, person: Person) -> None:
    client = person("steward")
    response = client.post(
        "/staff/open-data/publishers/new/",
        {
            "title": "Northfield Community Trust",
            "name": "Northfield-Trust",
            "description": "A partner running the community centres.",
            "publisher_type": PublisherType.NON_PROFIT,
            "homepage": "www.northfield-trust.example",
            "email": "data@northfield-trust.example",
            "image_url": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/open-data/publishers/"
    added = Publisher.objects.get(name="northfield-trust")
    assert (added.title, added.publisher_type, added.homepage) == (
        "Northfield Community Trust",
        PublisherType.NON_PROFIT,
        "https://www.northfield-trust.example",
    )
    [created] = _audit("opendata.publisher.created")
    assert (created.actor_id, created.object_id) == (staff("steward").pk, str(added.pk))
    assert "Northfield Community Trust saved" in client.get("/staff/open-data/publishers/").content.decode()

    edit = f"/staff/open-data/publishers/edit/{catalogue.highways.pk}/"
    form = client.get(edit).content.decode()
    assert 'value="Highways and Transport"' in form
    assert 'value="roads@council.example"' in form
    taken = client.post(edit, {"title": "Highways", "name": "finance", "publisher_type": PublisherType.LOCAL_AUTHORITY})
    assert taken.status_code == 200
    assert "Another publisher already has this URL name" in taken.content.decode()
    catalogue.highways.refresh_from_db()
    assert (catalogue.highways.name, catalogue.highways.title) == ("highways", "Highways and Transport")

    changed = client.post(
        edit,
        {
            "title": "Highways",
            "name": "highways",
            "publisher_type": PublisherType.LOCAL_AUTHORITY,
            "email": "roads@council.example",
        },
    )
    assert changed.status_code == 302
    catalogue.highways.refresh_from_db()
    assert catalogue.highways.title == "Highways"
    [updated] = _audit("opendata.publisher.updated")
    assert updated.reason == "Changed: title."
    assert _search_names(q="highways") == ["public-toilets", "street-trees"]


def test_adding_and_changing_a_theme_through_the_pages(catalogue: Catalogue, person: Person) -> None:
    client = person("admin")
    empty = client.post("/staff/open-data/themes/new/", {"title": "Health", "name": ""})
    assert "Enter a URL name" in empty.content.decode()
    assert not Theme.objects.filter(title="Health").exists()

    iri = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
    added = client.post("/staff/open-data/themes/new/", {"title": "Health", "name": "health", "iri": iri})
    assert added.status_code == 302
    assert added["Location"] == "/staff/open-data/themes/"
    assert Theme.objects.get(name="health").iri == iri

    edit = f"/staff/open-data/themes/edit/{catalogue.transport.pk}/"
    too_long = client.post(edit, {"title": "T" * 201, "name": "transport"})
    assert "Title must be 200 characters or fewer" in too_long.content.decode()
    renamed = client.post(edit, {"title": "Travel", "name": "travel"})
    assert renamed.status_code == 302
    assert _search_names(fq="groups:travel") == ["public-toilets", "street-trees"]
    [updated] = _audit("opendata.theme.updated")
    assert updated.reason == "Changed: name, title."
