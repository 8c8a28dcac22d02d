"""Every URL under /staff/ refuses anyone who is not council staff with MFA, found from the URL resolver.

The list is built from the live URL configuration, so a staff page added later is covered
without touching this file. Converters are filled with dummy values: the door must refuse
before any object is looked up.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from tests.conftest import TEST_PASSWORD
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User

STAFF_PREFIX = "staff/"
DUMMY_BY_CONVERTER = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": str(uuid.UUID(int=1)),
    "path": "x/y",
    "citizen_id": "CIT-0000-0000-0001",
}
# Dummy values that name a record, which may well not exist (404 allowed when a path ends with one).
DUMMY_IDS = {DUMMY_BY_CONVERTER[name] for name in ("int", "uuid", "citizen_id")}
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")


def _concrete(part: str, pattern: RoutePattern | RegexPattern) -> str:
    """Turn one pattern's text into a path fragment with a dummy value for each parameter."""
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAMETER.sub(lambda match: DUMMY_BY_CONVERTER.get(match["converter"] or "str", "1"), part)
    text = part.removeprefix("^").removesuffix("$").replace("\\", "")
    return REGEX_GROUP.sub(lambda match: "1" if r"\d" in match.group(0) or "0-9" in match.group(0) else "x", text)


def _walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
    for entry in patterns:
        path = prefix + _concrete(str(entry.pattern), entry.pattern)  # type: ignore[arg-type]
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, path)
        else:
            yield path


def staff_paths() -> list[str]:
    """Every concrete path under /staff/, one per URL pattern."""
    return sorted({"/" + path for path in _walk(get_resolver().url_patterns, "") if path.startswith(STAFF_PREFIX)})


STAFF_PATHS = staff_paths()


def test_enumeration_finds_the_staff_area() -> None:
    assert STAFF_PATHS, "no URL pattern under /staff/ was found: the enumeration is broken"
    assert "/staff/" in STAFF_PATHS
    for path in STAFF_PATHS:
        resolve(urlsplit(path).path)  # raises Resolver404 if a dummy value did not fit its converter


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", STAFF_PATHS)
def test_anonymous_visitor_is_sent_to_sign_in(client: Client, path: str, method: str) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/auth/login/"
    assert location.query == urlencode({"next": path})


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", STAFF_PATHS)
def test_residents_get_not_found(client: Client, resident: User, other_resident: User, path: str, method: str) -> None:
    for person in (resident, other_resident):
        client.force_login(person)
        response = getattr(client, method)(path)
        assert response.status_code in {403, 404}, f"{person.email} got {response.status_code} at {path}"
        assert person.email not in response.content.decode()


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_without_mfa_are_sent_to_set_it_up(
    client: Client, staff_by_role: dict[StaffRole, User], path: str
) -> None:
    for role, member in staff_by_role.items():
        client.force_login(member)
        response = client.get(path)
        assert response.status_code == 302, f"{role} got {response.status_code} at {path}"
        assert response["Location"] == "/auth/2fa/totp/activate/", f"{role} was sent to {response['Location']}"


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_whose_session_skipped_mfa_must_enter_a_code(
    client: Client, staff_by_role: dict[StaffRole, User], path: str
) -> None:
    member = staff_by_role[StaffRole.ADMINISTRATOR]
    account_services.staff_enrol_totp(member)
    client.force_login(member)  # a session that never saw the authenticator app

    response = client.get(path)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/2fa/reauthenticate/"


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_administrator_signed_in_with_mfa_is_let_in(
    client: Client, staff_by_role: dict[StaffRole, User], path: str
) -> None:
    """The control for the tests above: the door opens for staff who used their authenticator app.

    A dummy id may not exist (404) and a page may not take GET (405), but nobody is sent away.
    """
    member = staff_by_role[StaffRole.ADMINISTRATOR]
    secret = account_services.staff_enrol_totp(member)
    cache.clear()  # allauth allows 30 sign-ins a minute from one address; this test signs in once per URL
    response = client.post("/auth/login/", {"login": member.email, "password": TEST_PASSWORD})
    assert urlsplit(response["Location"]).path == "/auth/2fa/authenticate/"
    response = client.post("/auth/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302

    response = client.get(path)

    assert response.status_code in {200, 404, 405}, f"{path} answered {response.status_code}"
    if response.status_code == 404:
        last = path.rstrip("/").rsplit("/", 1)[-1]
        assert last in DUMMY_IDS, f"{path} does not end with an id, so it should exist"


@pytest.mark.django_db
def test_django_admin_refuses_everyone_but_superusers(
    client: Client, resident: User, staff_by_role: dict[StaffRole, User]
) -> None:
    refused = [resident, *staff_by_role.values()]
    for person in refused:
        client.force_login(person)
        response = client.get("/django-admin/")
        assert response.status_code == 302, person.email
        assert urlsplit(response["Location"]).path == "/django-admin/login/", person.email
        client.logout()
        # Signing in through the admin's own form does not help either.
        client.post("/django-admin/login/", {"username": person.email, "password": TEST_PASSWORD})
        assert client.get("/django-admin/").status_code == 302, person.email
        client.logout()

    superuser = User.objects.create_superuser(email="root@council.example", password=TEST_PASSWORD)
    client.force_login(superuser)
    assert client.get("/django-admin/").status_code == 200
